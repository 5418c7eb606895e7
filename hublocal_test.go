package corio_test

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/corio-go/corio"
)

func TestOnExitRunsAfterTasksInOrder(t *testing.T) {
	var events []string
	var hb *corio.Hub
	err := run(t, func(ctx context.Context) error {
		hb = corio.HubOf(ctx)
		for _, name := range []string{"first", "second"} {
			if err := hb.OnExit(func() { events = append(events, name) }); err != nil {
				return err
			}
		}
		corio.Spawn(ctx, func(ctx context.Context) error {
			err := corio.Sleep(ctx, time.Hour) // killed when main returns
			events = append(events, "task ended: "+err.Error())
			return err
		})
		return corio.Sleep(ctx, time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"task ended: context canceled", "first", "second"}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events = %q, want %q", events, want)
	}
	if err := hb.OnExit(func() { t.Error("called after Run") }); !errors.Is(err, corio.ErrHubClosed) {
		t.Errorf("OnExit after Run = %v, want ErrHubClosed", err)
	}
}

func TestInTask(t *testing.T) {
	if err := corio.InTask(context.Background()); !errors.Is(err, corio.ErrNoTask) {
		t.Errorf("InTask(Background) = %v", err)
	}
	err := run(t, func(ctx context.Context) error {
		if err := corio.InTask(ctx); err != nil {
			t.Errorf("InTask(main's context) = %v", err)
		}
		std, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		if err := corio.InTask(std); err != nil {
			t.Errorf("InTask(std context under main) = %v", err)
		}
		other := corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Second) })
		if err := corio.InTask(other.Context()); !errors.Is(err, corio.ErrNoTask) {
			t.Errorf("InTask(another task's context) = %v", err)
		}
		return other.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A hub context made under a standard one ends with it, and with its own
// cancel, and the waits made with it see both.
func TestWithCancelUnderStandardContext(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		std, stdCancel := context.WithCancel(ctx)
		hctx, cancel := corio.WithCancel(std)
		defer cancel()
		if _, ok := hctx.(interface{ String() string }); !ok || hctx.(interface{ String() string }).String() != "corio.taskContext" {
			t.Errorf("WithCancel under a std context in a task made %T, want a hub context", hctx)
		}
		corio.AfterFunc(ctx, time.Second, stdCancel)
		t0 := corio.Now(ctx)
		if err := corio.Sleep(hctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep = %v, want context.Canceled", err)
		}
		if d := elapsed(ctx, t0); d != time.Second {
			t.Errorf("woke after %v, want 1s", d)
		}
		dl, dlCancel := context.WithTimeout(ctx, time.Minute)
		defer dlCancel()
		tctx, tcancel := corio.WithTimeout(dl, time.Hour)
		defer tcancel()
		if d, _ := tctx.Deadline(); d.Sub(corio.Now(ctx)) > time.Minute {
			t.Errorf("deadline %v away, want the parent's minute", d.Sub(corio.Now(ctx)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A task that cancels a context of its own just before it ends (the
// cancellation reaches the hub after the end) is not kept reachable by
// its parent's context: a crawl of 20,000 pages kept every task.
func TestEndedTaskWithPendingChildCancelIsReleased(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		var weak []weakTask
		for range 100 {
			task := corio.Spawn(ctx, func(ctx context.Context) error {
				// (WithCancel: a WithTimeout's timer stays in the timer
				// queue, removed lazily, until the queue sweeps.)
				cctx, cancel := corio.WithCancel(ctx)
				defer cancel()
				return corio.Sleep(cctx, time.Millisecond)
			})
			weak = append(weak, makeWeak(task))
		}
		if err := corio.Sleep(ctx, time.Second); err != nil {
			return err
		}
		runtime.GC()
		runtime.GC()
		alive := 0
		for _, w := range weak {
			if w.alive() {
				alive++
			}
		}
		if alive != 0 {
			t.Errorf("%d of 100 ended tasks still reachable", alive)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type weakTask struct {
	p weak.Pointer[corio.Task[struct{}]]
}

func makeWeak(t *corio.Task[struct{}]) weakTask { return weakTask{weak.Make(t)} }
func (w weakTask) alive() bool                  { return w.p.Value() != nil }
