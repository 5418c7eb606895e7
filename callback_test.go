package corio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// A panic in a function the hub calls outside any task ends Run with a
// *PanicError carrying its value and stack: it neither escapes Run as a
// panic nor vanishes. Main waits longer than the callback needs, so Run
// ending before that proves the panic ended it.
func TestCallbackPanicEndsRun(t *testing.T) {
	cases := []struct {
		name  string
		setup func(ctx context.Context)
	}{
		{"OnDone", func(ctx context.Context) {
			task := corio.Spawn(ctx, func(ctx context.Context) error { return nil })
			task.OnDone(func() { panic("in OnDone") })
		}},
		{"OnError", func(ctx context.Context) {
			task := corio.Spawn(ctx, func(ctx context.Context) error { return errBoom })
			task.OnError(func(error) { panic("in OnError") })
		}},
		{"AfterFunc", func(ctx context.Context) {
			corio.AfterFunc(ctx, time.Second, func() { panic("in AfterFunc") })
		}},
		{"Hub.Submit", func(ctx context.Context) {
			hub := corio.HubOf(ctx)
			hub.Submit(func(context.Context) { panic("in Hub.Submit") })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var slept error
			err := run(t, func(ctx context.Context) error {
				tc.setup(ctx)
				slept = corio.Sleep(ctx, time.Hour)
				return errors.New("main's own end")
			})
			var pe *corio.PanicError
			if !errors.As(err, &pe) || pe.Value != "in "+tc.name || !strings.Contains(string(pe.Stack), "TestCallbackPanicEndsRun") {
				t.Fatalf("Run = %v; want the callback's *PanicError", err)
			}
			if !errors.Is(slept, context.Canceled) {
				t.Fatalf("main's Sleep = %v; want it cut by the hub's end", slept)
			}
		})
	}
}

// The first panic is the one reported; OnExit's functions still run.
func TestCallbackPanicFirstWins(t *testing.T) {
	var exited bool
	err := run(t, func(ctx context.Context) error {
		corio.HubOf(ctx).OnExit(func() { exited = true })
		corio.AfterFunc(ctx, time.Second, func() { panic("first") })
		corio.AfterFunc(ctx, time.Second, func() { panic("second") })
		return corio.Sleep(ctx, time.Hour)
	})
	var pe *corio.PanicError
	if !errors.As(err, &pe) || pe.Value != "first" || !exited {
		t.Fatalf("Run = %v, OnExit ran: %v; want the first panic and OnExit run", err, exited)
	}
}

// A panic in a Blocking function comes back from Blocking as a
// *PanicError; the process and the hub go on.
func TestBlockingPanicIsItsError(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		v, err := corio.Blocking(ctx, func(context.Context) (int, error) { panic(errBoom) })
		var pe *corio.PanicError
		if v != 0 || !errors.As(err, &pe) || !errors.Is(err, errBoom) || !strings.Contains(string(pe.Stack), "TestBlockingPanicIsItsError") {
			t.Errorf("Blocking = %v, %v; want 0 and the panic as a *PanicError", v, err)
		}
		v, err = corio.Blocking(ctx, func(context.Context) (int, error) { return 7, nil })
		if v != 7 || err != nil {
			t.Errorf("the next Blocking = %v, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
