package corio_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// A task that calls runtime.Goexit (what t.Fatal and log.Fatal-style
// helpers do) ends with ErrGoexit, its deferred calls run; Join and Run
// return the error, the hub goes on, and Run's caller's goroutine lives.
func TestGoexitEndsOnlyTheTask(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func(ctx context.Context, deferred *bool) error
	}{
		{"at once", func(ctx context.Context, deferred *bool) error {
			defer func() { *deferred = true }()
			runtime.Goexit()
			return nil
		}},
		{"after a wait", func(ctx context.Context, deferred *bool) error {
			defer func() { *deferred = true }()
			corio.Sleep(ctx, time.Second)
			runtime.Goexit()
			return nil
		}},
		{"after waits of others", func(ctx context.Context, deferred *bool) error {
			defer func() { *deferred = true }()
			for range 3 {
				corio.Sleep(ctx, 0)
			}
			runtime.Goexit()
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deferred bool
			var joined error
			var othersRan int
			err := run(t, func(ctx context.Context) error {
				for range 5 { // tasks around it, before and after its end
					corio.Spawn(ctx, func(ctx context.Context) error {
						for range 4 {
							othersRan++
							corio.Sleep(ctx, 0)
						}
						return nil
					})
				}
				task := corio.Spawn(ctx, func(ctx context.Context) error { return tc.body(ctx, &deferred) })
				joined = task.Join(ctx)
				if err := corio.Sleep(ctx, 2*time.Second); err != nil { // the hub goes on
					return err
				}
				return joined
			})
			if !errors.Is(joined, corio.ErrGoexit) || !errors.Is(err, corio.ErrGoexit) || !deferred || othersRan != 20 {
				t.Fatalf("Join = %v, Run = %v, deferred calls ran: %v, others ran %d steps; want ErrGoexit twice, true, 20", joined, err, deferred, othersRan)
			}
		})
	}
}

// Goexit in the main task: Run returns ErrGoexit to its caller, whose
// goroutine goes on (before, it ended it: from main, the process hung).
func TestGoexitInMain(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) })
		corio.Sleep(ctx, 0)
		runtime.Goexit()
		return nil
	})
	if !errors.Is(err, corio.ErrGoexit) {
		t.Fatalf("Run = %v; want ErrGoexit", err)
	}
}

// Many tasks end with Goexit, among many that do not: every one is
// accounted for, and no goroutine is left (run checks).
func TestGoexitMany(t *testing.T) {
	var goexits, fine int
	err := run(t, func(ctx context.Context) error {
		var all []*corio.Task[struct{}]
		for i := range 200 {
			all = append(all, corio.Spawn(ctx, func(ctx context.Context) error {
				corio.Sleep(ctx, time.Duration(i%7)*time.Millisecond)
				if i%3 == 0 {
					runtime.Goexit()
				}
				return corio.Sleep(ctx, time.Duration(i%5)*time.Millisecond)
			}))
		}
		for _, task := range all {
			switch err := task.Join(ctx); {
			case errors.Is(err, corio.ErrGoexit):
				goexits++
			case err == nil:
				fine++
			default:
				return err
			}
		}
		return nil
	})
	if err != nil || goexits != 67 || fine != 133 {
		t.Fatalf("Run = %v, %d ended with Goexit, %d fine; want nil, 67, 133", err, goexits, fine)
	}
}
