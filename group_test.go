package corio_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// sleepy returns fn(v) = v*10 after v seconds, failing for v == fail.
func sleepy(fail int) func(ctx context.Context, v int) (int, error) {
	return func(ctx context.Context, v int) (int, error) {
		if err := corio.Sleep(ctx, time.Duration(v)*time.Second); err != nil {
			return 0, err
		}
		if v == fail {
			return 0, fmt.Errorf("item %d: %w", v, errBoom)
		}
		return v * 10, nil
	}
}

func TestPoolBoundsConcurrency(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		p := corio.NewPool(2)
		running, most := 0, 0
		for i := range 5 {
			_, err := p.Spawn(ctx, func(ctx context.Context) error {
				running++
				most = max(most, running)
				defer func() { running-- }()
				return corio.Sleep(ctx, time.Second)
			})
			if err != nil {
				return err
			}
			r.add("spawned %d at %v, free %d", i, elapsed(ctx, t0), p.Free())
		}
		if err := p.Join(ctx); err != nil {
			return err
		}
		r.add("joined at %v, most running %d, len %d", elapsed(ctx, t0), most, p.Len())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "spawned 0 at 0s, free 1", "spawned 1 at 0s, free 0", "spawned 2 at 1s, free 1",
		"spawned 3 at 1s, free 0", "spawned 4 at 2s, free 1", "joined at 3s, most running 2, len 0")
}

func TestGroupJoinKillAndErrors(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		g := corio.NewGroup()
		if g.Size() != 0 || g.WaitAvailable(ctx) != nil {
			t.Error("an unbounded group has a bound")
		}
		g.Spawn(ctx, func(ctx context.Context) error { return errBoom })
		g.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Second) })
		if err := g.Join(ctx); !errors.Is(err, errBoom) {
			t.Errorf("Join = %v", err)
		}
		if err := g.Join(ctx); err != nil {
			t.Errorf("second Join = %v (errors are reported once)", err)
		}
		var killed []*corio.Task[struct{}]
		for range 3 {
			k, _ := g.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) })
			killed = append(killed, k)
		}
		outside := corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) })
		g.Add(ctx, outside)
		corio.Sleep(ctx, 0)
		if err := g.KillWait(ctx); err != nil {
			t.Errorf("KillWait = %v", err)
		}
		for _, k := range killed {
			if !errors.Is(k.Err(), context.Canceled) {
				t.Errorf("killed task: %v", k.Err())
			}
		}
		if !errors.Is(outside.Err(), context.Canceled) || g.Len() != 0 {
			t.Errorf("added task: %v; len %d", outside.Err(), g.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTaskInTwoGroups: a task may be in several groups; each counts it,
// and each sees it leave when it ends.
func TestTaskInTwoGroups(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		a, b := corio.NewGroup(), corio.NewPool(2)
		shared, _ := a.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Second) })
		own, _ := b.Spawn(ctx, func(ctx context.Context) error { return errBoom })
		if err := b.Add(ctx, shared); err != nil {
			return err
		}
		b.Add(ctx, shared) // already in: nothing happens
		if a.Len() != 1 || b.Len() != 2 || b.Free() != 0 {
			t.Errorf("lengths %d, %d; free %d", a.Len(), b.Len(), b.Free())
		}
		if err := b.Join(ctx); !errors.Is(err, errBoom) {
			t.Errorf("b.Join = %v", err)
		}
		if a.Len() != 0 || b.Len() != 0 || b.Free() != 2 {
			t.Errorf("after the end: lengths %d, %d; free %d", a.Len(), b.Len(), b.Free())
		}
		if err := a.Join(ctx); err != nil || shared.Err() != nil || !errors.Is(own.Err(), errBoom) {
			t.Errorf("a.Join = %v; tasks %v, %v", err, shared.Err(), own.Err())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMap(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		p := corio.NewPool(3)
		out, err := corio.Map(ctx, p, []int{3, 1, 2, 1}, sleepy(-1))
		if err != nil || !slices.Equal(out, []int{30, 10, 20, 10}) {
			t.Errorf("Map = %v, %v", out, err)
		}
		// 3, 1 and 2 start at 0s; the second 1 at 1s: all done at 3s.
		if d := elapsed(ctx, t0); d != 3*time.Second {
			t.Errorf("Map took %v", d)
		}
		out, err = corio.Map(ctx, p, []int{1, 2, 4, 3}, sleepy(2))
		if !errors.Is(err, errBoom) || !slices.Equal(out, []int{10}) {
			t.Errorf("failing Map = %v, %v", out, err)
		}
		// The group reports the failure once more; the calls Map killed
		// are not failures.
		if err := p.Join(ctx); err == nil || err.Error() != "item 2: boom" {
			t.Errorf("Join after a failing Map = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestImapOrderedAndUnordered(t *testing.T) {
	in := slices.Values([]int{3, 1, 2})
	for _, tc := range []struct {
		name string
		imap func(ctx context.Context, g *corio.Group) func(func(int, error) bool)
		want []string
	}{
		{"ordered", func(ctx context.Context, g *corio.Group) func(func(int, error) bool) {
			return corio.Imap(ctx, g, in, sleepy(2))
		}, []string{"30 <nil> at 3s", "10 <nil> at 3s", "0 item 2: boom at 3s"}},
		{"unordered", func(ctx context.Context, g *corio.Group) func(func(int, error) bool) {
			return corio.ImapUnordered(ctx, g, in, sleepy(2))
		}, []string{"10 <nil> at 1s", "0 item 2: boom at 2s", "30 <nil> at 3s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			err := run(t, func(ctx context.Context) error {
				t0 := corio.Now(ctx)
				for v, err := range tc.imap(ctx, corio.NewPool(3)) {
					r.add("%d %v at %v", v, err, elapsed(ctx, t0))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			r.check(t, tc.want...)
		})
	}
}

func TestImapStopsEarlyAndKills(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		p := corio.NewPool(4)
		type imapFunc = func(context.Context, *corio.Group, iter.Seq[int], func(context.Context, int) (int, error)) iter.Seq2[int, error]
		for _, imap := range []imapFunc{
			corio.Imap[int, int], corio.ImapUnordered[int, int],
		} {
			for v, err := range imap(ctx, p, slices.Values([]int{1, 5, 6}), sleepy(-1)) {
				if v != 10 || err != nil {
					t.Errorf("first result %d, %v", v, err)
				}
				break
			}
			// The calls still running were killed: the pool empties at once.
			t0 := corio.Now(ctx)
			if err := p.Join(ctx); err != nil || elapsed(ctx, t0) != 0 {
				t.Errorf("Join = %v after %v", err, elapsed(ctx, t0))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestImapContextEnds(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		tctx, cancel := corio.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var got []string
		for v, err := range corio.Imap(tctx, corio.NewGroup(), slices.Values([]int{1, 5}), sleepy(-1)) {
			got = append(got, fmt.Sprint(v, err))
		}
		if !slices.Equal(got, []string{"10 <nil>", "0 context deadline exceeded"}) {
			t.Errorf("got %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestApply(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		p := corio.NewPool(1)
		v, err := corio.Apply(ctx, p, func(ctx context.Context) (string, error) { return "applied", nil })
		if v != "applied" || err != nil {
			t.Errorf("Apply = %q, %v", v, err)
		}
		tctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err = corio.Apply(tctx, p, func(ctx context.Context) (int, error) { return 0, corio.Sleep(ctx, time.Hour) })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Apply past its deadline = %v", err)
		}
		return p.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
}
