package corio_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// orderOf runs four tasks that each record themselves twice, around a
// yield, and reports the order and the trace's task IDs.
func orderOf(t *testing.T, opts ...corio.Option) (order []int, trace []uint64) {
	t.Helper()
	opts = append(opts, corio.Trace(func(e corio.TraceEvent) {
		if e.Kind == corio.TraceRun {
			trace = append(trace, e.Task)
		}
	}))
	err := corio.Run(t.Context(), func(ctx context.Context) error {
		var tasks []corio.Joinable
		for i := range 4 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				order = append(order, i)
				if err := corio.Sleep(ctx, 0); err != nil {
					return err
				}
				order = append(order, 10+i)
				return nil
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return order, trace
}

func TestWithoutSeedTheOrderIsFIFO(t *testing.T) {
	order, _ := orderOf(t, corio.VirtualClock())
	if want := []int{0, 1, 2, 3, 10, 11, 12, 13}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

func TestSameSeedSameChoices(t *testing.T) {
	for _, s := range []corio.Strategy{corio.DefaultStrategy, {Random: true}} {
		o1, t1 := orderOf(t, corio.SeedWith(42, s))
		o2, t2 := orderOf(t, corio.SeedWith(42, s))
		if !slices.Equal(o1, o2) || !slices.Equal(t1, t2) {
			t.Errorf("%+v: seed 42 gave %v %v, then %v %v", s, o1, t1, o2, t2)
		}
	}
}

func TestSeedsVaryTheOrder(t *testing.T) {
	seen := map[string]bool{}
	for seed := range uint64(30) {
		o, _ := orderOf(t, corio.Seed(seed))
		seen[string(rune(len(o)))+fmtInts(o)] = true
	}
	if len(seen) < 5 {
		t.Errorf("30 seeds gave %d orders, want at least 5", len(seen))
	}
}

func fmtInts(v []int) string {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return string(b)
}

// Timers due at the same instant fire in set order without a seed, and in
// an order the seed picks with one.
func TestSeedShufflesSimultaneousTimers(t *testing.T) {
	fire := func(opts ...corio.Option) []int {
		var got []int
		err := corio.Run(t.Context(), func(ctx context.Context) error {
			for i := range 5 {
				corio.AfterFunc(ctx, time.Second, func() { got = append(got, i) })
			}
			return corio.Sleep(ctx, 2*time.Second)
		}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := fire(corio.VirtualClock()); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("without a seed: %v", got)
	}
	shuffled := false
	for seed := range uint64(10) {
		a, b := fire(corio.Seed(seed)), fire(corio.Seed(seed))
		if !slices.Equal(a, b) {
			t.Fatalf("seed %d: %v then %v", seed, a, b)
		}
		shuffled = shuffled || !slices.Equal(a, []int{0, 1, 2, 3, 4})
	}
	if !shuffled {
		t.Error("no seed changed the order of simultaneous timers")
	}
}

func TestSeededRunRefusesWhatItCannotReplay(t *testing.T) {
	blocking := corio.Run(t.Context(), func(ctx context.Context) error {
		_, err := corio.Blocking(ctx, func(context.Context) (int, error) { return 1, nil })
		return err
	}, corio.Seed(1))
	if !errors.Is(blocking, corio.ErrNondeterministic) {
		t.Errorf("Blocking under Seed: %v", blocking)
	}
	fd := corio.Run(t.Context(), func(ctx context.Context) error {
		_, err := corio.NewFD(ctx, 0)
		return err
	}, corio.Seed(1))
	if !errors.Is(fd, corio.ErrNondeterministic) {
		t.Errorf("NewFD under Seed: %v", fd)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	deadline := corio.Run(ctx, func(ctx context.Context) error { return nil }, corio.Seed(1))
	if !errors.Is(deadline, corio.ErrNondeterministic) {
		t.Errorf("Run with a real deadline under Seed: %v", deadline)
	}
	wait := corio.Run(t.Context(), func(ctx context.Context) error {
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return corio.Sleep(tctx, time.Minute)
	}, corio.Seed(1))
	if !errors.Is(wait, corio.ErrNondeterministic) {
		t.Errorf("a wait on context.WithTimeout under Seed: %v", wait)
	}
}

func TestSeededClockStartsAtTheEpoch(t *testing.T) {
	var now [2]time.Time
	for i := range now {
		corio.Run(t.Context(), func(ctx context.Context) error {
			now[i] = corio.Now(ctx)
			return nil
		}, corio.Seed(3))
	}
	if !now[0].Equal(now[1]) {
		t.Errorf("Now at the start of two seeded runs: %v, %v", now[0], now[1])
	}
}
