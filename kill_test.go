package corio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// A kill takes effect at once: a hand-off made right after it, without
// yielding, goes to the next waiter, as in gevent (g1.kill() then
// q.put("x"): g1 ends killed, g2 gets "x"). Each case parks two waiters,
// kills the first, then hands one thing over.
func TestKillThenHandOffGoesToTheNextWaiter(t *testing.T) {
	type prim struct {
		wait    func(ctx context.Context) (string, error)
		handOff func(ctx context.Context) error
	}
	cases := map[string]func() prim{
		"Queue.Put": func() prim {
			q := corio.NewQueue[string](0)
			return prim{q.Get, func(ctx context.Context) error { return q.Put(ctx, "x") }}
		},
		"Queue.TryPut": func() prim {
			q := corio.NewQueue[string](0)
			return prim{q.Get, func(context.Context) error { return q.TryPut("x") }}
		},
		"Channel.Send": func() prim {
			var c corio.Channel[string]
			return prim{c.Recv, func(ctx context.Context) error { return c.Send(ctx, "x") }}
		},
		"Event.Set": func() prim {
			var e corio.Event
			return prim{
				func(ctx context.Context) (string, error) { return "set", e.Wait(ctx) },
				func(context.Context) error { e.Set(); return nil },
			}
		},
		"Semaphore.Release": func() prim {
			s := corio.NewSemaphore(0)
			return prim{
				func(ctx context.Context) (string, error) { return "permit", s.Acquire(ctx) },
				func(context.Context) error { return s.Release() },
			}
		},
		"Mutex.Unlock": func() prim {
			var m corio.Mutex
			m.TryLock()
			return prim{
				func(ctx context.Context) (string, error) { return "lock", m.Lock(ctx) },
				func(context.Context) error { m.Unlock(); return nil },
			}
		},
		"Queue.Get (to a putter)": func() prim {
			q := corio.NewQueue[string](1)
			q.TryPut("first")
			return prim{
				func(ctx context.Context) (string, error) { return "room", q.Put(ctx, "second") },
				func(ctx context.Context) error { _, err := q.Get(ctx); return err },
			}
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			var r recorder
			err := run(t, func(ctx context.Context) error {
				p := make()
				waiter := func(label string) *corio.Task[struct{}] {
					return corio.Spawn(ctx, func(ctx context.Context) error {
						v, err := p.wait(ctx)
						r.add("%s: %q %v", label, v, err)
						return err
					})
				}
				g1, g2 := waiter("g1"), waiter("g2")
				corio.Sleep(ctx, 0) // both wait now, g1 first
				g1.Kill()
				if err := p.handOff(ctx); err != nil {
					return err
				}
				if err := g2.Join(ctx); err != nil {
					return fmt.Errorf("g2: %w", err)
				}
				if err := g1.Join(ctx); !errors.Is(err, context.Canceled) {
					return fmt.Errorf("g1 ended with %v, want context.Canceled", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			served := r.events[len(r.events)-1]
			if len(r.events) != 2 || !strings.HasPrefix(r.events[0], "g1: ") || !strings.HasSuffix(r.events[0], " context canceled") ||
				!strings.HasPrefix(served, "g2: ") || !strings.HasSuffix(served, " <nil>") {
				t.Fatalf("events %q: want g1's wait to fail with context canceled, then g2 served", r.events)
			}
			if name == "Queue.Put" || name == "Queue.TryPut" || name == "Channel.Send" {
				if served != `g2: "x" <nil>` {
					t.Fatalf("g2 got %q, want the value x", served)
				}
			}
		})
	}
}

// After Kill from a task, one Sleep(ctx, 0) of the killer lets the killed
// task run and end, as gevent's sleep(0) does after kill().
func TestKilledTaskEndsAfterOneYield(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		victim := corio.Spawn(ctx, func(ctx context.Context) error {
			err := corio.Sleep(ctx, time.Hour)
			r.add("victim woke: %v", err)
			return err
		})
		corio.Spawn(ctx, func(ctx context.Context) error { // a bystander, ready too
			for range 3 {
				r.add("bystander")
				corio.Sleep(ctx, 0)
			}
			return nil
		})
		corio.Sleep(ctx, 0)
		victim.Kill()
		corio.Sleep(ctx, 0)
		r.add("killer: victim done %v, %v", victim.Done(), victim.Err())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "bystander", "bystander", "victim woke: context canceled", "killer: victim done true, context canceled", "bystander")
}

// A cancel function and a deadline take effect as a Kill does: the
// cancelled waiter is passed over by the hand-off that follows.
func TestCancelThenHandOff(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		q := corio.NewQueue[int](0)
		cancels := make(chan context.CancelFunc, 1)
		corio.Spawn(ctx, func(ctx context.Context) error {
			c1, cancel := corio.WithCancel(ctx)
			cancels <- cancel
			v, err := q.Get(c1)
			r.add("first: %d %v", v, err)
			return nil
		})
		corio.Spawn(ctx, func(ctx context.Context) error {
			v, err := q.Get(ctx)
			r.add("second: %d %v", v, err)
			return nil
		})
		corio.Sleep(ctx, 0)
		(<-cancels)()
		q.TryPut(7)
		return corio.Sleep(ctx, time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "first: 0 context canceled", "second: 7 <nil>")
}

// A value handed to a task before it is killed stays handed: that wait
// returns it, and the task's next wait fails.
func TestHandOffBeforeKillIsKept(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		q := corio.NewQueue[string](0)
		g := corio.Spawn(ctx, func(ctx context.Context) error {
			v, err := q.Get(ctx)
			r.add("got %q %v", v, err)
			err = corio.Sleep(ctx, time.Second)
			r.add("then: %v", err)
			return err
		})
		corio.Sleep(ctx, 0)
		q.TryPut("x")
		g.Kill()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, `got "x" <nil>`, "then: context canceled")
}

// A killed task may clean up and wait with a context that does not
// descend from its own: corio.WithTimeout over context.WithoutCancel, or
// the standard library's. Waits with its own context, or one made from
// it (also by the standard library), still fail at once.
func TestKilledTaskCleansUpWithoutCancel(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		start := corio.Now(ctx)
		victim := corio.Spawn(ctx, func(ctx context.Context) error {
			err := corio.Sleep(ctx, time.Hour)
			r.add("%v killed: %v", elapsed(ctx, start), err)

			std, cancel := context.WithCancel(ctx)
			defer cancel()
			r.add("own: %v; corio child: %v; std child: %v",
				corio.Sleep(ctx, time.Second),
				corio.Sleep(must(corio.WithTimeout(ctx, time.Minute)), time.Second),
				corio.Sleep(std, time.Second))

			clean, cancelClean := corio.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancelClean()
			r.add("%v clean-up sleep: %v", elapsed(ctx, start), corio.Sleep(clean, 2*time.Second))
			r.add("%v bounded: %v", elapsed(ctx, start), corio.Sleep(clean, time.Hour))

			plain := context.WithoutCancel(ctx)
			r.add("plain clean-up: %v", corio.Sleep(plain, time.Second))
			r.add("%v ended", elapsed(ctx, start))
			return err
		})
		corio.Sleep(ctx, time.Second)
		victim.Kill()
		return victim.Join(context.WithoutCancel(ctx))
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want the victim's context.Canceled", err)
	}
	r.check(t,
		"1s killed: context canceled",
		"own: context canceled; corio child: context canceled; std child: context canceled",
		"1s clean-up sleep: <nil>",
		"3s bounded: context deadline exceeded",
		"plain clean-up: <nil>",
		"7s ended")
}

func must(ctx context.Context, _ context.CancelFunc) context.Context { return ctx }

// gevent's Channel.put waits until the receiver has run: a receiver that
// was already waiting prints what it got before the sender goes on.
func TestChannelSendYieldsToTheReceiver(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		var c corio.Channel[string]
		recv := corio.Spawn(ctx, func(ctx context.Context) error {
			v, err := c.Recv(ctx)
			r.add("recv got %s", v)
			return err
		})
		corio.Sleep(ctx, 0)
		err := c.Send(ctx, "v")
		r.add("send returned %v", err)
		return recv.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "recv got v", "send returned <nil>")
}
