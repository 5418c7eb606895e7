package sim_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/sim"
)

// faultyNetwork has the seed schedule a fault every 100 ms or so, each
// 20 to 60 ms long, for the first second.
var faultyNetwork = sim.Config{
	MinLatency: time.Millisecond, MaxLatency: 5 * time.Millisecond,
	Faults: sim.Faults{Every: 100 * time.Millisecond, MinLength: 20 * time.Millisecond, MaxLength: 60 * time.Millisecond, Until: time.Second},
}

// hostsWatched runs three hosts besides "main" (db and web with a main
// function, cache without) for 2 s, and records when each of them was
// seen down, sampling every millisecond.
func hostsWatched(down map[string][]time.Duration) func(ctx context.Context, n *sim.Network) error {
	return func(ctx context.Context, n *sim.Network) error {
		start := corio.Now(ctx)
		var hosts []*sim.Host
		for _, name := range []string{"db", "web", "cache"} {
			h, err := n.AddHost(name)
			if err != nil {
				return err
			}
			hosts = append(hosts, h)
		}
		idle := func(ctx context.Context) error { corio.Sleep(ctx, time.Hour); return nil } // until killed
		// The network's first use: the faults start.
		if err := hosts[0].SetMain(ctx, idle); err != nil {
			return err
		}
		if err := hosts[1].SetMain(ctx, idle); err != nil {
			return err
		}
		for corio.Now(ctx).Sub(start) < 2*time.Second {
			for _, h := range hosts {
				if !h.Up() {
					down[h.Name()] = append(down[h.Name()], corio.Now(ctx).Sub(start))
				}
			}
			corio.Sleep(ctx, time.Millisecond)
		}
		return nil
	}
}

// The seed schedules faults of every kind, on the hosts that can take
// them, the same for the same seed; a crash keeps its host down for the
// fault's length, to the millisecond.
func TestScheduledFaults(t *testing.T) {
	run := func(seed uint64) (sim.Result, map[string][]time.Duration) {
		down := map[string][]time.Duration{}
		r := sim.RunSeed(t.Context(), seed, hostsWatched(down), sim.WithConfig(faultyNetwork))
		if r.Err != nil {
			t.Fatalf("seed %d: %v", seed, r.Err)
		}
		return r, down
	}
	r, down := run(1)
	if len(r.Faults) < 5 {
		t.Fatalf("seed 1 scheduled %d faults in 1 s, want about 10: %v", len(r.Faults), r.Faults)
	}
	kinds := map[sim.FaultKind]int{}
	var wantDown []string
	for _, f := range r.Faults {
		kinds[f.Kind]++
		switch {
		case f.At > time.Second || f.For < 20*time.Millisecond || f.For > 60*time.Millisecond:
			t.Errorf("%v: outside the configured window", f)
		case f.Kind == sim.CrashFault && (len(f.Hosts) != 1 || f.Hosts[0] == "cache" || f.Hosts[0] == "main"):
			t.Errorf("%v: a crash of a host without a main function", f)
		case f.Kind != sim.CrashFault && (len(f.Hosts) != 2 || f.Hosts[0] == f.Hosts[1]):
			t.Errorf("%v: a link fault not between two hosts", f)
		}
		if f.Kind == sim.CrashFault {
			wantDown = append(wantDown, fmt.Sprintf("%s %v–%v", f.Hosts[0], nextMs(f.At), nextMs(f.At+f.For)))
		}
	}
	if kinds[sim.PartitionFault] == 0 || kinds[sim.HoldFault] == 0 || kinds[sim.CrashFault] == 0 {
		t.Errorf("kinds drawn %v, want each", kinds)
	}
	if got := downIntervals(down); !slices.Equal(got, wantDown) {
		t.Errorf("hosts seen down %q; the crashes scheduled %q", got, wantDown)
	}
	if again, _ := run(1); fmt.Sprint(again.Faults) != fmt.Sprint(r.Faults) {
		t.Errorf("seed 1 scheduled other faults the second time:\n%v\n%v", r.Faults, again.Faults)
	}
	if other, _ := run(2); fmt.Sprint(other.Faults) == fmt.Sprint(r.Faults) {
		t.Errorf("seeds 1 and 2 scheduled the same faults")
	}
}

// nextMs is the first whole millisecond at or after d: when a sampler
// that looks every millisecond sees what happened at d.
func nextMs(d time.Duration) time.Duration {
	if d%time.Millisecond == 0 {
		return d
	}
	return d.Truncate(time.Millisecond) + time.Millisecond
}

// downIntervals turns each host's samples (ms apart) into "host from–to"
// intervals, to is the first sample up again.
func downIntervals(down map[string][]time.Duration) []string {
	type span struct {
		host     string
		from, to time.Duration
	}
	var spans []span
	for host, ts := range down {
		for i, t := range ts {
			if i == 0 || t-ts[i-1] > time.Millisecond {
				spans = append(spans, span{host, t, t})
			}
			spans[len(spans)-1].to = t + time.Millisecond
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.from - b.from) })
	var out []string
	for _, s := range spans {
		out = append(out, fmt.Sprintf("%s %v–%v", s.host, s.from, s.to))
	}
	return out
}

