package corio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

func TestTimeoutHelper(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		slow := func(ctx context.Context) (string, error) {
			if err := corio.Sleep(ctx, 2*time.Second); err != nil {
				return "", err
			}
			return "slow", nil
		}
		v, err := corio.Timeout(ctx, 3*time.Second, slow)
		if v != "slow" || err != nil {
			t.Errorf("in time: %q, %v", v, err)
		}
		v, err = corio.Timeout(ctx, time.Second, slow)
		if v != "" || !errors.Is(err, corio.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) ||
			err.Error() != "corio: timeout: context deadline exceeded after 1s: context deadline exceeded" {
			t.Errorf("too slow: %q, %v", v, err)
		}
		ignores := func(ctx context.Context) (int, error) {
			for ctx.Err() == nil {
				corio.Sleep(ctx, 100*time.Millisecond)
			}
			return 7, nil // notices, but returns no error
		}
		if v, err := corio.Timeout(ctx, time.Second, ignores); v != 0 || err.Error() != "corio: timeout: context deadline exceeded after 1s" {
			t.Errorf("ignoring the deadline: %d, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAfterFuncAndStop(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		corio.AfterFunc(ctx, 2*time.Second, func() { r.add("two at %v", elapsed(ctx, t0)) })
		corio.AfterFunc(ctx, time.Second, func() { r.add("one at %v", elapsed(ctx, t0)) })
		stopped := corio.AfterFunc(ctx, 1500*time.Millisecond, func() { r.add("stopped timer fired") })
		corio.AfterFunc(ctx, -time.Second, func() { r.add("negative is now") })
		if !stopped.Stop() || stopped.Stop() {
			t.Error("Stop reports")
		}
		return corio.Sleep(ctx, 3*time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "negative is now", "one at 1s", "two at 2s")
}

func TestWithCancelAndDeadline(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		cctx, cancel := corio.WithCancel(ctx)
		waiter := corio.Spawn(cctx, func(ctx context.Context) error {
			err := corio.Sleep(ctx, time.Hour)
			r.add("child of cancelled: %v at %v", err, elapsed(ctx, t0))
			return err
		})
		corio.AfterFunc(ctx, time.Second, cancel)
		waiter.Join(ctx)
		if cctx.Err() != context.Canceled {
			t.Errorf("Err = %v", cctx.Err())
		}
		select {
		case <-cctx.Done():
		default:
			t.Error("Done not closed")
		}

		dctx, cancel2 := corio.WithDeadline(ctx, corio.Now(ctx).Add(2*time.Second))
		defer cancel2()
		if d, ok := dctx.Deadline(); !ok || d.Sub(t0) != 3*time.Second {
			t.Errorf("Deadline = %v, %v", d.Sub(t0), ok)
		}
		done := dctx.Done() // made before the cancellation
		err := corio.Sleep(dctx, time.Hour)
		r.add("deadline: %v at %v", err, elapsed(ctx, t0))
		<-done
		// A deadline beyond the parent's keeps the parent's.
		tctx, cancel3 := corio.WithTimeout(dctx, time.Hour)
		defer cancel3()
		if d, _ := tctx.Deadline(); d.Sub(t0) != 3*time.Second || tctx.Err() == nil {
			t.Errorf("inner deadline %v, err %v", d.Sub(t0), tctx.Err())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "child of cancelled: context canceled at 1s", "deadline: context deadline exceeded at 3s")
}

// Contexts of the standard library work too: the hub watches them.
func TestStandardContexts(t *testing.T) {
	type key struct{}
	err := run(t, func(ctx context.Context) error {
		sctx, cancel := context.WithCancel(context.WithValue(ctx, key{}, "v"))
		corio.AfterFunc(ctx, time.Second, cancel)
		t0 := corio.Now(ctx)
		if err := corio.Sleep(sctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep with a std context = %v", err)
		}
		if d := elapsed(ctx, t0); d != time.Second {
			t.Errorf("woke after %v", d)
		}
		if sctx.Value(key{}) != "v" {
			t.Error("values lost")
		}
		// A task's own context is a context.Context like any other.
		task := corio.Spawn(ctx, func(ctx context.Context) error { return nil })
		if task.Context().Value(key{}) != nil || task.Context().Err() != nil {
			t.Error("task context")
		}
		return task.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Run's own context may come from the standard library, with a
	// deadline: it becomes main's.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	err = corio.Run(ctx, func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("main lost Run's deadline")
		}
		return nil
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
}

func TestEventClearAndIsSet(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		var e corio.Event
		for i := range 2 {
			corio.Spawn(ctx, func(ctx context.Context) error {
				err := e.Wait(ctx)
				r.add("waiter %d: %v", i, err)
				return err
			})
		}
		corio.Sleep(ctx, 0)
		e.Set()
		r.add("set: %v", e.IsSet())
		corio.Sleep(ctx, 0)
		e.Clear()
		r.add("cleared: %v", e.IsSet())
		tctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		r.add("wait on a cleared event: %v", e.Wait(tctx))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "set: true", "waiter 0: <nil>", "waiter 1: <nil>", "cleared: false", "wait on a cleared event: context deadline exceeded")
}
