package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Shrink makes a failure smaller: it leaves out the faults the seed
// scheduled in the failing run (Config.Faults) one at a time, in order,
// and keeps each out if the seed still fails without it (with any
// error). What is left are faults the failure needs: leaving out any one
// of them alone, on top of the others left out, lets the run pass. It
// returns the failure of the smallest run, its Result.Faults marking the
// faults left out, and their indexes, for SkipFaults or
// CORIO_SKIP_FAULTS; a failure with no scheduled fault comes back as it
// was. opts are the options the failing run had. Each fault costs one
// run.
func Shrink(ctx context.Context, fn func(ctx context.Context, n *Network) error, f *Failure, opts ...CheckOption) (*Failure, []int) {
	return shrink(ctx, fn, f, checkConfigOf(opts))
}

func shrink(ctx context.Context, fn func(ctx context.Context, n *Network) error, f *Failure, cfg checkConfig) (*Failure, []int) {
	cfg.strategy, cfg.setStrategy = f.Strategy, true
	skipped := slices.Clone(cfg.skipFaults)
	smallest := f
	for _, fault := range f.Faults {
		if fault.Skipped {
			continue
		}
		cfg.skipFaults = append(slices.Clone(skipped), fault.Index)
		if r := runSeed(ctx, f.Seed, fn, &cfg, false); r.Err != nil {
			skipped = cfg.skipFaults
			smallest = &Failure{Result: r, Tries: f.Tries, Strategy: f.Strategy}
		}
	}
	return smallest, skipped
}

// needed lists a run's scheduled faults that were made, one a line.
func needed(faults []Fault) string {
	var b strings.Builder
	n := 0
	for _, f := range faults {
		if !f.Skipped {
			fmt.Fprintf(&b, "\n  %v", f)
			n++
		}
	}
	return fmt.Sprintf("%d of the %d faults the seed scheduled:%s", n, len(faults), b.String())
}

// skipList is indexes as CORIO_SKIP_FAULTS takes them: "0,2,5".
func skipList(indexes []int) string {
	parts := make([]string, len(indexes))
	for i, x := range indexes {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// parseSkipList reads CORIO_SKIP_FAULTS.
func parseSkipList(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		x, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || x < 0 {
			return nil, fmt.Errorf("sim: CORIO_SKIP_FAULTS=%q: want fault indexes, such as 0,2,5", s)
		}
		out = append(out, x)
	}
	return out, nil
}
