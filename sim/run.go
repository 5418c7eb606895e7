package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/corio-go/corio"
)

// A Result is one seeded run: its seed, how it ended, and the hub's
// choices (its trace) and their digest.
type Result struct {
	Seed   uint64
	Err    error
	Steps  int64  // the hub's choices
	Digest uint64 // FNV-1a of every choice: equal for runs that chose the same
	Trace  []corio.TraceEvent
	// Faults are the faults the seed scheduled (Config.Faults), the ones
	// left out (SkipFaults) marked Skipped.
	Faults []Fault
}

// RunSeed runs fn once, as main on a hub seeded with seed, on a new
// network made with the options' Config; fn gets the network to add hosts
// and make faults. The Result keeps the whole trace only with KeepTrace.
func RunSeed(ctx context.Context, seed uint64, fn func(ctx context.Context, n *Network) error, opts ...CheckOption) Result {
	cfg := checkConfigOf(opts)
	return runSeed(ctx, seed, fn, &cfg, cfg.keepTrace)
}

func runSeed(ctx context.Context, seed uint64, fn func(ctx context.Context, n *Network) error, cfg *checkConfig, keep bool) Result {
	netCfg := cfg.network
	netCfg.Seed = seed
	n := NewNetwork(netCfg)
	n.SkipFaults(cfg.skipFaults...)
	r := Result{Seed: seed}
	h := fnv.New64a()
	var buf [8 * 4]byte
	record := func(e corio.TraceEvent) {
		r.Steps++
		binary.LittleEndian.PutUint64(buf[0:], uint64(e.Kind))
		binary.LittleEndian.PutUint64(buf[8:], e.Task)
		binary.LittleEndian.PutUint64(buf[16:], uint64(e.Ready))
		binary.LittleEndian.PutUint64(buf[24:], uint64(e.Time))
		h.Write(buf[:])
		if keep {
			r.Trace = append(r.Trace, e)
		}
	}
	runOpts := append([]corio.Option{
		corio.SeedWith(seed, cfg.strategy), OnNetwork(n), corio.Trace(record),
	}, cfg.runOptions...)
	r.Err = corio.Run(ctx, func(ctx context.Context) error { return fn(ctx, n) }, runOpts...)
	r.Digest = h.Sum64()
	r.Faults = n.ScheduledFaults()
	return r
}

// Divergence compares two runs' traces and describes where they part, or
// returns nil if they are the same.
func Divergence(a, b Result) error {
	if a.Digest == b.Digest && a.Steps == b.Steps {
		return nil
	}
	for i := range min(len(a.Trace), len(b.Trace)) {
		if a.Trace[i] != b.Trace[i] {
			return fmt.Errorf("the runs part at step %d: %v, then %v", a.Trace[i].Step, a.Trace[i], b.Trace[i])
		}
	}
	if k := min(len(a.Trace), len(b.Trace)); len(a.Trace) != len(b.Trace) {
		longer := a.Trace
		if len(b.Trace) > k {
			longer = b.Trace
		}
		return fmt.Errorf("the runs part at step %d: one run ended there (%d choices), the other went on: %v", k+1, k, longer[k])
	}
	if a.Steps != b.Steps {
		return fmt.Errorf("one run made %d choices and the other %d (keep the traces to see where they part)", a.Steps, b.Steps)
	}
	return errors.New("the runs made different choices (digests differ; keep the traces to see where)")
}
