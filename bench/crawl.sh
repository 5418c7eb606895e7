#!/usr/bin/env bash
# corio crawl against net/http with a goroutine per URL and a semaphore
# (cmd/netcrawl), both fetching the same URL list from `corio site` at
# -c 100. The site runs on CPU 1, each client in turn on CPU 0.
#
#   A: 1000 pages, 50 ms each: wall time of the crawl (the ideal is
#      1000 / 100 * 50 ms = 0.5 s)
#   B: 20,000 pages, no latency: pages/s, the client's CPU time per page
#      and its maximum RSS
#
# corio crawl runs with --per-host 0 (the baseline has no bound per host) and
# --ignore-robots: the baseline fetches no
# robots.txt, and the one fetch would add a 50 ms round before the rest.
#
# Every run prints a line per client, then benchstat (if installed:
# go install golang.org/x/perf/cmd/benchstat@latest) gives the medians
# with confidence intervals, corio's column against net's.
#
# Usage: bench/crawl.sh [RUNS]      (from the repository or bench/)
# With BASE=path/to/an/older/corio, it runs as a third client, corio-base,
# for a before/after comparison. With KEEP=1, corio also runs keeping what
# it fetches: corio-warc (--warc, gzip) and corio-mirror (-o DIR), each
# file written off the hub, to compare with the plain crawl; their files
# go to KEEPDIR (default: the run's temporary directory; /dev/shm takes the
# disk out of the measure).
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
runs=${1:-5}
build_servers netcrawl
keep=$(mktemp -d "${KEEPDIR:-$bin}/keep.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$bin" "$keep"' EXIT

# site PAGES LATENCY PORT: starts the site on CPU 1, waits until it answers.
site() {
  GOMAXPROCS=1 taskset -c 1 "$bin/corio" site --pages "$1" --latency "$2" --size 2000 --addr "127.0.0.1:$3" > /dev/null &
  site_pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then return; fi
    sleep 0.05
  done
  echo "the site did not start" >&2; exit 1
}

# client NAME LIST: runs one client on CPU 0 and prints
# "NAME seconds pages_per_s cpu_seconds max_rss_kb".
client() {
  local out=$bin/out.txt tm=$bin/time.txt
  case $1 in
    corio) taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S %M' \
              "$bin/corio" crawl -c 100 --per-host 0 --ignore-robots -i "$2" > "$out" ;;
    corio-warc) rm -f "$keep"/keep*.warc.gz; taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S %M' \
              "$bin/corio" crawl -c 100 --per-host 0 --ignore-robots --warc "$keep/keep.warc.gz" -i "$2" > "$out" 2>/dev/null ;;
    corio-mirror) rm -rf "$keep/mirror"; taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S %M' \
              "$bin/corio" crawl -c 100 --per-host 0 --ignore-robots -o "$keep/mirror" -i "$2" > "$out" ;;
    corio-base) taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S %M' \
              "$BASE" crawl -c 100 --per-host 0 --ignore-robots -i "$2" > "$out" ;;
    net)   taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S %M' \
              "$bin/netcrawl" -c 100 -i "$2" > /dev/null 2> "$out" ;;
  esac
  local secs pps
  if [ "${1#corio}" != "$1" ]; then
    read -r secs pps < <(tail -1 "$out" | awk '{ for (i = 1; i < NF; i++) { if ($i == "seconds") s = $(i+1); if ($i == "pages/s") p = $(i+1) } print s, p }')
  else
    read -r secs pps < <(sed -E 's/.*"pages_per_s":([0-9.e+-]+).*"seconds":([0-9.e+-]+).*/\2 \1/' "$out")
  fi
  read -r user sys rss < "$tm"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  echo "$1 $secs $pps $cpu $rss"
  # The same in Go's benchmark format, for benchstat.
  [ "${record:-1}" = 1 ] || return 0
  awk -v name="$bench_name" -v c="$1" -v secs="$secs" -v pps="$pps" -v cpu="$cpu" -v rss="$rss" -v n="$pages_total" \
    'BEGIN { printf "Benchmark%s/client=%s 1 %.0f ns/op %.1f pages/s %.0f cpu-ns/page %d maxRSS-KiB\n", name, c, secs * 1e9, pps, cpu * 1e9 / n, rss }' \
    >> "$bin/bench.txt"
}

for part in A B; do
  if [ $part = A ]; then pages=999 latency=50ms port=18081; else pages=19999 latency=0s port=18082; fi
  site $pages $latency $port
  "$bin/corio" site --list --pages $pages --addr "127.0.0.1:$port" > "$bin/urls.txt"  # "/" and pages 1..N
  pages_total=$(wc -l < "$bin/urls.txt")
  bench_name="Crawl/pages=$pages_total/latency=$latency"
  record=0 client corio "$bin/urls.txt" > /dev/null  # warm the site up once, unrecorded
  echo "# part $part: $(wc -l < "$bin/urls.txt") pages, $latency each"
  echo "# client seconds pages_per_s cpu_seconds max_rss_kb"
  for run in $(seq "$runs"); do
    if [ $((run % 2)) = 1 ]; then order="corio net"; else order="net corio"; fi
    if [ -n "${BASE:-}" ]; then
      if [ $((run % 2)) = 1 ]; then order="corio net corio-base"; else order="corio-base net corio"; fi
    fi
    if [ "${KEEP:-}" = 1 ]; then
      if [ $((run % 2)) = 1 ]; then order="$order corio-warc corio-mirror"; else order="corio-mirror corio-warc $order"; fi
    fi
    for c in $order; do client "$c" "$bin/urls.txt"; done
  done
  kill $site_pid; wait $site_pid 2>/dev/null || true
done

print_benchstat /client
