# Shared by the scripts in bench/ (sourced from bench/): builds the three
# servers, and the extra commands named, into a temporary directory $bin
# that is removed, with any job still running, when the script exits.
#
# new_bin                  makes $bin, removed (jobs killed) at exit
# build_corio              new_bin, and corio built into it (CORIO_BIN=path:
#                          that corio instead, an older build for a
#                          before/after run)
# build_servers [CMD...]   build_corio, then netserver, gnetserver and ./cmd/CMD
# cpu_ticks PID            the process's CPU time so far (user + system), in
#                          clock ticks (getconf CLK_TCK a second)
# wrk_load PID URL SECONDS CONNS
#                          wrk on URL (CPU 0) and the server PID's CPU: prints
#                          "requests cpu_seconds us_per_request requests_per_s"
# print_benchstat COLUMN   benchstat of $bin/bench.txt by COLUMN (-col), if
#                          benchstat is installed
# idle_growth PID PORT N [ARGS...]
#                          holds N idle connections to the server PID on
#                          127.0.0.1:PORT ($bin/idleconns ARGS, on CPU 0)
#                          and prints "rss_before_kb rss_after_kb bytes_per_conn"
# server_cmd NAME PORT     the command line of server NAME on 127.0.0.1:PORT
#                          (corio: bursts; corio-tasks: a task per connection;
#                          corio-noidle: bursts without the default 2-minute idle
#                          timeout, which the other servers do not have either)

new_bin() {
  bin=$(mktemp -d)
  trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$bin"' EXIT
}

build_corio() {
  new_bin
  (cd .. && go build -o "$bin/corio" ./cmd/corio)
  [ -z "${CORIO_BIN:-}" ] || cp "$CORIO_BIN" "$bin/corio"
}

build_servers() {
  build_corio
  local cmd
  for cmd in netserver gnetserver "$@"; do
    go build -o "$bin/$cmd" "./cmd/$cmd"
  done
}

server_cmd() {
  case $1 in
    corio) echo "$bin/corio serve --hubs 1 --addr 127.0.0.1:$2" ;;
    corio-tasks) echo "$bin/corio serve --hubs 1 --model tasks --addr 127.0.0.1:$2" ;;
    corio-noidle) echo "$bin/corio serve --hubs 1 --idle-timeout 0 --addr 127.0.0.1:$2" ;;
    net) echo "$bin/netserver --addr 127.0.0.1:$2" ;;
    gnet) echo "$bin/gnetserver --addr 127.0.0.1:$2" ;;
  esac
}

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wrk_load PID URL SECONDS CONNS: wrk (one thread, pinned to CPU 0) on
# URL, and the server PID's CPU meanwhile; prints "requests
# cpu_seconds us_per_request requests_per_s".
wrk_load() {
  local before after out
  before=$(cpu_ticks "$1")
  out=$(taskset -c 0 wrk -t1 -c"$4" -d"$3s" "$2")
  after=$(cpu_ticks "$1")
  echo "$out" | awk -v b="$before" -v a="$after" -v tck="$(getconf CLK_TCK)" '
    /requests in/ {reqs = $1}
    /Requests\/sec/ {rps = $2}
    END {c = (a - b) / tck; printf "%d %.2f %.3f %s\n", reqs, c, c * 1e6 / reqs, rps}'
}

print_benchstat() {
  local benchstat
  benchstat=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
  if [ -x "$benchstat" ]; then
    echo
    "$benchstat" -col "$1" "$bin/bench.txt"
  fi
}

idle_growth() {
  local pid=$1 port=$2 n=$3 before after client
  shift 3
  before=$(rss "$pid")
  mkfifo "$bin/hold"
  taskset -c 0 "$bin/idleconns" --addr "127.0.0.1:$port" -n "$n" "$@" < "$bin/hold" > "$bin/ready" &
  client=$!
  exec 3> "$bin/hold" # the clients hold their connections until this closes
  until grep -q ready "$bin/ready"; do sleep 0.1; done
  sleep 1
  after=$(rss "$pid")
  exec 3>&-
  wait "$client"
  rm "$bin/hold" "$bin/ready"
  echo "$before $after $(( (after - before) * 1024 / n ))"
}
