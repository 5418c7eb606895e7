package sim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/sim"
)

// fatalTB records what Check would fail the test with, instead of failing
// it.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Fatal(args ...any) { f.fatal += fmt.Sprint(args...) }

func TestCheckPrintsTheReplay(t *testing.T) {
	t.Setenv("CORIO_SEEDS", "")
	t.Setenv("CORIO_SEED", "")
	rec := &fatalTB{TB: t}
	sim.Check(rec, spawnOrder)
	want := []string{
		"seed 1 failed (seed 1 of the 200 tried, ",
		"used the configuration before it was loaded",
		"replay: CORIO_SEED=1 CORIO_SEED_STEPS=1000 go test -run '^TestCheckPrintsTheReplay$' ./sim",
	}
	for _, w := range want {
		if !strings.Contains(rec.fatal, w) {
			t.Errorf("Check said %q; want it to say %q", rec.fatal, w)
		}
	}
	if strings.Contains(rec.fatal, "does not replay") {
		t.Errorf("a deterministic program reported as not replaying: %q", rec.fatal)
	}
}

func TestCheckRunsTheSeedOfTheEnvironment(t *testing.T) {
	var seeds []int64
	fn := func(ctx context.Context, n *sim.Network) error {
		seeds = append(seeds, 0)
		return nil
	}
	t.Setenv("CORIO_SEED", "17")
	sim.Check(t, fn)
	if len(seeds) != 1 {
		t.Errorf("CORIO_SEED=17: %d runs, want 1", len(seeds))
	}
	seeds = nil
	t.Setenv("CORIO_SEED", "")
	t.Setenv("CORIO_SEEDS", "7")
	sim.Check(t, fn)
	if len(seeds) != 7 {
		t.Errorf("CORIO_SEEDS=7: %d runs, want 7", len(seeds))
	}
	for _, bad := range []struct{ name, value string }{{"CORIO_SEEDS", "x"}, {"CORIO_SEEDS", "0"}, {"CORIO_SEED", "-1"}} {
		t.Setenv("CORIO_SEEDS", "")
		t.Setenv("CORIO_SEED", "")
		t.Setenv(bad.name, bad.value)
		rec := &fatalTB{TB: t}
		sim.Check(rec, fn)
		if !strings.Contains(rec.fatal, bad.name+"=") {
			t.Errorf("%s=%s: Check said %q, want an error naming it", bad.name, bad.value, rec.fatal)
		}
	}
}

// A program that reaches outside the simulation (here, state kept across
// runs) does not replay, and Check says where the runs part.
func TestCheckSaysWhenASeedDoesNotReplay(t *testing.T) {
	t.Setenv("CORIO_SEEDS", "")
	t.Setenv("CORIO_SEED", "")
	runs := 0
	fn := func(ctx context.Context, n *sim.Network) error {
		runs++
		if runs%2 == 0 { // every other run spawns one more task
			corio.Spawn(ctx, func(ctx context.Context) error { return nil }).Join(ctx)
		}
		if runs >= 3 {
			return errors.New("failed")
		}
		return nil
	}
	rec := &fatalTB{TB: t}
	sim.Check(rec, fn)
	if !strings.Contains(rec.fatal, "the seed does not replay: the runs part at step") {
		t.Errorf("Check said %q; want where the runs part", rec.fatal)
	}
}
