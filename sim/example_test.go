package sim_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/sim"
)

// counterService is a chttp server on host "counter" whose POST /inc reads
// the count, writes it back one higher after a store's latency (1 ms),
// and answers the new count. With locked false, two increments at once
// can both read the same count: one is lost.
func counterService(ctx context.Context, n *sim.Network, locked bool) (*int, error) {
	count := new(int)
	lock := corio.NewSemaphore(1)
	host, err := n.AddHost("counter")
	if err != nil {
		return nil, err
	}
	_, err = host.Spawn(ctx, func(ctx context.Context) error {
		srv := &chttp.Server{Addr: ":80", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if locked {
				lock.Acquire(r.Context())
				defer lock.Release()
			}
			v := *count
			corio.Sleep(r.Context(), time.Millisecond) // the store
			*count = v + 1
			fmt.Fprint(w, *count)
		})}
		return srv.ServeIn(ctx)
	})
	return count, err
}

// twoIncrements has two clients on their own hosts increment the counter
// once each, and fails if the count is not 2.
func twoIncrements(locked bool) func(ctx context.Context, n *sim.Network) error {
	return func(ctx context.Context, n *sim.Network) error {
		count, err := counterService(ctx, n, locked)
		if err != nil {
			return err
		}
		var clients []corio.Joinable
		for i := range 2 {
			host, _ := n.AddHost("client" + strconv.Itoa(i))
			c, err := host.Spawn(ctx, func(ctx context.Context) error {
				client := &http.Client{Transport: &chttp.Transport{}}
				req, _ := http.NewRequestWithContext(ctx, "POST", "http://counter/inc", nil)
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, resp.Body)
				return resp.Body.Close()
			})
			if err != nil {
				return err
			}
			clients = append(clients, c)
		}
		if err := corio.JoinAll(ctx, clients...); err != nil {
			return err
		}
		if *count != 2 {
			return fmt.Errorf("count %d after two increments", *count)
		}
		return nil
	}
}

// A lost update in an HTTP service, found by trying seeds, replayed from
// its seed, and fixed. In a test, sim.Check does the search and prints the
// replay command.
func Example() {
	ctx := context.Background()
	latency := sim.WithConfig(sim.Config{MinLatency: time.Millisecond, MaxLatency: 10 * time.Millisecond})

	f := sim.Find(ctx, twoIncrements(false), latency)
	fmt.Printf("found at seed %d: %v\n", f.Seed, f.Err)

	again := sim.RunSeed(ctx, f.Seed, twoIncrements(false), latency, sim.WithStrategy(f.Strategy))
	fmt.Println("replayed:", again.Err, "- same choices:", again.Digest == f.Digest)

	fmt.Println("with the lock, 200 seeds:", sim.Find(ctx, twoIncrements(true), latency) == nil)
	// Output:
	// found at seed 2: count 1 after two increments
	// replayed: count 1 after two increments - same choices: true
	// with the lock, 200 seeds: true
}
