#!/usr/bin/env bash
# corio crawl with its Redis frontier against its in-process frontier, on
# the same demo site (10 KB pages, 5 links each, 3,906 pages) in the same
# run: one worker and two workers on one crawl. Part A: pages answered at
# once (the workers' CPU is the limit: what the frontier costs). Part B:
# pages answered after 20 ms (the latency is the limit, as on the web).
#
# The site and redis-server run on CPU 1; the workers on CPU 0 (both
# workers of a two-worker crawl share it, so two workers show what the
# frontier costs, not what a second core gives). -c 100 per worker.
#
# For each run and client it prints the wall time, pages/s, the workers'
# CPU time per page, Redis's CPU time per page, and the Redis commands per
# page: those the workers sent (EVALSHA, ZREM, ...) and those processed in
# all (the scripts' own calls included), from INFO commandstats, and the
# site's CPU time per page (CPU 1 is the site's and Redis's together).
#
# Usage: bench/frontier.sh [RUNS]      (from the repository or bench/)
# With BASE=path/to/an/older/corio, its Redis runs are added as
# redis1-base and redis2-base, for a before/after comparison.
# Needs redis-server and redis-cli (Debian: apt-get install redis-server).
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
runs=${1:-5}
command -v redis-server > /dev/null || { echo "redis-server not found: apt-get install redis-server" >&2; exit 1; }
build_corio

redis_port=16391
taskset -c 1 redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --logfile "" > /dev/null &
redis_pid=$!
frontier=redis://127.0.0.1:$redis_port/0

# site LATENCY PORT: starts the site on CPU 1, waits until it and Redis answer.
site() {
  GOMAXPROCS=1 taskset -c 1 "$bin/corio" site --pages 3905 --fanout 5 --latency "$1" --size 10000 --addr 127.0.0.1:$2 > /dev/null &
  site_pid=$!
  for _ in $(seq 100); do
    if redis-cli -p $redis_port ping > /dev/null 2>&1 && (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return; fi
    sleep 0.05
  done
  echo "the site or Redis did not start" >&2; exit 1
}

# sent: commands the workers sent (scripts, and a connection's greeting
# and PING; without --per-host they send nothing else); all: every
# command processed, the scripts' own calls included.
commands() {
  redis-cli -p $redis_port info commandstats | tr -d '\r' | awk -F'[:=,]' '
    /^cmdstat_/ { if ($1 ~ /^cmdstat_(config|flushall|info|exists)/) next
                  all += $3; if ($1 ~ /^cmdstat_(evalsha|eval|ping|hello|select|client)/) sent += $3 }
    END { print sent + 0, all + 0 }'
}

# client NAME: one crawl of the site; prints
# "NAME seconds pages_per_s worker_cpu_us_per_page redis_cpu_us_per_page sent_per_page all_per_page".
client() {
  local name=$1 crawl="run$RANDOM$RANDOM" t0 t1 r0 r1 s1 a1 corio=$bin/corio
  case $name in *-base) corio=$BASE ;; esac
  redis-cli -p $redis_port flushall > /dev/null
  redis-cli -p $redis_port config resetstat > /dev/null
  r0=$(cpu_ticks $redis_pid) w0=$(cpu_ticks $site_pid)
  t0=$(date +%s.%N)
  case ${name%-base} in
    memory)
      taskset -c 0 /usr/bin/time -o "$bin/t1" -f '%U %S' "$corio" crawl -c 100 --depth 10 "$seed" > "$bin/out1" ;;
    redis1)
      taskset -c 0 /usr/bin/time -o "$bin/t1" -f '%U %S' "$corio" crawl -c 100 --depth 10 \
        --frontier $frontier --crawl $crawl "$seed" > "$bin/out1" 2> /dev/null ;;
    redis2)
      taskset -c 0 /usr/bin/time -o "$bin/t1" -f '%U %S' "$corio" crawl -c 100 --depth 10 \
        --frontier $frontier --crawl $crawl "$seed" > "$bin/out1" 2> /dev/null &
      local first=$!
      until [ "$(redis-cli -p $redis_port exists "corio:crawl:{$crawl}:settings")" = 1 ]; do sleep 0.001; done
      taskset -c 0 /usr/bin/time -o "$bin/t2" -f '%U %S' "$corio" crawl -c 100 \
        --frontier $frontier --crawl $crawl > "$bin/out2" 2> /dev/null
      wait $first ;;
  esac
  t1=$(date +%s.%N)
  r1=$(cpu_ticks $redis_pid) w1=$(cpu_ticks $site_pid)
  read -r s1 a1 < <(commands)
  local pages cpu
  pages=$(cat "$bin"/out[12] | grep -c '^200 ')
  cpu=$(cat "$bin"/t[12] 2> /dev/null | awk '{ s += $1 + $2 } END { print s }')
  rm -f "$bin"/out[12] "$bin"/t[12]
  awk -v n="$name" -v p="$pages" -v w="$(echo "$t1 - $t0" | bc)" -v c="$cpu" -v r="$((r1 - r0))" -v hz="$(getconf CLK_TCK)" -v s="$s1" -v a="$a1" -v st="$((w1 - w0))" \
    'BEGIN { printf "%s %.3f %.0f %.1f %.1f %.2f %.2f %.1f\n", n, w, p / w, c * 1e6 / p, r / hz * 1e6 / p, s / p, a / p, st / hz * 1e6 / p }'
  awk -v n="$name" -v p="$pages" -v w="$(echo "$t1 - $t0" | bc)" -v c="$cpu" -v r="$((r1 - r0))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "BenchmarkFrontier/latency='"$latency"'/client=%s 1 %.0f ns/op %.1f pages/s %.0f cpu-ns/page %.0f redis-cpu-ns/page\n", n, w * 1e9, p / w, c * 1e9 / p, r / hz * 1e9 / p }' \
    >> "$bin/bench.txt"
}

clients="memory redis1 redis2"
[ -z "${BASE:-}" ] || clients="$clients redis1-base redis2-base"
: > "$bin/bench.txt"
for part in A B; do
  if [ $part = A ]; then latency=0s port=18091; else latency=20ms port=18092; fi
  site $latency $port
  seed=http://127.0.0.1:$port/
  client memory > /dev/null # warm the site up, unrecorded
  sed -i '$d' "$bin/bench.txt"
  echo "# part $part: 3,906 pages, $latency each"
  echo "# client seconds pages_per_s worker_cpu_us_per_page redis_cpu_us_per_page redis_cmds_sent_per_page redis_cmds_all_per_page site_cpu_us_per_page"
  for run in $(seq "$runs"); do
    for c in $clients; do client $c; done
  done
  kill $site_pid; wait $site_pid 2>/dev/null || true
done

print_benchstat /client
