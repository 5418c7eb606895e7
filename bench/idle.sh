#!/usr/bin/env bash
# Idle memory per connection: each server (corio serve with one hub, the
# goroutine-per-connection net server, gnet v2 with one event loop; all
# GOMAXPROCS=1 on CPU 1) gets N connections that each made one exchange
# and then stay open and idle (bench/cmd/idleconns, on CPU 0). The figure
# is the growth of the server's resident memory (VmRSS) divided by N.
#
# Usage: bench/idle.sh [N] [ROUNDS] [ARRIVAL]   (defaults: 10000 connections,
# 3 rounds, one-by-one; ARRIVAL at-once opens all N, then sends on all at
# the same moment: see bench/cmd/idleconns)
# IDLE_SERVERS picks the servers (default: corio corio-noidle corio-tasks net gnet).
# Prints one line per run: server arrival conns rss_before_kb rss_after_kb bytes_per_conn
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-10000}
rounds=${2:-3}
arrival=${3:-one-by-one}
case $arrival in
  one-by-one) at_once= ;;
  at-once) at_once=--at-once ;;
  *) echo "idle.sh: ARRIVAL must be one-by-one or at-once, got $arrival" >&2; exit 2 ;;
esac
. ./lib.sh
build_servers idleconns
ulimit -n "$(ulimit -Hn)" # both sides hold N descriptors

port=19400
for r in $(seq "$rounds"); do
  for s in ${IDLE_SERVERS:-corio corio-noidle corio-tasks net gnet}; do
    port=$((port + 1))
    # shellcheck disable=SC2046
    GOMAXPROCS=1 taskset -c 1 $(server_cmd "$s" "$port") >/dev/null 2>&1 &
    pid=$!
    sleep 0.5
    # shellcheck disable=SC2086
    growth=$(idle_growth "$pid" "$port" "$n" $at_once)
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$s $arrival $n $growth"
  done
done
