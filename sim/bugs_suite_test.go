package sim_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/sim"
)

// TestBugsPassInFIFOOrder: without a seed, on a network of fixed latency,
// every program of the suite passes: what a plain test run sees.
func TestBugsPassInFIFOOrder(t *testing.T) {
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			n := sim.NewNetwork(fixedNetwork)
			err := corio.Run(t.Context(), func(ctx context.Context) error { return b.run(ctx, n) }, sim.OnNetwork(n))
			if err != nil {
				t.Fatalf("in FIFO order: %v", err)
			}
		})
	}
}

// TestBugsFoundAndReplayed: seeded runs find every bug within 1,000 seeds,
// and the seed found fails the same way, with the same trace, 10 runs in
// 10.
func TestBugsFoundAndReplayed(t *testing.T) {
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			f := sim.Find(t.Context(), b.run, sim.Seeds(1000), sim.WithConfig(bugNetwork))
			if f == nil {
				t.Fatal("not found in 1000 seeds")
			}
			t.Logf("found at seed %d (try %d): %v", f.Seed, f.Tries, f.Err)
			for range 10 {
				r := sim.RunSeed(t.Context(), f.Seed, b.run, sim.WithConfig(bugNetwork), sim.WithStrategy(f.Strategy))
				if r.Err == nil || r.Err.Error() != f.Err.Error() || r.Digest != f.Digest {
					t.Fatalf("replay of seed %d: %v (digest %x), want %v (digest %x)", f.Seed, r.Err, r.Digest, f.Err, f.Digest)
				}
			}
		})
	}
}

// TestBugsFindingPower prints, with CORIO_BUG_TABLE=1, how many seeds
// each strategy needs to find each bug: the mean over 20 searches, each
// from another first seed (BENCHMARKS.md, "Deterministic simulation").
func TestBugsFindingPower(t *testing.T) {
	if os.Getenv("CORIO_BUG_TABLE") == "" {
		t.Skip("set CORIO_BUG_TABLE=1 to measure")
	}
	const searches, limit = 20, 1000
	mean := func(b bug, opts ...sim.CheckOption) string {
		total, missed := 0, 0
		for i := range searches {
			o := append([]sim.CheckOption{sim.Seeds(limit), sim.FirstSeed(uint64(1 + i*limit)), sim.WithConfig(bugNetwork)}, opts...)
			f := sim.Find(t.Context(), b.run, o...)
			if f == nil {
				missed++
				total += limit
				continue
			}
			total += f.Tries
		}
		s := fmt.Sprintf("%.1f", float64(total)/searches)
		if missed > 0 {
			s += fmt.Sprintf(" (%d of %d searches missed)", missed, searches)
		}
		return s
	}
	fmt.Println("| bug | PCT (depth 3) | random choice |")
	fmt.Println("|---|---|---|")
	for _, b := range bugs {
		fmt.Printf("| %s | %s | %s |\n", b.name, mean(b), mean(b, sim.WithStrategy(corio.Strategy{Random: true})))
	}
}
