# Shared by the scripts in bench/ (sourced from bench/): builds the three
# servers, and the extra commands named, into a temporary directory $bin
# that is removed, with any job still running, when the script exits.
#
# build_servers [CMD...]   builds corio, netserver, gnetserver and ./cmd/CMD
# server_cmd NAME PORT     the command line of server NAME on 127.0.0.1:PORT
#                          (corio: bursts; corio-tasks: a task per connection;
#                          corio-noidle: bursts without the default 2-minute idle
#                          timeout, which the other servers do not have either)

build_servers() {
  bin=$(mktemp -d)
  trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$bin"' EXIT
  (cd .. && go build -o "$bin/corio" ./cmd/corio)
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
