#!/usr/bin/env bash
# corio against gevent, greenlet and CPython generators on the same work
# (bench/python/gevent_bench.py mirrors corio's benchmarks): spawning and
# joining tasks, a switch, a handoff through events, a greenlet switch, a
# generator send. Both run on CPU 0, one thread each (GOMAXPROCS=1), in
# turns (corio, gevent, corio, ...), ROUNDS times; benchstat then gives
# corio's medians against gevent's. Needs python3-gevent (installed if
# missing, on Debian).
#
# Usage: bench/gevent.sh [ROUNDS]   (default 6)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6}
if ! python3 -c 'import gevent' 2>/dev/null && ! /usr/bin/python3 -c 'import gevent' 2>/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-gevent >/dev/null
fi
py=python3
python3 -c 'import gevent' 2>/dev/null || py=/usr/bin/python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/corio.test" . >/dev/null
go test -c -o "$out/greenlet.test" ./greenlet >/dev/null
go test -c -o "$out/gen.test" ./gen >/dev/null
for _ in $(seq "$rounds"); do
  GOMAXPROCS=1 taskset -c 0 "$out/corio.test" -test.run '^$' -test.bench '^Benchmark(SpawnJoin|Sleep0|EventHandoff)$' | grep '^Benchmark' >> "$out/corio.txt"
  GOMAXPROCS=1 taskset -c 0 "$out/greenlet.test" -test.run '^$' -test.bench '^BenchmarkGreenletSwitch$' | grep '^Benchmark' >> "$out/corio.txt"
  GOMAXPROCS=1 taskset -c 0 "$out/gen.test" -test.run '^$' -test.bench '^BenchmarkGeneratorSend$' | grep '^Benchmark' >> "$out/corio.txt"
  taskset -c 0 "$py" bench/python/gevent_bench.py >> "$out/gevent.txt"
done
cat "$out/gevent.txt" "$out/corio.txt"
if command -v benchstat >/dev/null || [ -x "$(go env GOPATH)/bin/benchstat" ]; then
  bs=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
  (cd "$out" && "$bs" gevent.txt corio.txt)
fi