// forgetfulStore: "db" keeps what it is told in memory, which a crash
// loses; the client stores a value, waits a second, and reads it back.
// Partitions and holds only delay it (the client tries again until it
// gets an answer); only a crash of db between the two makes it fail.
func forgetfulStore(ctx context.Context, n *sim.Network) error {
	db, err := n.AddHost("db")
	if err != nil {
		return err
	}
	if _, err := n.AddHost("cache"); err != nil { // a host for the link faults to take
		return err
	}
	err = db.SetMain(ctx, func(ctx context.Context) error {
		data := map[string]string{} // in memory: a crash loses it
		return serveLines(ctx, 6380, func(line string) string {
			if k, v, ok := strings.Cut(line, "="); ok {
				data[k] = v
				return "stored"
			}
			return "value " + data[line]
		})
	})
	if err != nil {
		return err
	}
	ask := func(line string) (string, error) {
		for {
			answer, err := call(ctx, "db:6380", line, 200*time.Millisecond)
			if err == nil {
				return answer, nil
			}
			if ctx.Err() != nil {
				return "", err
			}
			corio.Sleep(ctx, 10*time.Millisecond)
		}
	}
	if _, err := ask("x=1"); err != nil {
		return err
	}
	corio.Sleep(ctx, 1500*time.Millisecond) // past every fault
	v, err := ask("x")
	if err != nil {
		return err
	}
	if v != "value 1" {
		return fmt.Errorf("stored x=1, read back %q", v)
	}
	return nil
}

// Shrink leaves out the scheduled faults the failure does not need: of a
// run's partitions, holds and crashes, only db's crash is left, the run
// without the others still fails, and without that one too it passes.
func TestShrinkKeepsTheFaultsNeeded(t *testing.T) {
	f := sim.Find(t.Context(), forgetfulStore, sim.Seeds(200), sim.WithConfig(faultyNetwork))
	if f == nil {
		t.Fatal("no seed in 200 crashed db between the write and the read")
	}
	small, skipped := sim.Shrink(t.Context(), forgetfulStore, f, sim.WithConfig(faultyNetwork))
	var kept []sim.Fault
	for _, fault := range small.Faults {
		if !fault.Skipped {
			kept = append(kept, fault)
		}
	}
	if len(kept) != 1 || kept[0].Kind != sim.CrashFault || kept[0].Hosts[0] != "db" {
		t.Fatalf("seed %d had %d faults; kept %v, want db's crash alone", f.Seed, len(f.Faults), kept)
	}
	if len(skipped) != len(f.Faults)-1 {
		t.Errorf("left out %v of %d faults, want all but one", skipped, len(f.Faults))
	}
	replay := sim.RunSeed(t.Context(), f.Seed, forgetfulStore, sim.WithConfig(faultyNetwork), sim.WithStrategy(f.Strategy), sim.SkipFaults(skipped...))
	if replay.Err == nil || replay.Digest != small.Digest {
		t.Errorf("the shrunk run replayed with %v (digest %x), want %v (digest %x)", replay.Err, replay.Digest, small.Err, small.Digest)
	}
	none := sim.RunSeed(t.Context(), f.Seed, forgetfulStore, sim.WithConfig(faultyNetwork), sim.WithStrategy(f.Strategy), sim.SkipFaults(append(skipped, kept[0].Index)...))
	if none.Err != nil {
		t.Errorf("without the crash too, the run failed: %v", none.Err)
	}
}

// Check says which faults the failure needs and how to replay it without
// the others; CORIO_SKIP_FAULTS replays that.
func TestCheckPrintsTheFaultsNeeded(t *testing.T) {
	t.Setenv("CORIO_SEEDS", "")
	t.Setenv("CORIO_SEED", "")
	t.Setenv("CORIO_SKIP_FAULTS", "")
	rec := &fatalTB{TB: t}
	sim.Check(rec, forgetfulStore, sim.WithConfig(faultyNetwork))
	for _, w := range []string{"the failure needs 1 of the ", ": crash db for ", "it fails without the others (stored x=1, read back \"value\"): CORIO_SKIP_FAULTS="} {
		if !strings.Contains(rec.fatal, w) {
			t.Fatalf("Check said %q; want it to say %q", rec.fatal, w)
		}
	}
	line := rec.fatal[strings.Index(rec.fatal, "CORIO_SKIP_FAULTS="):]
	skip, seed, _ := strings.Cut(strings.TrimPrefix(line, "CORIO_SKIP_FAULTS="), " CORIO_SEED=")
	seed, _, _ = strings.Cut(seed, " ")
	t.Setenv("CORIO_SKIP_FAULTS", skip)
	t.Setenv("CORIO_SEED", seed)
	again := &fatalTB{TB: t}
	sim.Check(again, forgetfulStore, sim.WithConfig(faultyNetwork))
	if !strings.Contains(again.fatal, "the failure needs 1 of the ") || strings.Contains(again.fatal, "it fails without the others") {
		t.Errorf("the replay without the other faults said %q", again.fatal)
	}
	t.Setenv("CORIO_SKIP_FAULTS", "1,x")
	bad := &fatalTB{TB: t}
	sim.Check(bad, forgetfulStore, sim.WithConfig(faultyNetwork))
	if !strings.Contains(bad.fatal, `CORIO_SKIP_FAULTS="1,x"`) {
		t.Errorf("a bad CORIO_SKIP_FAULTS: Check said %q", bad.fatal)
	}
}

// A Faults that cannot be meant is refused at the network's first use.
func TestFaultsRefused(t *testing.T) {
	cfg := sim.Config{Faults: sim.Faults{Every: time.Second, Kinds: []sim.FaultKind{7}}}
	r := sim.RunSeed(t.Context(), 1, func(ctx context.Context, n *sim.Network) error {
		_, err := cnet.Listen(ctx, "tcp", ":80")
		return err
	}, sim.WithConfig(cfg))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "no fault kind FaultKind(7)") {
		t.Errorf("a fault kind 7: %v", r.Err)
	}
}
