package sim_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/sim"
)

// workload is the determinism workload: a chttp.Server on host "server",
// 100 clients on hosts "east" and "west" sending a request every 2 s
// over a network of 1-20 ms latency for 10 minutes, a partition of west
// from the server from minute 5 to 6, and the server crashed at minute 3
// and restarted at minute 4. It returns the number of answers.
func workload(ctx context.Context, n *sim.Network, answered *int) error {
	server, _ := n.AddHost("server")
	east, _ := n.AddHost("east")
	west, _ := n.AddHost("west")
	serve := func(ctx context.Context) error {
		srv := &chttp.Server{Addr: ":80", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			corio.Sleep(r.Context(), time.Millisecond) // the work
			fmt.Fprintf(w, "hello %s", r.URL.Path)
		})}
		return srv.ServeIn(ctx)
	}
	if err := server.SetMain(ctx, serve); err != nil {
		return err
	}
	const minute = time.Minute
	corio.AfterFunc(ctx, 3*minute, server.Crash)
	corio.AfterFunc(ctx, 4*minute, func() { server.Restart() })
	corio.AfterFunc(ctx, 5*minute, func() { n.Partition(west, server) })
	corio.AfterFunc(ctx, 6*minute, func() { n.Heal(west, server) })
	end := corio.Now(ctx).Add(10 * minute)
	var clients []corio.Joinable
	for i := range 100 {
		host := east
		if i%2 == 1 {
			host = west
		}
		c, err := host.Spawn(ctx, func(ctx context.Context) error {
			client := &http.Client{Transport: &chttp.Transport{}}
			for corio.Now(ctx).Before(end) {
				rctx, cancel := corio.WithTimeout(ctx, time.Second)
				req, _ := http.NewRequestWithContext(rctx, "GET", "http://server/"+strconv.Itoa(i), nil)
				if resp, err := client.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					*answered++
				}
				cancel()
				if err := corio.Sleep(ctx, 2*time.Second); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		clients = append(clients, c)
	}
	return corio.JoinAll(ctx, clients...)
}

var workloadNetwork = sim.Config{MinLatency: time.Millisecond, MaxLatency: 20 * time.Millisecond}

// TestWorkloadIsDeterministic: the same seed gives the same trace (and the
// same answers) run after run; other seeds give other traces. Runs:
// CORIO_WORKLOAD_RUNS (default 3).
func TestWorkloadIsDeterministic(t *testing.T) {
	runs := 3
	if s := os.Getenv("CORIO_WORKLOAD_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	type outcome struct {
		digest   uint64
		steps    int64
		answered int
	}
	run := func(seed uint64) outcome {
		var answered int
		start := time.Now()
		r := sim.RunSeed(t.Context(), seed, func(ctx context.Context, n *sim.Network) error {
			return workload(ctx, n, &answered)
		}, sim.WithConfig(workloadNetwork))
		if r.Err != nil {
			t.Fatalf("seed %d: %v", seed, r.Err)
		}
		t.Logf("seed %d: %d steps, %d answers, 10 min of virtual time in %v", seed, r.Steps, answered, time.Since(start))
		return outcome{r.Digest, r.Steps, answered}
	}
	first := run(1)
	if first.answered == 0 || first.answered >= 100*300 {
		t.Errorf("%d answers: want some, and fewer than all 30,000 (the crash and the partition cost some)", first.answered)
	}
	for range runs - 1 {
		if again := run(1); again != first {
			t.Fatalf("seed 1 again: %+v, first %+v", again, first)
		}
	}
	if other := run(2); other.digest == first.digest {
		t.Errorf("seeds 1 and 2 gave the same trace")
	}
}
