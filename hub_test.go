package corio_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

var errBoom = errors.New("boom")

// run runs main on a virtual-clock hub and returns Run's error. It fails
// the test if a goroutine started during the run outlives it.
func run(t *testing.T, main func(ctx context.Context) error) error {
	t.Helper()
	return hubtest.Run(t, main, corio.VirtualClock())
}

// elapsed is the virtual time since start.
func elapsed(ctx context.Context, start time.Time) time.Duration {
	return corio.Now(ctx).Sub(start)
}

type recorder struct{ events []string }

func (r *recorder) add(format string, args ...any) {
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

func (r *recorder) check(t *testing.T, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(r.events, want) {
		t.Fatalf("events:\n got %q\nwant %q", r.events, want)
	}
}

func TestRunReturnsMainsError(t *testing.T) {
	if err := run(t, func(ctx context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := run(t, func(ctx context.Context) error { return errBoom }); err != errBoom {
		t.Fatalf("Run = %v", err)
	}
	err := run(t, func(ctx context.Context) error { panic("main panics") })
	var pe *corio.PanicError
	if !errors.As(err, &pe) || pe.Value != "main panics" || !strings.Contains(string(pe.Stack), "TestRunReturnsMainsError") {
		t.Fatalf("Run = %v", err)
	}
}

func TestSpawnRunsWhenSpawnerWaits(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		for i := range 3 {
			corio.Spawn(ctx, func(ctx context.Context) error { r.add("task %d", i); return nil })
		}
		r.add("spawned")
		corio.Sleep(ctx, 0)
		r.add("main again")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "spawned", "task 0", "task 1", "task 2", "main again")
}

func TestSleepZeroAlternates(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		worker := func(name string) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				for i := range 3 {
					r.add("%s%d", name, i)
					if err := corio.Sleep(ctx, 0); err != nil {
						return err
					}
				}
				return nil
			}
		}
		return corio.JoinAll(ctx, corio.Spawn(ctx, worker("a")), corio.Spawn(ctx, worker("b")))
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "a0", "b0", "a1", "b1", "a2", "b2")
}

func TestSleepOrderAndVirtualTime(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		start := corio.Now(ctx)
		var tasks []corio.Joinable
		for _, d := range []int{3, 1, 2, 1} {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				if err := corio.Sleep(ctx, time.Duration(d)*time.Second); err != nil {
					return err
				}
				r.add("%ds at %v", d, elapsed(ctx, start))
				return nil
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "1s at 1s", "1s at 1s", "2s at 2s", "3s at 3s")
}

