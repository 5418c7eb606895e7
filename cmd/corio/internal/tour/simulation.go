package tour

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/sim"
)

// Simulation shows what no-lock leaves out: tasks of one hub need no lock
// between waits, but a read-change-write that waits in the middle loses
// updates in some orders. A counter served over HTTP (chttp) on package
// sim's network, two clients on their own hosts: in FIFO order it counts
// right; trying seeds finds an order that loses an increment; the seed
// replays it, step for step; a lock across the wait fixes it.
func Simulation(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("simulation", flag.ContinueOnError)
	seeds := fs.Int("seeds", 100, "how many seeds to try")
	if err := parse(fs, out, args); err != nil {
		return err
	}
	if *seeds <= 0 {
		return fmt.Errorf("%w: simulation: -seeds must be positive", ErrUsage)
	}
	ctx := context.Background()
	latency := sim.WithConfig(sim.Config{MinLatency: time.Millisecond, MaxLatency: 10 * time.Millisecond})

	var log strings.Builder
	fifo := sim.NewNetwork(sim.Config{MinLatency: 5 * time.Millisecond, MaxLatency: 5 * time.Millisecond})
	err := corio.Run(ctx, func(ctx context.Context) error { return increments(&log, false)(ctx, fifo) }, sim.OnNetwork(fifo))
	fmt.Fprintf(out, "FIFO order, fixed latency: %s\n", result(err))

	f := sim.Find(ctx, increments(io.Discard, false), latency, sim.Seeds(*seeds))
	if f == nil {
		fmt.Fprintf(out, "%d seeds: no order lost an increment\n", *seeds)
		return nil
	}
	fmt.Fprintf(out, "seed %d (of %d tried): %v\n", f.Seed, f.Tries, f.Err)
	log.Reset()
	again := sim.RunSeed(ctx, f.Seed, increments(&log, false), latency, sim.WithStrategy(f.Strategy))
	fmt.Fprintf(out, "replayed: %v, the same %d choices: %v\n%s", again.Err, again.Steps, again.Digest == f.Digest, log.String())

	fixed := sim.Find(ctx, increments(io.Discard, true), latency, sim.Seeds(*seeds))
	fmt.Fprintf(out, "with a lock across the wait, %d seeds: %s\n", *seeds, result(failureErr(fixed)))
	return nil
}

func failureErr(f *sim.Failure) error {
	if f == nil {
		return nil
	}
	return f.Err
}

func result(err error) string {
	if err != nil {
		return "FAILS: " + err.Error()
	}
	return "count 2, right"
}

// increments runs a counter service on host "counter" and two clients
// that each send it one increment, bob 3 ms after alice; it fails if the
// count is not 2. The handler reads the count, waits 1 ms for its store,
// and writes it back one higher, logging each step to log; with locked, a
// semaphore holds the count across the wait.
func increments(log io.Writer, locked bool) func(ctx context.Context, n *sim.Network) error {
	return func(ctx context.Context, n *sim.Network) error {
		count, lock := 0, corio.NewSemaphore(1)
		host, _ := n.AddHost("counter")
		host.Spawn(ctx, func(ctx context.Context) error {
			srv := &chttp.Server{Addr: ":80", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if locked {
					lock.Acquire(r.Context())
					defer lock.Release()
				}
				who := r.URL.Query().Get("from")
				v := count
				fmt.Fprintf(log, "  %-9s %s read %d\n", corio.Now(r.Context()).Format("05.000s"), who, v)
				corio.Sleep(r.Context(), time.Millisecond) // the store
				count = v + 1
				fmt.Fprintf(log, "  %-9s %s wrote %d\n", corio.Now(r.Context()).Format("05.000s"), who, count)
			})}
			return srv.ServeIn(ctx)
		})
		var clients []*corio.Task[struct{}]
		for i, name := range []string{"alice", "bob"} {
			h, _ := n.AddHost(name)
			c, _ := h.Spawn(ctx, func(ctx context.Context) error {
				corio.Sleep(ctx, time.Duration(i)*3*time.Millisecond) // bob a little later
				req, _ := http.NewRequestWithContext(ctx, "POST", "http://counter/inc?from="+name, nil)
				resp, err := (&http.Client{Transport: &chttp.Transport{}}).Do(req)
				if err != nil {
					return err
				}
				return resp.Body.Close()
			})
			clients = append(clients, c)
		}
		for _, c := range clients {
			if err := c.Join(ctx); err != nil {
				return err
			}
			if err := c.Err(); err != nil {
				return err
			}
		}
		if count != 2 {
			return fmt.Errorf("count %d after two increments", count)
		}
		return nil
	}
}
