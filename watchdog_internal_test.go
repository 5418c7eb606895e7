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

// A ready task that waits longer than the threshold for its turn is
// reported (Ready set), once per task, with hand-driven times: three
// tasks ready, each check made by the task that runs.
func TestWatchdogReportsAWaitInTheReadyQueue(t *testing.T) {
	var waits []Stall
	err := Run(context.Background(), func(ctx context.Context) error {
		w := hubOf(ctx).watch
		t0 := time.Unix(0, 0)
		first := Spawn(ctx, func(ctx context.Context) error {
			w.check(t0) // the next to run, second, was queued by now
			w.check(t0.Add(59 * time.Minute))
			if len(waits) != 0 {
				t.Errorf("reported before the threshold: %v", waits)
			}
			w.check(t0.Add(time.Hour))
			w.check(t0.Add(2 * time.Hour)) // the same task's wait: not again
			return Sleep(ctx, 0)
		}, Name("first"))
		second := Spawn(ctx, func(ctx context.Context) error {
			w.check(t0.Add(2*time.Hour + time.Minute)) // third, next now, has waited since before t0
			return nil
		}, Name("second"))
		third := Spawn(ctx, func(ctx context.Context) error { return nil }, Name("third"))
		return JoinAll(ctx, first, second, third)
	}, Watchdog(time.Hour, func(s Stall) {
		if s.Ready > 0 {
			waits = append(waits, s)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(waits) != 2 {
		t.Fatalf("%d waits reported, want 2: %v", len(waits), waits)
	}
	if s := waits[0]; s.For != time.Hour || s.Ready != 2 || s.TaskName != "first" || !strings.HasPrefix(s.String(), `corio: a ready task has waited 1h0m0s for its turn, with 2 tasks ready: the hub has more to run than it can (task 2 "first" runs now):`) {
		t.Fatalf("first wait: %v", s)
	}
	if s := waits[1]; s.For != 2*time.Hour+time.Minute || s.Ready != 2 || s.TaskName != "second" {
		t.Fatalf("second wait: %v", s)
	}
}

// The watchdog's own goroutine finds a queue too long for the hub: tasks
// that each run briefly (50 µs), 2,000 of them ready at once, keep the
// last waiting about 100 ms, far past the threshold.
func TestWatchdogSeesALongReadyQueue(t *testing.T) {
	reported := make(chan Stall, 1)
	err := Run(context.Background(), func(ctx context.Context) error {
		var all []Joinable
		for range 2000 {
			all = append(all, Spawn(ctx, func(ctx context.Context) error {
				for end := time.Now().Add(50 * time.Microsecond); time.Now().Before(end); {
				}
				return nil
			}))
		}
		return JoinAll(ctx, all...)
	}, Watchdog(20*time.Millisecond, func(s Stall) {
		if s.Ready > 0 {
			select {
			case reported <- s:
			default:
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-reported:
		if s.For < 20*time.Millisecond || s.Ready < 1 {
			t.Fatalf("wait reported: %v", s)
		}
	default:
		t.Fatal("no wait in the ready queue reported")
	}
}
