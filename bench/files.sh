#!/usr/bin/env bash
# corio http serving a small file (1 KiB, text/html) and a directory
# listing, one hub (--hubs 1, GOMAXPROCS=1) pinned to CPU 1, loaded by
# wrk (one thread, 64 keep-alive connections) pinned to CPU 0. Servers
# alternate round by round so that drift hits all alike.
#
# Servers: corio (this tree, --quiet: no access log), corio-log (this
# tree's defaults: a log line per request), and, with BASE=path/to/an/older
# corio, corio-base (that build's defaults, run with --dir and --addr).
# Usage: bench/files.sh [SECONDS] [ROUNDS]   (defaults: 5 s, 3 rounds)
# Prints: server path requests_per_s cpu_us_per_request
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
rounds=${2:-3}
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y wrk; fi
fi
. ./lib.sh
build_corio
site=$bin/site
mkdir -p "$site/dir"
head -c 1024 /dev/zero | tr '\0' 'x' | sed 's/^/<p>/' > "$site/small.html"
for i in $(seq 100); do echo "$i" > "$site/dir/file-$i.txt"; done
servers=(corio corio-log)
if [ -n "${BASE:-}" ]; then servers+=(corio-base); fi
start() { # server port
  case $1 in
    corio) GOMAXPROCS=1 taskset -c 1 "$bin/corio" http --hubs 1 --quiet --dir "$site" --addr "127.0.0.1:$2" >/dev/null 2>&1 & ;;
    corio-log) GOMAXPROCS=1 taskset -c 1 "$bin/corio" http --hubs 1 --dir "$site" --addr "127.0.0.1:$2" >/dev/null 2>&1 & ;;
    corio-base) GOMAXPROCS=1 taskset -c 1 "$BASE" http --hubs 1 --dir "$site" --addr "127.0.0.1:$2" >/dev/null 2>&1 & ;;
  esac
  pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$2/small.html" 2>/dev/null; do sleep 0.1; done
}
port=19800
for r in $(seq "$rounds"); do
  for path in /small.html /dir/; do
    for s in "${servers[@]}"; do
      port=$((port + 1))
      start "$s" "$port"
      echo "$s $path $(wrk_load "$pid" "http://127.0.0.1:$port$path" "$secs" 64)" | awk '{printf "%s %s %s %.2f\n", $1, $2, $6, $5}'
      kill "$pid"; wait "$pid" 2>/dev/null || true
    done
  done
done