func TestJoinGetAndValues(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		sum := corio.SpawnValue(ctx, func(ctx context.Context) (int, error) {
			corio.Sleep(ctx, time.Second)
			return 1 + 2 + 3, nil
		}, corio.Name("sum"))
		fail := corio.SpawnValue(ctx, func(ctx context.Context) (string, error) { return "partial", errBoom })
		if sum.Name() != "sum" || fail.Name() != fmt.Sprintf("task-%d", fail.ID()) || sum.ID() != 2 {
			return fmt.Errorf("names %q %q ids %d %d", sum.Name(), fail.Name(), sum.ID(), fail.ID())
		}
		if sum.Done() || sum.State() != corio.TaskReady {
			return fmt.Errorf("sum state %v", sum.State())
		}
		v, err := sum.Get(ctx)
		if v != 6 || err != nil || !sum.Successful() || sum.State() != corio.TaskDone {
			return fmt.Errorf("Get = %d, %v (%v)", v, err, sum.State())
		}
		if err := fail.Join(ctx); err != errBoom || fail.Successful() || !fail.Done() || fail.Value() != "partial" {
			return fmt.Errorf("Join = %v, value %q", err, fail.Value())
		}
		if err := fail.Join(ctx); err != errBoom { // joining a done task returns at once
			return fmt.Errorf("second Join = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestJoinBoundedByContext(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		slow := corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) })
		jctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		start := corio.Now(ctx)
		err := slow.Join(jctx)
		if !errors.Is(err, context.DeadlineExceeded) || elapsed(ctx, start) != time.Second || slow.Done() {
			return fmt.Errorf("Join = %v after %v (done %v)", err, elapsed(ctx, start), slow.Done())
		}
		slow.Kill()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestJoinSelf(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		var self *corio.Task[struct{}]
		self = corio.Spawn(ctx, func(ctx context.Context) error { return self.Join(ctx) })
		err := self.Join(ctx)
		if err == nil || !strings.Contains(err.Error(), "joins itself") {
			return fmt.Errorf("self join = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestJoinAllErrors(t *testing.T) {
	errOther := errors.New("other")
	err := run(t, func(ctx context.Context) error {
		a := corio.Spawn(ctx, func(ctx context.Context) error { return errBoom })
		b := corio.Spawn(ctx, func(ctx context.Context) error { return nil })
		c := corio.Spawn(ctx, func(ctx context.Context) error { corio.Sleep(ctx, time.Second); return errOther })
		err := corio.JoinAll(ctx, a, b, c)
		if !errors.Is(err, errBoom) || !errors.Is(err, errOther) {
			return fmt.Errorf("JoinAll = %v", err)
		}
		if err := corio.JoinAll(ctx, b); err != nil {
			return fmt.Errorf("JoinAll of a success = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAsCompletedAndWaitAny(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		mk := func(d time.Duration) *corio.Task[struct{}] {
			return corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, d) })
		}
		tasks := []corio.Joinable{mk(3 * time.Second), mk(time.Second), mk(2 * time.Second)}
		var order []int
		for i, err := range corio.AsCompleted(ctx, tasks...) {
			if err != nil {
				return err
			}
			order = append(order, i)
		}
		if !reflect.DeepEqual(order, []int{1, 2, 0}) {
			return fmt.Errorf("order %v", order)
		}
		// all ended: in argument order at once
		order = nil
		for i := range corio.AsCompleted(ctx, tasks...) {
			order = append(order, i)
		}
		if !reflect.DeepEqual(order, []int{0, 1, 2}) {
			return fmt.Errorf("order of ended tasks %v", order)
		}
		i, err := corio.WaitAny(ctx, mk(5*time.Second), mk(4*time.Second))
		if i != 1 || err != nil {
			return fmt.Errorf("WaitAny = %d, %v", i, err)
		}
		tctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		if i, err := corio.WaitAny(tctx, mk(time.Hour)); i != -1 || !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("WaitAny with timeout = %d, %v", i, err)
		}
		if _, err := corio.WaitAny(ctx); err == nil {
			return errors.New("WaitAny of nothing succeeded")
		}
		// stopping early is fine
		for range corio.AsCompleted(ctx, mk(time.Second), mk(time.Second)) {
			break
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKill(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		victim := corio.Spawn(ctx, func(ctx context.Context) error {
			err := corio.Sleep(ctx, time.Hour)
			r.add("sleep: %v", err)
			var ev corio.Event
			err2 := ev.Wait(ctx) // keeps failing at once
			r.add("wait: %v", err2)
			return err
		})
		corio.Sleep(ctx, time.Second)
		victim.Kill()
		if err := victim.Join(ctx); !errors.Is(err, context.Canceled) {
			return fmt.Errorf("killed task's error = %v", err)
		}
		victim.Kill() // killing an ended task does nothing
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "sleep: context canceled", "wait: context canceled")
}

// A wait must use the context of the task that waits (or one made from
// it): another task's context is a clear error, not a wait of the wrong
// task.
func TestWaitWithAnotherTasksContext(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		outer := ctx
		derived, cancel := corio.WithCancel(outer)
		defer cancel()
		other := corio.Spawn(ctx, func(ctx context.Context) error {
			for _, c := range []context.Context{outer, derived} {
				err := corio.Sleep(c, time.Hour)
				if !errors.Is(err, corio.ErrNoTask) || !strings.Contains(err.Error(), `the context is task 1 "main"'s`) {
					t.Errorf("Sleep with main's context in another task = %v", err)
				}
			}
			return nil
		})
		return other.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKillBeforeStartNeverRuns(t *testing.T) {
	ran := false
	err := run(t, func(ctx context.Context) error {
		now := corio.Spawn(ctx, func(ctx context.Context) error { ran = true; return nil })
		later := corio.Spawn(ctx, func(ctx context.Context) error { ran = true; return nil }, corio.StartAfter(time.Second))
		now.Kill()
		later.Kill()
		if err := corio.KillAllWait(ctx, now, later); err != nil {
			return err
		}
		if !errors.Is(now.Err(), context.Canceled) || !errors.Is(later.Err(), context.Canceled) {
			return fmt.Errorf("errors %v %v", now.Err(), later.Err())
		}
		return nil
	})
	if err != nil || ran {
		t.Fatalf("err %v ran %v", err, ran)
	}
}

func TestKillAll(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		var tasks []corio.Joinable
		for range 3 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, time.Hour) }))
		}
		corio.Sleep(ctx, 0)
		corio.KillAll(tasks...)
		err := corio.JoinAll(ctx, tasks...)
		if !errors.Is(err, context.Canceled) {
			return fmt.Errorf("JoinAll after KillAll = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSpawnAfter(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		start := corio.Now(ctx)
		later := corio.Spawn(ctx, func(ctx context.Context) error {
			r.add("later at %v", elapsed(ctx, start))
			return nil
		}, corio.StartAfter(2*time.Second))
		if later.State() != corio.TaskWaiting {
			return fmt.Errorf("state %v", later.State())
		}
		return later.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "later at 2s")
}

func TestLinks(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		ok := corio.SpawnValue(ctx, func(ctx context.Context) (int, error) { return 7, nil })
		bad := corio.SpawnValue(ctx, func(ctx context.Context) (int, error) { return 0, errBoom })
		for _, tk := range []*corio.Task[int]{ok, bad} {
			tk.OnDone(func() { r.add("%s done", tk.Name()) })
			tk.OnValue(func(v int) { r.add("%s value %d", tk.Name(), v) })
			tk.OnError(func(err error) { r.add("%s error %v", tk.Name(), err) })
		}
		corio.JoinAll(ctx, ok, bad)
		ok.OnDone(func() { r.add("late link runs at once") })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "task-2 done", "task-2 value 7", "task-3 done", "task-3 error boom", "late link runs at once")
}

func TestPanicInTaskBecomesItsError(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		p := corio.Spawn(ctx, func(ctx context.Context) error { panic(errBoom) })
		err := p.Join(ctx)
		var pe *corio.PanicError
		if !errors.As(err, &pe) || !errors.Is(err, errBoom) {
			return fmt.Errorf("Join = %v", err)
		}
		// the hub goes on
		return corio.Sleep(ctx, time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeadlock(t *testing.T) {
	var ev corio.Event
	err := run(t, func(ctx context.Context) error {
		corio.Spawn(ctx, func(ctx context.Context) error { return ev.Wait(ctx) }, corio.Name("stuck"))
		return ev.Wait(ctx)
	})
	var de *corio.DeadlockError
	if !errors.Is(err, corio.ErrDeadlock) || !errors.As(err, &de) || len(de.Tasks) != 2 {
		t.Fatalf("Run = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{`task 1 "main" waits on event at `, `task 2 "stuck" waits on event at `, "hub_test.go:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("deadlock message lacks %q:\n%s", want, msg)
		}
	}
}

func TestNotInATask(t *testing.T) {
	if err := corio.Sleep(context.Background(), time.Second); !errors.Is(err, corio.ErrNoTask) {
		t.Fatalf("Sleep outside = %v", err)
	}
	var ev corio.Event
	if err := ev.Wait(context.Background()); !errors.Is(err, corio.ErrNoTask) {
		t.Fatalf("Wait outside = %v", err)
	}
	var leaked context.Context
	run(t, func(ctx context.Context) error { leaked = ctx; return nil })
	if err := corio.Sleep(leaked, time.Second); !errors.Is(err, corio.ErrNoTask) {
		t.Fatalf("Sleep after Run = %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Spawn outside a hub did not panic")
			}
		}()
		corio.Spawn(context.Background(), func(ctx context.Context) error { return nil })
	}()
	if _, err := corio.Tasks(context.Background()); !errors.Is(err, corio.ErrNoTask) {
		t.Fatalf("Tasks outside = %v", err)
	}
}

func TestRunContextCancelsMain(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	cancel()
	err := corio.Run(parent, func(ctx context.Context) error {
		return corio.Sleep(ctx, time.Hour)
	}, corio.VirtualClock())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context = %v", err)
	}
}

