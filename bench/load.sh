#!/usr/bin/env bash
# corio load against wrk and hey as HTTP load generators: each drives the
# fasthttp plaintext server (bench/cmd/httpserver --impl fasthttp,
# GOMAXPROCS=1 on CPU 1) with 256 keep-alive connections for SECONDS,
# pinned to CPU 0 with one thread (wrk -t1; corio load --hubs 1 with
# GOMAXPROCS=1; hey with GOMAXPROCS=1). The figure is requests per second
# of the load generator's own CPU (user + sys from /usr/bin/time): how
# much load a core of it makes. Clients alternate, ROUNDS times.
# Needs wrk and hey (Debian packages; installed if missing).
#
# Usage: bench/load.sh [SECONDS] [ROUNDS]   (defaults: 5 s, 3 rounds)
# Prints: client requests cpu_seconds requests_per_cpu_second requests_per_s
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
rounds=${2:-3}
for tool in wrk hey; do
  if ! command -v "$tool" >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "$tool" >/dev/null
  fi
done
. ./lib.sh
new_bin
go build -o "$bin/httpserver" ./cmd/httpserver
(cd .. && go build -o "$bin/corio" ./cmd/corio)
GOMAXPROCS=1 taskset -c 1 "$bin/httpserver" --impl fasthttp --addr 127.0.0.1:19701 >/dev/null 2>&1 &
until bash -c "exec 3<>/dev/tcp/127.0.0.1/19701" 2>/dev/null; do sleep 0.1; done
url=http://127.0.0.1:19701/
tm=$bin/time.txt out=$bin/out.txt
run() { # client: runs it, prints its line
  case $1 in
    wrk) taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S' wrk -t1 -c256 -d"${secs}s" "$url" > "$out"
         reqs=$(awk '/requests in/ {print $1}' "$out") ;;
    corio) GOMAXPROCS=1 taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S' "$bin/corio" load --hubs 1 -c 256 -d "${secs}s" --json "$url" > "$out"
         reqs=$(sed -E 's/.*"requests":([0-9]+).*/\1/' "$out") ;;
    hey) GOMAXPROCS=1 taskset -c 0 /usr/bin/time -o "$tm" -f '%U %S' hey -c 256 -z "${secs}s" "$url" > "$out"
         reqs=$(awk '/\[200\]/ {print $2}' "$out") ;;
  esac
  read -r user sys < "$tm"
  awk -v c="$1" -v n="$reqs" -v u="$user" -v s="$sys" -v d="$secs" \
    'BEGIN { cpu = u + s; printf "%s %d %.2f %.0f %.0f\n", c, n, cpu, n / cpu, n / d }'
}
echo "# client requests cpu_seconds requests_per_cpu_second requests_per_s"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="corio wrk hey"; else order="hey wrk corio"; fi
  for c in $order; do run "$c"; done
done
