#!/usr/bin/env bash
# Peak memory of corio crawl, with its default flags, on the pages that
# would take all of it without bounds: an endless page of links, and a
# gzip bomb (1 GiB unpacked, a small fraction of it on the wire). The server
# (bench/cmd/hostile) runs on CPU 1, the crawl on CPU 0; the figure is
# the crawl's maximum resident set (GNU time's %M; Debian package
# "time") and its wall time.
#
# Usage: bench/hostile.sh [ROUNDS] [BASELINE]   (default 3 rounds)
# BASELINE, if given, is another corio binary (one without the bounds, say)
# run the same way, stopped after 10 s.
# Prints one line per run: binary page max_rss_kib seconds exit_status
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
. ./lib.sh
build_servers hostile
port=19600
taskset -c 1 "$bin/hostile" --addr "127.0.0.1:$port" 2>/dev/null &
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.2; done
baseline=${2:-}
run() { # name binary page
  taskset -c 0 /usr/bin/time -o "$bin/time" -f '%M %e %x' timeout 10 "$2" crawl --depth 1 --ignore-robots "http://127.0.0.1:$port/$3" >/dev/null 2>&1 || true
  echo "$1 $3 $(tail -1 "$bin/time")"
}
for r in $(seq "$rounds"); do
  for page in endless bomb; do
    run corio "$bin/corio" "$page"
    if [ -n "$baseline" ]; then run baseline "$baseline" "$page"; fi
  done
done
