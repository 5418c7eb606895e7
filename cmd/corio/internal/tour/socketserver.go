package tour

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/corio-go/corio/cmd/corio/internal/loadgen"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/upper"
)

// SocketServer is the seed's second application: a server that answers
// each client upper-cased, a task per connection, and a client program
// with 500 connections at once, all cooperative. It prints a few replies
// and the load's figures.
func SocketServer(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("socket-server", flag.ContinueOnError)
	conns := fs.Int("c", 500, "client connections")
	dur := fs.Duration("d", 2*time.Second, "how long the clients talk")
	if err := parse(fs, out, args); err != nil {
		return err
	}
	if *conns < 1 || *dur <= 0 {
		return fmt.Errorf("%w: socket-server: -c and -d must be positive", ErrUsage)
	}
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 1, Handler: func(ctx context.Context, c net.Conn) { upper.Serve(c, nil) }}
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(out, "server: one hub, a task per connection, on %v\n", srv.ListenAddr())
	fmt.Fprintf(out, "clients: %d connections on one hub for %v\n", *conns, *dur)
	var mu sync.Mutex
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: srv.ListenAddr().String(), Conns: *conns, Duration: *dur, Hubs: 1,
		Sample: func(i int, msg, reply string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(out, "  %s -> %s\n", msg, reply)
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d connections, %d messages in %.1fs: %.0f msgs/s, latency p50 %v, p99 %v\n",
		r.Conns, r.Msgs, r.Elapsed.Seconds(), r.MsgsPerSecond(),
		r.Latency.Quantile(0.5).Round(time.Microsecond), r.Latency.Quantile(0.99).Round(time.Microsecond))
	fmt.Fprintf(out, "errors %d, mismatches %d\n", r.Errors, r.Mismatches)
	if r.Errors > 0 || r.Mismatches > 0 {
		return fmt.Errorf("tour: socket-server: %d errors, %d mismatches (first: %v)", r.Errors, r.Mismatches, r.FirstError)
	}
	return nil
}
