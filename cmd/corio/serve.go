package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"time"

	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/upper"
)

// runServe is `corio serve`: the seed's server, which answers everything a
// client sends upper-cased, on several hubs: by default burst by burst (a
// connection holds no task between messages), or with --model tasks as the
// seed does, each connection in a task of its own. SIGINT or SIGTERM stop it gracefully (within --grace); a
// second one stops it at once.
func runServe(stdout, stderr io.Writer, args []string) error {
	ctx, _, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	return serve(ctx, stdout, stderr, args, nil)
}

// verboseRoom is how many --verbose lines may wait for a slow stdout
// before more are dropped (and counted).
const verboseRoom = 4096

// serve runs the server until ctx ends, then shuts it down. ready, if not
// nil, gets the address once the server listens.
func serve(ctx context.Context, stdout, stderr io.Writer, args []string, ready func(addr string)) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio serve [flags]", `
The seed's socket server: it answers whatever a client sends, upper-cased,
for many clients at once on one hub per core (--hubs). By default a
connection holds no task while it waits (--model bursts); --model tasks
gives each its own task for its life, as the seed's gevent server does.
SIGINT or SIGTERM stop it gracefully within --grace; a second one at once.
'corio load' is its load generator.`)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	hubs := fs.Int("hubs", runtime.GOMAXPROCS(0), "number of hubs (goroutines) serving connections")
	maxConns := fs.Int("max-conns", 0, "connections served at once, at most (0: no bound)")
	grace := fs.Duration("grace", 5*time.Second, "how long a shutdown waits for connections before closing them")
	verbose := fs.Bool("verbose", false, "print every message received, as the seed's server does (never waiting for stdout: lines it cannot take are dropped and counted)")
	idle := fs.Duration("idle-timeout", 2*time.Minute, "close a connection that sends nothing for this long (0: never)")
	model := fs.String("model", "bursts", "how connections are served: `bursts` (a task per message, none while idle: the least memory and CPU, see BENCHMARKS.md) or tasks (a task per connection for its life, as the seed's gevent server)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := checkHubs("serve", *hubs); err != nil {
		return err
	}
	switch {
	case *idle < 0:
		return fmt.Errorf("%w: serve: --idle-timeout must not be negative, got %v", errUsage, *idle)
	case *maxConns < 0:
		return fmt.Errorf("%w: serve: --max-conns must not be negative, got %d", errUsage, *maxConns)
	case *grace < 0:
		return fmt.Errorf("%w: serve: --grace must not be negative, got %v", errUsage, *grace)
	}
	if *model != "bursts" && *model != "tasks" {
		return fmt.Errorf("%w: serve: --model must be bursts or tasks, got %q", errUsage, *model)
	}
	if err := checkAddr("serve", *addr); err != nil {
		return err
	}
	var messages *lineLog
	if *verbose {
		messages = newLineLog(stdout, verboseRoom)
	}
	srv := &cnet.StreamServer{Addr: *addr, Hubs: *hubs, MaxConns: *maxConns, IdleTimeout: *idle}
	var seen func(c net.Conn, msg []byte)
	if messages != nil {
		seen = func(c net.Conn, msg []byte) { messages.print(fmt.Sprintf("client %v msg: %s\n", c.RemoteAddr(), msg)) }
	}
	if *model == "bursts" {
		handler := upper.Bursts{Seen: seen} // no state: one value for every connection
		srv.Bursts = func(*cnet.Conn) cnet.BurstHandler { return handler }
	} else {
		srv.Handler = func(ctx context.Context, c net.Conn) {
			var seenHere func([]byte)
			if seen != nil {
				seenHere = func(msg []byte) { seen(c, msg) }
			}
			upper.Serve(c, seenHere)
		}
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(stderr, "corio serve: listening on %v with %d hubs, serving %s\n", srv.ListenAddr(), *hubs, *model)
	if ready != nil {
		ready(srv.ListenAddr().String())
	}
	stopWhenDone(ctx, stderr, *grace, srv.Shutdown, messages, stopWords{
		name: "corio serve", inFlight: "connections", cut: "connections still open after %v were closed", lines: "messages",
	})
	return nil
}
