#!/usr/bin/env bash
# System calls per message for the seed's upper-casing server: corio serve
# (one hub), the goroutine-per-connection net server and gnet v2 (one
# event loop), each traced with `strace -c -f` while `corio load` runs
# against it. Server with GOMAXPROCS=1 on CPU 1, load on CPU 0. Tracing
# slows every server alike; counts per message are what matter here.
#
# Usage: bench/syscalls.sh [SECONDS] [CONNS...]   (defaults: 3 s; 1 100 500)
# SERVERS="corio gnet" limits the servers traced.
# Prints, per server and connection count: messages, then calls per
# message of read, write, epoll_wait and everything else (with the three
# most frequent of the rest).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-3}
shift || true
conns=("$@")
[ ${#conns[@]} -gt 0 ] || conns=(1 100 500)
. ./lib.sh
build_servers

printf '%-6s %5s %9s %8s %8s %8s %8s %8s\n' server conns msgs read write epoll other total
port=19200
for c in "${conns[@]}"; do
  for s in ${SERVERS:-corio net gnet}; do
    port=$((port + 1))
    # shellcheck disable=SC2046
    GOMAXPROCS=1 taskset -c 1 strace -c -f -o "$bin/trace" $(server_cmd "$s" "$port") >/dev/null 2>&1 &
    tracer=$!
    sleep 1
    out=$(GOMAXPROCS=1 taskset -c 0 "$bin/corio" load --addr "127.0.0.1:$port" -c "$c" -d "${secs}s" --hubs 1 --json)
    # Stop the server, not strace (which keeps waiting for its tracee):
    # strace then writes its summary and exits.
    kill -TERM "$(pgrep -P "$tracer")"
    wait "$tracer" 2>/dev/null || true
    python3 - "$s" "$c" "$out" "$bin/trace" <<'PY'
import json, sys
s, c, out, trace = sys.argv[1:]
msgs = max(json.loads(out)["msgs"], 1)
calls = {}
for line in open(trace):
    f = line.split()
    # rows: % time, seconds, usecs/call, calls, [errors], syscall
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls[f[-1]] = calls.get(f[-1], 0) + int(f[3])
group = {"read": ("read", "recvfrom"), "write": ("write", "sendto"), "epoll": ("epoll_wait", "epoll_pwait", "epoll_pwait2")}
row = {k: sum(calls.get(n, 0) for n in v) for k, v in group.items()}
total = sum(calls.values())
other = total - sum(row.values())
named = {n for v in group.values() for n in v}
top = sorted(((v, k) for k, v in calls.items() if k not in named), reverse=True)[:3]
print(f"{s:<6} {c:>5} {msgs:>9} " + " ".join(f"{v / msgs:8.3f}" for v in (row["read"], row["write"], row["epoll"], other, total))
      + "   " + ", ".join(f"{k} {v / msgs:.3f}" for v, k in top))
PY
  done
done
