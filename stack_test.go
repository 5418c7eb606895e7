package corio_test

import (
	"context"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/fixture/stackprobe"
)

// A task parked in a wait must hold no more than the runtime's smallest
// stack (see package stackprobe); cmd/corio's tests check the same of an
// idle connection of corio serve.
func TestParkedStacksStayMinimal(t *testing.T) {
	for _, wait := range []string{"Event.Wait", "Queue.Get", "Sleep"} {
		t.Run(wait, func(t *testing.T) {
			stackprobe.Require(t, "TestParkedStackProbe", wait, "task parked in "+wait)
		})
	}
}

// TestParkedStackProbe is the fresh process of TestParkedStacksStayMinimal.
func TestParkedStackProbe(t *testing.T) {
	wait := stackprobe.Name()
	if wait == "" {
		t.Skip("run by TestParkedStacksStayMinimal")
	}
	const tasks = 2000
	var release corio.Event
	q := corio.NewQueue[int](0)
	park := map[string]func(ctx context.Context) error{
		"Event.Wait": release.Wait,
		"Queue.Get":  func(ctx context.Context) error { _, err := q.Get(ctx); return err },
		"Sleep":      func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) },
	}[wait]
	if park == nil {
		t.Fatalf("no probe for %q", wait)
	}
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		var g corio.Group
		before := stackprobe.InUse()
		for range tasks {
			g.Spawn(ctx, park)
			// It runs and parks now, switching back to this task: what its
			// stack holds is its wait, not the start of the next task.
			corio.Sleep(ctx, 0)
		}
		stackprobe.Report((stackprobe.InUse() - before) / tasks)
		g.Kill()
		return g.Join(ctx)
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
}
