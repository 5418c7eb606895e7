package corio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

func TestFutureSetFromAnotherGoroutine(t *testing.T) {
	var f corio.Future[int]
	err := run(t, func(ctx context.Context) error {
		go func() { f.Set(42) }()
		v, err := f.Get(ctx)
		if v != 42 || err != nil {
			t.Errorf("Get = %d, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set(7); !errors.Is(err, corio.ErrFutureSet) {
		t.Fatalf("second Set = %v", err)
	}
	if v, _ := f.Get(context.Background()); v != 42 {
		t.Fatalf("value after a second Set = %d", v)
	}
}

func TestFutureFailAndWaiters(t *testing.T) {
	var r recorder
	var f corio.Future[string]
	err := run(t, func(ctx context.Context) error {
		for i := range 3 {
			corio.Spawn(ctx, func(ctx context.Context) error {
				_, err := f.Get(ctx)
				r.add("waiter %d: %v", i, err)
				return nil
			})
		}
		corio.Sleep(ctx, time.Second)
		if err := f.Fail(errBoom); err != nil {
			return err
		}
		return corio.Sleep(ctx, time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "waiter 0: boom", "waiter 1: boom", "waiter 2: boom")
	if err := f.Fail(nil); err == nil {
		t.Fatal("Fail(nil) accepted")
	}
}

func TestFutureFromPlainGoroutines(t *testing.T) {
	var f corio.Future[int]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context = %v", err)
	}
	go f.Set(5)
	if v, err := f.Get(context.Background()); v != 5 || err != nil {
		t.Fatalf("Get = %d, %v", v, err)
	}
	<-f.Done()
	if !f.IsSet() {
		t.Fatal("IsSet = false after Set")
	}
}

func TestFutureWaitTimesOut(t *testing.T) {
	var f corio.Future[int]
	err := run(t, func(ctx context.Context) error {
		start := corio.Now(ctx)
		tctx, cancel := corio.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := f.Wait(tctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait = %v", err)
		}
		if d := elapsed(ctx, start); d != 3*time.Second {
			t.Errorf("waited %v", d)
		}
		// The timed-out waiter is gone: setting wakes nobody and a new
		// wait succeeds at once.
		f.Set(1)
		return f.Wait(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSemaphoreFIFOAndHandOff(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		s := corio.NewSemaphore(1)
		if !s.TryAcquire() || s.TryAcquire() {
			t.Error("TryAcquire of one permit")
		}
		var tasks []corio.Joinable
		for i := range 3 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				if err := s.Acquire(ctx); err != nil {
					return err
				}
				r.add("task %d has it", i)
				corio.Sleep(ctx, time.Second)
				return s.Release()
			}))
		}
		corio.Sleep(ctx, 0)
		// The permit freed now goes to task 0, not to a TryAcquire.
		s.Release()
		if s.TryAcquire() {
			t.Error("TryAcquire barged past waiting tasks")
		}
		if err := corio.JoinAll(ctx, tasks...); err != nil {
			return err
		}
		r.add("available %d", s.Available())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "task 0 has it", "task 1 has it", "task 2 has it", "available 1")
}

func TestSemaphoreCancelledWaiterIsSkipped(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		s := corio.NewSemaphore(0)
		impatient := corio.Spawn(ctx, func(ctx context.Context) error {
			tctx, cancel := corio.WithTimeout(ctx, time.Second)
			defer cancel()
			return s.Acquire(tctx)
		})
		patient := corio.Spawn(ctx, func(ctx context.Context) error {
			err := s.Acquire(ctx)
			r.add("patient: %v", err)
			return err
		})
		corio.Sleep(ctx, 2*time.Second)
		s.Release()
		if err := patient.Join(ctx); err != nil {
			return err
		}
		r.add("impatient: %v", impatient.Err())
		r.add("available %d", s.Available())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "patient: <nil>", "impatient: context deadline exceeded", "available 0")
}

func TestBoundedSemaphoreOverRelease(t *testing.T) {
	s := corio.NewBoundedSemaphore(2)
	if err := s.Release(); !errors.Is(err, corio.ErrOverRelease) {
		t.Fatalf("Release of a full bounded semaphore = %v", err)
	}
	if !s.TryAcquire() || s.Release() != nil || s.Available() != 2 {
		t.Fatal("acquire and release")
	}
	if err := corio.NewSemaphore(1).Release(); err != nil {
		t.Fatalf("unbounded Release = %v", err)
	}
	for _, bad := range []func(){
		func() { corio.NewSemaphore(-1) },
		func() { corio.NewBoundedSemaphore(0) },
	} {
		if !panics(bad) {
			t.Error("bad count accepted")
		}
	}
}

func panics(fn func()) (did bool) {
	defer func() { did = recover() != nil }()
	fn()
	return false
}

func TestMutex(t *testing.T) {
	var r recorder
	var m corio.Mutex
	err := run(t, func(ctx context.Context) error {
		var tasks []corio.Joinable
		for i := range 3 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				if err := m.Lock(ctx); err != nil {
					return err
				}
				defer m.Unlock()
				r.add("in %d", i)
				corio.Sleep(ctx, time.Second) // nobody else enters meanwhile
				r.add("out %d", i)
				return nil
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "in 0", "out 0", "in 1", "out 1", "in 2", "out 2")
	if m.Locked() || !m.TryLock() || m.TryLock() {
		t.Fatal("lock state")
	}
	m.Unlock()
	if !panics(m.Unlock) {
		t.Fatal("Unlock of an unlocked mutex did not panic")
	}
}

func TestQueueOrders(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    *corio.Queue[int]
		want []int
	}{
		{"fifo", corio.NewQueue[int](0), []int{3, 1, 2}},
		{"lifo", corio.NewLIFOQueue[int](0), []int{2, 1, 3}},
		{"priority", corio.NewPriorityQueue(0, func(a, b int) bool { return a < b }), []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(t, func(ctx context.Context) error {
				for _, v := range []int{3, 1, 2} {
					if err := tc.q.Put(ctx, v); err != nil {
						return err
					}
				}
				var got []int
				for tc.q.Len() > 0 {
					v, err := tc.q.Get(ctx)
					if err != nil {
						return err
					}
					got = append(got, v)
				}
				if !equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPriorityQueueManyItems(t *testing.T) {
	q := corio.NewPriorityQueue(0, func(a, b int) bool { return a > b })
	for i := range 100 {
		q.TryPut(i * 37 % 100)
	}
	for want := 99; want >= 0; want-- {
		if v, err := q.TryGet(); v != want || err != nil {
			t.Fatalf("TryGet = %d, %v; want %d", v, err, want)
		}
	}
}

func TestBoundedQueue(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		q := corio.NewQueue[int](2)
		producer := corio.Spawn(ctx, func(ctx context.Context) error {
			for i := range 5 {
				if err := q.Put(ctx, i); err != nil {
					return err
				}
				r.add("put %d", i)
			}
			return nil
		})
		corio.Sleep(ctx, time.Second)
		r.add("len %d", q.Len())
		if err := q.TryPut(9); !errors.Is(err, corio.ErrQueueFull) {
			t.Errorf("TryPut to a full queue = %v", err)
		}
		for range 5 {
			v, err := q.Get(ctx)
			if err != nil {
				return err
			}
			r.add("got %d", v)
		}
		if _, err := q.TryGet(); !errors.Is(err, corio.ErrQueueEmpty) {
			t.Errorf("TryGet of an empty queue = %v", err)
		}
		return producer.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "put 0", "put 1", "len 2",
		"got 0", "got 1", "put 2", "put 3", "got 2", "got 3", "put 4", "got 4")
}

func TestQueueCancelledGetterLosesNothing(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		q := corio.NewQueue[string](0)
		getter := func(name string, d time.Duration) *corio.Task[string] {
			return corio.SpawnValue(ctx, func(ctx context.Context) (string, error) {
				if d > 0 {
					var cancel context.CancelFunc
					ctx, cancel = corio.WithTimeout(ctx, d)
					defer cancel()
				}
				v, err := q.Get(ctx)
				r.add("%s: %q %v", name, v, err)
				return v, err
			})
		}
		getter("a", time.Second) // gives up before anything comes
		b := getter("b", 0)
		c := getter("c", 0)
		corio.Sleep(ctx, 2*time.Second)
		q.Put(ctx, "x") // set aside for b
		b.Kill()        // b is woken already: it still takes "x"
		q.Put(ctx, "y")
		return corio.JoinAll(ctx, b, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, `a: "" context deadline exceeded`, `b: "x" <nil>`, `c: "y" <nil>`)
}

func TestQueueClose(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		q := corio.NewQueue[int](1)
		q.Put(ctx, 1)
		putter := corio.Spawn(ctx, func(ctx context.Context) error { return q.Put(ctx, 2) })
		corio.Sleep(ctx, 0)
		q.Close()
		q.Close()
		r.add("putter: %v", putter.Join(ctx))
		r.add("put after close: %v", q.Put(ctx, 3))
		r.add("try put after close: %v", q.TryPut(3))
		for range 2 {
			v, err := q.Get(ctx)
			r.add("get: %d %v", v, err)
		}
		_, err := q.TryGet()
		r.add("try get: %v", err)
		r.add("closed %v", q.Closed())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "putter: corio: queue is closed", "put after close: corio: queue is closed",
		"try put after close: corio: queue is closed", "get: 1 <nil>", "get: 0 corio: queue is closed",
		"try get: corio: queue is closed", "closed true")
}

func TestQueueCloseWakesGetters(t *testing.T) {
	err := run(t, func(ctx context.Context) error {
		q := corio.NewQueue[int](0)
		getter := corio.Spawn(ctx, func(ctx context.Context) error { _, err := q.Get(ctx); return err })
		corio.Sleep(ctx, 0)
		q.Close()
		if err := getter.Join(ctx); !errors.Is(err, corio.ErrQueueClosed) {
			t.Errorf("getter = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestQueueJoin(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		q := corio.NewQueue[int](0)
		if err := q.TaskDone(); !errors.Is(err, corio.ErrTaskDone) {
			t.Errorf("TaskDone of nothing = %v", err)
		}
		for i := range 3 {
			q.Put(ctx, i)
		}
		corio.Spawn(ctx, func(ctx context.Context) error {
			for {
				v, err := q.Get(ctx)
				if err != nil {
					return err
				}
				corio.Sleep(ctx, time.Second)
				r.add("done %d", v)
				q.TaskDone()
			}
		})
		r.add("unfinished %d", q.Unfinished())
		if err := q.Join(ctx); err != nil {
			return err
		}
		r.add("joined at %v", elapsed(ctx, t0))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "unfinished 3", "done 0", "done 1", "done 2", "joined at 3s")
}

func TestChannel(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		var c corio.Channel[int]
		sender := corio.Spawn(ctx, func(ctx context.Context) error {
			for i := range 3 {
				if err := c.Send(ctx, i); err != nil {
					return err
				}
				r.add("sent %d", i)
			}
			c.Close()
			return nil
		})
		for {
			corio.Sleep(ctx, time.Second)
			v, err := c.Recv(ctx)
			if err != nil {
				r.add("recv: %v", err)
				break
			}
			r.add("recv %d", v)
		}
		if err := c.Send(ctx, 9); !errors.Is(err, corio.ErrChannelClosed) {
			t.Errorf("Send on a closed channel = %v", err)
		}
		return sender.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "recv 0", "sent 0", "recv 1", "sent 1", "recv 2", "sent 2", "recv: corio: channel is closed")
}

func TestChannelCancelledSenderWithdraws(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		var c corio.Channel[string]
		send := func(v string, d time.Duration) *corio.Task[struct{}] {
			return corio.Spawn(ctx, func(ctx context.Context) error {
				tctx, cancel := corio.WithTimeout(ctx, d)
				defer cancel()
				err := c.Send(tctx, v)
				r.add("send %s: %v", v, err)
				return nil
			})
		}
		send("early", time.Second)
		send("late", time.Hour)
		corio.Sleep(ctx, 2*time.Second)
		v, err := c.Recv(ctx)
		r.add("recv %s %v", v, err)
		corio.Sleep(ctx, 0)
		// A receiver that waits gets the next value directly.
		recv := corio.SpawnValue(ctx, func(ctx context.Context) (string, error) { return c.Recv(ctx) })
		corio.Sleep(ctx, 0)
		if err := c.Send(ctx, "direct"); err != nil {
			return err
		}
		v, err = recv.Get(ctx)
		r.add("recv %s %v", v, err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "send early: context deadline exceeded", "recv late <nil>", "send late: <nil>", "recv direct <nil>")
}
