#!/usr/bin/env bash
# Server CPU time per message for the seed's upper-casing server: corio
# serve (one hub), a goroutine-per-connection net server, and gnet v2 (one
# event loop), each with GOMAXPROCS=1 pinned to CPU 1, loaded by
# `corio load` pinned to CPU 0. Server CPU is read from /proc/<pid>/stat
# (utime + stime) before and after each run. Runs alternate between the
# servers (A B C A B C ...) so that drift on the machine hits all alike.
#
# Usage: bench/serve.sh [SECONDS] [ROUNDS] [BASELINE]   (defaults: 5 s, 3 rounds)
# BASELINE, if given, is another corio binary served as "base" in the same
# rounds, so that two versions of corio serve compare in one run.
# Prints one line per run: server conns msgs cpu_seconds us_per_msg msgs_per_s p50_us p99_us;
# then, per connection count, each server's median µs per message and its
# ratio to gnet's and to net's.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
rounds=${2:-3}
baseline=${3:-}
servers=(corio net gnet)
if [ -n "$baseline" ]; then servers+=(base); fi
. ./lib.sh
build_servers
tck=$(getconf CLK_TCK)

start() { # name port -> pid
  # shellcheck disable=SC2046
  GOMAXPROCS=1 taskset -c 1 $(server_cmd "$1" "$2") >/dev/null 2>&1 &
  echo $!
}

start_base() { # port -> pid
  GOMAXPROCS=1 taskset -c 1 "$baseline" serve --hubs 1 --addr "127.0.0.1:$1" >/dev/null 2>&1 &
  echo $!
}

declare -A pid port
p=19100
for s in "${servers[@]}"; do
  port[$s]=$p
  if [ "$s" = base ]; then start_base $p > "$bin/pid"; else start $s $p > "$bin/pid"; fi # the server's output does not go to the pipe
  pid[$s]=$(cat "$bin/pid")
  p=$((p + 1))
done
sleep 1
for r in $(seq "$rounds"); do
  for c in 1 100 500; do
    for s in "${servers[@]}"; do
      before=$(cpu_ticks "${pid[$s]}")
      out=$(GOMAXPROCS=1 taskset -c 0 "$bin/corio" load --addr "127.0.0.1:${port[$s]}" -c "$c" -d "${secs}s" --hubs 1 --json)
      after=$(cpu_ticks "${pid[$s]}")
      python3 - "$s" "$c" "$before" "$after" "$tck" "$out" <<'PY'
import json, sys
s, c, before, after, tck, out = sys.argv[1:]
r = json.loads(out)
cpu = (float(after) - float(before)) / float(tck)
print(f"{s} {c} {r['msgs']} {cpu:.2f} {cpu * 1e6 / max(r['msgs'], 1):.3f} {r['msgs_per_s']:.0f} {r['p50_us']:.0f} {r['p99_us']:.0f}")
PY
    done
  done
done | tee "$bin/runs"
python3 - "$bin/runs" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    s, c, _, _, us = line.split()[:5]
    runs.setdefault((int(c), s), []).append(float(us))
print("\nconns server median_us_per_msg vs_gnet vs_net")
names = [s for s in ("corio", "base", "net", "gnet") if any(k[1] == s for k in runs)]
for c in sorted({c for c, _ in runs}):
    med = {s: statistics.median(runs[(c, s)]) for s in names}
    for s in names:
        print(f"{c} {s} {med[s]:.2f} {med[s] / med['gnet']:.2f} {med[s] / med['net']:.2f}")
PY
