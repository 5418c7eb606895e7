package corio

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The check is driven by hand here, with made-up times, from inside the
// task that stalls: the verdict depends only on the times it is given.
func TestWatchdogCheck(t *testing.T) {
	var stalls []Stall
	err := Run(context.Background(), func(ctx context.Context) error {
		w := hubOf(ctx).watch
		t0 := time.Unix(0, 0)
		w.check(t0)
		w.check(t0.Add(59 * time.Minute))
		if len(stalls) != 0 {
			t.Errorf("reported before the threshold: %v", stalls)
		}
		w.check(t0.Add(time.Hour))
		w.check(t0.Add(2 * time.Hour)) // the same stall: not again
		Sleep(ctx, 0)                  // a switch: a new stall may begin
		w.check(t0.Add(3 * time.Hour))
		w.check(t0.Add(3*time.Hour + 30*time.Minute))
		return nil
	}, Watchdog(time.Hour, func(s Stall) { stalls = append(stalls, s) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(stalls) != 1 {
		t.Fatalf("%d stalls reported, want 1", len(stalls))
	}
	s := stalls[0]
	if s.TaskID != 1 || s.TaskName != "main" || s.For != time.Hour || !strings.Contains(s.Stack, "TestWatchdogCheck") {
		t.Fatalf("stall: %v", s)
	}
	if !strings.HasPrefix(s.String(), `corio: task 1 "main" has kept the hub for 1h0m0s without switching:`) {
		t.Fatalf("stall text: %s", s)
	}
}

// The watchdog's own goroutine finds a task that spins.
func TestWatchdogSeesASpinningTask(t *testing.T) {
	reported := make(chan Stall, 1)
	err := Run(context.Background(), func(ctx context.Context) error {
		spinner := Spawn(ctx, func(ctx context.Context) error {
			giveUp := time.Now().Add(10 * time.Second)
			for time.Now().Before(giveUp) {
				if len(reported) > 0 {
					return nil
				}
			}
			t.Error("no stall reported in 10s")
			return nil
		}, Name("spinner"))
		return spinner.Join(ctx)
	}, Watchdog(5*time.Millisecond, func(s Stall) {
		select {
		case reported <- s:
		default:
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s := <-reported; s.TaskName != "spinner" || !strings.Contains(s.Stack, "TestWatchdogSeesASpinningTask") {
		t.Fatalf("stall: %v", s)
	}
}
