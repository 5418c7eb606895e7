package sim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/corio-go/corio"
)

// DefaultSeeds is how many seeds Check tries unless told (CORIO_SEEDS, or
// the Seeds option).
const DefaultSeeds = 200

// A CheckOption configures Check, Find and RunSeed.
type CheckOption func(*checkConfig)

type checkConfig struct {
	seeds       int
	first       uint64
	network     Config
	strategy    corio.Strategy
	setStrategy bool
	runOptions  []corio.Option
	keepTrace   bool
	skipFaults  []int // scheduled faults left out (SkipFaults, CORIO_SKIP_FAULTS)
}

// Seeds sets how many seeds to try (the environment's CORIO_SEEDS, if
// set, wins: a CI job may try more).
func Seeds(n int) CheckOption { return func(c *checkConfig) { c.seeds = n } }

// FirstSeed sets the first seed tried (default 1); the others follow it.
func FirstSeed(seed uint64) CheckOption { return func(c *checkConfig) { c.first = seed } }

// WithConfig sets the network's configuration (its Seed is the run's).
func WithConfig(cfg Config) CheckOption { return func(c *checkConfig) { c.network = cfg } }

// WithStrategy sets how the seeded hub picks tasks (default: PCT of depth
// 3 over the number of steps the first seed's run made).
func WithStrategy(s corio.Strategy) CheckOption {
	return func(c *checkConfig) { c.strategy, c.setStrategy = s, true }
}

// RunOptions adds options to every run (corio.Watchdog, say).
func RunOptions(opts ...corio.Option) CheckOption {
	return func(c *checkConfig) { c.runOptions = append(c.runOptions, opts...) }
}

// SkipFaults leaves out the scheduled faults of these indexes (Fault.Index):
// what Shrink found the failure does not need (the environment's
// CORIO_SKIP_FAULTS, a list such as "0,2,5", does the same for Check).
func SkipFaults(indexes ...int) CheckOption {
	return func(c *checkConfig) { c.skipFaults = append(c.skipFaults, indexes...) }
}

// KeepTrace keeps RunSeed's whole trace in its Result.
func KeepTrace() CheckOption { return func(c *checkConfig) { c.keepTrace = true } }

func checkConfigOf(opts []CheckOption) checkConfig {
	c := checkConfig{seeds: DefaultSeeds, first: 1, strategy: corio.DefaultStrategy}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// A Failure is the first seed under which fn failed.
type Failure struct {
	Result
	Tries    int            // seeds run, the failing one included
	Strategy corio.Strategy // what the failing run used: replay with it
}

// Find runs fn under seeds from the first on, up to the count, and
// returns the first that fails, or nil if none did. Unless a strategy is
// given, PCT spreads its change points over the steps the first seed's
// run made.
func Find(ctx context.Context, fn func(ctx context.Context, n *Network) error, opts ...CheckOption) *Failure {
	cfg := checkConfigOf(opts)
	return find(ctx, fn, &cfg)
}

func find(ctx context.Context, fn func(ctx context.Context, n *Network) error, cfg *checkConfig) *Failure {
	for i := range cfg.seeds {
		r := runSeed(ctx, cfg.first+uint64(i), fn, cfg, false)
		if r.Err != nil {
			return &Failure{Result: r, Tries: i + 1, Strategy: cfg.strategy}
		}
		if i == 0 && !cfg.setStrategy && !cfg.strategy.Random {
			cfg.strategy.Steps = int(max(r.Steps, 1))
		}
	}
	return nil
}

// Check runs fn under many seeds (DefaultSeeds, the Seeds option, or the
// environment's CORIO_SEEDS) and fails t at the first seed under which fn
// returns an error, printing the seed and the command that replays that
// run alone:
//
//	CORIO_SEED=17 go test -run '^TestLease$' ./pkg
//
// With CORIO_SEED set, Check runs that seed only. It runs a failing seed
// twice more and, if the two runs made different choices (the program
// reaches outside the simulation: another goroutine, the real clock, a
// map's order), says so and where their traces part.
func Check(t testing.TB, fn func(ctx context.Context, n *Network) error, opts ...CheckOption) {
	t.Helper()
	cfg := checkConfigOf(opts)
	if err := fromEnvironment(&cfg); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	f := find(ctx, fn, &cfg)
	if f == nil {
		return
	}
	cfg.strategy = f.Strategy
	a := runSeed(ctx, f.Seed, fn, &cfg, true)
	b := runSeed(ctx, f.Seed, fn, &cfg, true)
	var msg strings.Builder
	fmt.Fprintf(&msg, "seed %d failed (seed %d of the %d tried, %d steps): %v\n", f.Seed, f.Tries, cfg.seeds, f.Steps, f.Err)
	steps := ""
	if !cfg.setStrategy && !cfg.strategy.Random {
		steps = fmt.Sprintf("CORIO_SEED_STEPS=%d ", cfg.strategy.Steps)
	}
	replay := fmt.Sprintf("CORIO_SEED=%d %s", f.Seed, steps)
	fmt.Fprintf(&msg, "replay: %sgo test -run '%s' %s", replay, runPattern(t.Name()), packageDir())
	if err := Divergence(a, b); err != nil {
		fmt.Fprintf(&msg, "\nthe seed does not replay: %v", err)
	} else if (a.Err == nil) != (f.Err == nil) {
		fmt.Fprintf(&msg, "\nthe seed does not replay: the second run ended with %v", a.Err)
	} else if len(f.Faults) > 0 {
		small, skipped := shrink(ctx, fn, f, cfg)
		fmt.Fprintf(&msg, "\nthe failure needs %s", needed(small.Faults))
		if len(skipped) > len(cfg.skipFaults) {
			fmt.Fprintf(&msg, "\nit fails without the others (%v): CORIO_SKIP_FAULTS=%s %sgo test -run '%s' %s",
				small.Err, skipList(skipped), replay, runPattern(t.Name()), packageDir())
		}
	}
	t.Fatal(msg.String())
}

// fromEnvironment applies CORIO_SEED, CORIO_SEEDS and CORIO_SKIP_FAULTS.
func fromEnvironment(cfg *checkConfig) error {
	if s := os.Getenv("CORIO_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("sim: CORIO_SEEDS=%q: want a count of seeds, 1 or more", s)
		}
		cfg.seeds = n
	}
	if s := os.Getenv("CORIO_SKIP_FAULTS"); s != "" {
		skip, err := parseSkipList(s)
		if err != nil {
			return err
		}
		cfg.skipFaults = append(cfg.skipFaults, skip...)
	}
	s := os.Getenv("CORIO_SEED")
	if s == "" {
		return nil
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("sim: CORIO_SEED=%q: want a seed, a number from 0", s)
	}
	// The PCT steps the failing run used, which Check measured on the
	// first seed of its search and prints beside the seed.
	steps := os.Getenv("CORIO_SEED_STEPS")
	if steps != "" && !cfg.setStrategy {
		n, err := strconv.Atoi(steps)
		if err != nil || n < 1 {
			return fmt.Errorf("sim: CORIO_SEED_STEPS=%q: want a number of steps, 1 or more", steps)
		}
		cfg.strategy.Steps, cfg.setStrategy = n, true
	}
	cfg.first, cfg.seeds = seed, 1
	return nil
}

// runPattern is the -run pattern that selects exactly the test named.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// packageDir is the test's package as go test takes it: its directory
// from the module's root ("./sim"), found by walking up to go.mod.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}