func TestLeftoverTasksEndWithRun(t *testing.T) {
	before := runtime.NumGoroutine()
	var r recorder
	err := run(t, func(ctx context.Context) error {
		corio.Spawn(ctx, func(ctx context.Context) error {
			defer r.add("sleeper cleaned up")
			err := corio.Sleep(ctx, time.Hour)
			r.add("sleeper: %v", err)
			return err
		})
		corio.Spawn(ctx, func(ctx context.Context) error {
			defer r.add("stubborn unwound")
			for {
				corio.Sleep(ctx, time.Hour) // ignores its errors
			}
		})
		corio.Sleep(ctx, 0)
		corio.Spawn(ctx, func(ctx context.Context) error { r.add("never runs"); return nil })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "sleeper: context canceled", "sleeper cleaned up", "stubborn unwound")
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before Run, %d after", before, after)
	}
}

func TestRunInfo(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		var ev corio.Event
		corio.Spawn(ctx, func(ctx context.Context) error { return ev.Wait(ctx) }, corio.Name("waiter"))
		corio.Spawn(ctx, func(ctx context.Context) error { return nil }, corio.Name("fresh"))
		corio.Sleep(ctx, 0) // waiter waits; fresh ends
		corio.Spawn(ctx, func(ctx context.Context) error { return nil }, corio.Name("unstarted"))
		infos, err := corio.Tasks(ctx)
		if err != nil {
			return err
		}
		var got []string
		for _, i := range infos {
			got = append(got, fmt.Sprintf("%d %s %s parent=%d on=%q", i.ID, i.Name, i.State, i.ParentID, i.WaitsOn))
		}
		want := []string{
			`1 main running parent=0 on=""`,
			`2 waiter waiting parent=1 on="event"`,
			`4 unstarted ready parent=1 on=""`,
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("tasks:\n got %q\nwant %q", got, want)
		}
		if !strings.HasSuffix(infos[1].Where.Func(), "TestRunInfo.func1.1") || !strings.Contains(infos[2].Where.Func(), "TestRunInfo") {
			return fmt.Errorf("where: %q, %q", infos[1].Where.Func(), infos[2].Where.Func())
		}
		text, err := corio.FormatRunInfo(ctx)
		if err != nil {
			return err
		}
		if !strings.Contains(text, `task 2 "waiter": waiting, spawned by task 1, waits on event`) || !strings.Contains(text, "hub_test.go:") {
			return fmt.Errorf("run info:\n%s", text)
		}
		ev.Set()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A long ready queue does not hold up timers: the hub fires due timers
// (and polls) after at most maxRoundSwitches task switches, not after
// every task ready at the round's start has run.
func TestLongReadyQueueDoesNotStarveTimers(t *testing.T) {
	const tasks, steps = 10_000, 3
	var ran, registered, fired int
	err := run(t, func(ctx context.Context) error {
		var all []corio.Joinable
		for range tasks {
			all = append(all, corio.Spawn(ctx, func(ctx context.Context) error {
				for range steps {
					if ran == 100 { // early in a round that starts with every task ready
						registered = ran
						corio.AfterFunc(ctx, 0, func() { fired = ran }) // due at once
					}
					ran++
					if err := corio.Sleep(ctx, 0); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		return corio.JoinAll(ctx, all...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if fired-registered > 256 {
		t.Fatalf("a timer due at once, set after %d task steps, fired after %d; want at most 256 steps later", registered, fired)
	}
}
