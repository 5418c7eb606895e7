package corio_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/fixture/hubtest"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

func TestBlockingLetsTheHubRun(t *testing.T) {
	leakcheck.CheckGoroutines(t)
	var r recorder
	release := make(chan struct{})
	err := run(t, func(ctx context.Context) error {
		corio.Spawn(ctx, func(ctx context.Context) error {
			r.add("other task runs")
			close(release) // while the call below blocks its goroutine
			return nil
		})
		v, err := corio.Blocking(ctx, func(ctx context.Context) (string, error) {
			<-release
			return "unblocked", nil
		})
		r.add("%s %v", v, err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "other task runs", "unblocked <nil>")
}

func TestBlockingLimitAndOrder(t *testing.T) {
	leakcheck.CheckGoroutines(t)
	var running, most atomic.Int32
	var order []int
	err := hubtest.Run(t, func(ctx context.Context) error {
		var tasks []corio.Joinable
		for i := range 4 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				_, err := corio.Blocking(ctx, func(context.Context) (int, error) {
					n := running.Add(1)
					if n > most.Load() {
						most.Store(n)
					}
					time.Sleep(time.Millisecond)
					running.Add(-1)
					return i, nil
				})
				order = append(order, i)
				return err
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	}, corio.BlockingLimit(1))
	if err != nil {
		t.Fatal(err)
	}
	if most.Load() != 1 || !equal(order, []int{0, 1, 2, 3}) {
		t.Fatalf("most running %d, order %v", most.Load(), order)
	}
}

func TestBlockingKilledWaiter(t *testing.T) {
	leakcheck.CheckGoroutines(t)
	var sawCancel atomic.Bool
	err := run(t, func(ctx context.Context) error {
		caller := corio.SpawnValue(ctx, func(ctx context.Context) (int, error) {
			return corio.Blocking(ctx, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				sawCancel.Store(true)
				return 1, nil
			})
		})
		corio.Sleep(ctx, 0)
		caller.Kill()
		if v, err := caller.Get(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("killed caller: %v, %v, sawCancel %v", v, err, sawCancel.Load())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Run waited for the call, which saw the cancellation.
	if !sawCancel.Load() {
		t.Fatal("the offloaded call did not see its context end")
	}
}

func TestBlockingContextIsNotATasks(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		_, err := corio.Blocking(ctx, func(ctx context.Context) (int, error) {
			return 0, corio.Sleep(ctx, time.Second)
		})
		if !errors.Is(err, corio.ErrNoTask) {
			t.Errorf("Sleep inside Blocking = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBlockingHoldsTheVirtualClock(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) })
		corio.Blocking(ctx, func(context.Context) (int, error) { time.Sleep(time.Millisecond); return 0, nil })
		if d := elapsed(ctx, t0); d != 0 {
			t.Errorf("virtual time moved by %v during an offloaded call", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHubFromOtherGoroutines(t *testing.T) {
	leakcheck.CheckGoroutines(t)
	var hub *corio.Hub
	err := run(t, func(ctx context.Context) error {
		hub = corio.HubOf(ctx)
		other := corio.Spawn(ctx, func(ctx context.Context) error {
			if corio.HubOf(ctx) != hub {
				t.Error("HubOf gave two handles for one hub")
			}
			return nil
		})
		if err := other.Join(ctx); err != nil {
			return err
		}
		var submitted corio.Future[string]
		go func() {
			hub.Submit(func(ctx context.Context) { submitted.Set("ran on the hub") })
		}()
		if v, _ := submitted.Get(ctx); v != "ran on the hub" {
			t.Errorf("Submit: %q", v)
		}
		spawned := make(chan *corio.Future[int])
		go func() {
			f, err := corio.SpawnOn(hub, func(ctx context.Context) (int, error) {
				return 7, corio.Sleep(ctx, time.Second)
			}, corio.Name("from outside"))
			if err != nil {
				t.Error(err)
			}
			spawned <- f
		}()
		f := <-spawned // the hub's goroutine blocks a moment here; fine in a test
		v, err := f.Get(ctx)
		if v != 7 || err != nil {
			t.Errorf("task spawned from outside: %d, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Submit(func(context.Context) {}); !errors.Is(err, corio.ErrHubClosed) {
		t.Fatalf("Submit after Run = %v", err)
	}
	if _, err := hub.Spawn(func(context.Context) error { return nil }); !errors.Is(err, corio.ErrHubClosed) {
		t.Fatalf("Spawn after Run = %v", err)
	}
	if corio.HubOf(context.Background()) != nil {
		t.Fatal("HubOf outside a hub")
	}
}

func TestSpawnFromOutsideAtShutdownIsNotLost(t *testing.T) {
	leakcheck.CheckGoroutines(t)
	var f *corio.Future[int]
	err := run(t, func(ctx context.Context) error {
		var err error
		f, err = corio.SpawnOn(corio.HubOf(ctx), func(ctx context.Context) (int, error) { return 1, nil })
		return err // main ends before the spawn is handled
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("task spawned as the hub closed: %v", err)
	}
}
