#!/usr/bin/env bash
# HTTP/1.1 servers on the plaintext benchmark's handler ("Hello, World!",
# text/plain): corio's chttp.Server (one hub), net/http and fasthttp, each
# with GOMAXPROCS=1 pinned to CPU 1 (bench/cmd/httpserver). Two figures:
#
# 1. Load: wrk (Debian package wrk; installed if missing) with one thread
#    and 256 keep-alive connections for SECONDS, pinned to CPU 0. Server
#    CPU per request from /proc/<pid>/stat (utime + stime) before and
#    after; requests/s as wrk reports them.
# 2. Idle keep-alive connections: N connections (bench/cmd/idleconns
#    --http, on CPU 0) that each made one request and stay open; the
#    growth of the server's VmRSS divided by N.
#
# Servers alternate (A B C A B C ...) so that drift hits all alike.
# With BASE=path/to/an/older/httpserver (bench/cmd/httpserver built from an
# older tree), it runs as a fourth server, corio-base, in the same rounds.
# Usage: bench/http.sh [SECONDS] [ROUNDS] [N]   (defaults: 5 s, 3 rounds, 10000)
# Prints: load server requests cpu_seconds us_per_request requests_per_s
#         idle server conns bytes_per_conn
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
rounds=${2:-3}
n=${3:-10000}
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y wrk; fi
fi
. ./lib.sh # new_bin, idle_growth, cpu_ticks
new_bin
go build -o "$bin/httpserver" ./cmd/httpserver
go build -o "$bin/idleconns" ./cmd/idleconns
ulimit -n "$(ulimit -Hn)"
servers=(corio net fasthttp)
if [ -n "${BASE:-}" ]; then servers+=(corio-base); fi
start() { # server port
  local exe=$bin/httpserver impl=$1
  if [ "$1" = corio-base ]; then exe=$BASE impl=corio; fi
  GOMAXPROCS=1 taskset -c 1 "$exe" --impl "$impl" --addr "127.0.0.1:$2" >/dev/null 2>&1 &
  pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$2/" 2>/dev/null || bash -c "exec 3<>/dev/tcp/127.0.0.1/$2" 2>/dev/null; do sleep 0.1; done
}
port=19600
for r in $(seq "$rounds"); do
  for s in "${servers[@]}"; do
    port=$((port + 1))
    start "$s" "$port"
    echo "load $s $(wrk_load "$pid" "http://127.0.0.1:$port/" "$secs" 256)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  for s in "${servers[@]}"; do
    port=$((port + 1))
    start "$s" "$port"
    sleep 0.5
    growth=$(idle_growth "$pid" "$port" "$n" --http)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "idle $s $n ${growth##* }"
  done
done
