package corio

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrFutureSet reports a second Set or Fail of a Future.
var ErrFutureSet = errors.New("corio: future already set")

// A Future is a value or an error that will be set once (gevent's
// AsyncResult). Unlike the other primitives it is safe for use from any
// goroutine: tasks of any hub wait on it cooperatively, plain goroutines
// block on it, and anyone may set it. While a task waits on a Future, its
// hub counts the Future as something that can still wake it, so such a wait
// is never reported as a deadlock. The zero Future is unset and ready to
// use; it must not be copied after first use.
type Future[T any] struct {
	mu      sync.Mutex
	set     atomic.Bool
	value   T
	err     error
	waiters []futureWaiter
	done    chan struct{} // made on demand by Done
}

// futureWaiter is a task parked on a Future, with the number of the wait,
// so that a wake-up that comes after the wait has ended does nothing.
type futureWaiter struct {
	t   *task
	seq uint64
}

// Set sets the value and wakes every waiter. It returns ErrFutureSet if
// the future was already set (the first value stays).
func (f *Future[T]) Set(v T) error { return f.complete(v, nil) }

// Fail sets an error instead of a value: Get and Wait return it.
func (f *Future[T]) Fail(err error) error {
	if err == nil {
		return errors.New("corio: Future.Fail with a nil error")
	}
	var zero T
	return f.complete(zero, err)
}

func (f *Future[T]) complete(v T, err error) error {
	f.mu.Lock()
	if f.set.Load() {
		f.mu.Unlock()
		return ErrFutureSet
	}
	f.value, f.err = v, err
	f.set.Store(true)
	waiters := f.waiters
	f.waiters = nil
	if f.done != nil {
		close(f.done)
	}
	f.mu.Unlock()
	// The waiters' hubs may run on other goroutines: each wake-up goes
	// through its hub's inbox.
	for _, w := range waiters {
		h, t, seq := w.t.hub, w.t, w.seq
		h.submit(func() {
			if t.seq == seq {
				h.wakeChecked(t, nil)
			}
		})
	}
	return nil
}

// IsSet reports whether the future has a value or an error (gevent's
// ready()).
func (f *Future[T]) IsSet() bool { return f.set.Load() }

// Done returns a channel closed when the future is set, for select.
func (f *Future[T]) Done() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		f.done = make(chan struct{})
		if f.set.Load() {
			close(f.done)
		}
	}
	return f.done
}

// Get waits until the future is set and returns its value and error, or
// the zero T and ctx's error if ctx ends first. Called with a context of a
// running task it waits cooperatively; with any other context it blocks
// the calling goroutine.
func (f *Future[T]) Get(ctx context.Context) (T, error) {
	if err := f.Wait(ctx); err != nil {
		var zero T
		return zero, err
	}
	return f.value, f.err
}

// Wait waits like Get but returns only ctx's error: nil once the future
// is set, whether with a value or an error.
func (f *Future[T]) Wait(ctx context.Context) error {
	if f.set.Load() {
		return nil
	}
	t, err := running(ctx)
	if err != nil {
		if errors.Is(err, ErrNoTask) && hubOf(ctx) == nil {
			return f.block(ctx)
		}
		return err
	}
	if err := t.interrupted(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	if f.set.Load() {
		f.mu.Unlock()
		return nil
	}
	f.waiters = append(f.waiters, futureWaiter{t, t.seq + 1}) // park counts this wait
	f.mu.Unlock()
	h := t.hub
	h.refs++
	err = t.park(ctx, "future")
	h.refs--
	if err != nil {
		f.removeWaiter(t)
	}
	return err
}

func (f *Future[T]) removeWaiter(t *task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, w := range f.waiters {
		if w.t == t {
			f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
			return
		}
	}
}

// block waits on a goroutine that is not a task.
func (f *Future[T]) block(ctx context.Context) error {
	select {
	case <-f.Done():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
