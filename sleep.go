package corio

import (
	"context"
	"fmt"
	"time"
)

// Sleep suspends the calling task for d on the hub's clock, letting the
// others run (gevent.sleep). Sleep(ctx, 0) only yields: the task goes to
// the back of the ready queue. It returns ctx's error if ctx ends first,
// or at once if it already has.
//
// The ready queue's order is the hub's own, not a promise: under Seed, a
// task that yields may run again before the others, and tasks whose
// sleeps end at the same instant wake in an order the seed picks. A
// program that needs one task to act before another says so with a
// primitive (an Event, a Queue), whose orders hold under any seed.
func Sleep(ctx context.Context, d time.Duration) error {
	t, err := running(ctx)
	if err != nil {
		return err
	}
	if err := t.interrupted(ctx); err != nil {
		return err
	}
	h := t.hub
	if d > 0 {
		h.timers.push(&t.timer, h.clock.read()+int64(d))
		return t.park(ctx, "sleep")
	}
	// Yield, written out here rather than through yield: a frame between
	// the call and the switch costs every Sleep(ctx, 0) a mispredicted
	// return.
	h.settle() // a task killed just before runs before this one
	if h.control != nil {
		h.control.yielded(t)
	}
	t.state = TaskReady
	h.ready.pushBack(t)
	t.fiber.Switch(h.pickNext())
	return t.interrupted(ctx)
}

// yield sends the running task t to the back of the ready queue and
// switches to the next task. A task killed just before runs before t: the
// hub applies the kill first (settle).
func (t *task) yield() {
	h := t.hub
	h.settle()
	if h.control != nil {
		h.control.yielded(t)
	}
	t.state = TaskReady
	h.ready.pushBack(t)
	t.fiber.Switch(h.pickNext())
}

// ErrTimeout is the error of Timeout when time runs out; it wraps
// context.DeadlineExceeded.
var ErrTimeout = fmt.Errorf("corio: timeout: %w", context.DeadlineExceeded)

// Timeout runs fn with a context that ends after d on the hub's clock
// (gevent's with_timeout). If the time runs out, Timeout returns an error
// wrapping ErrTimeout (and so context.DeadlineExceeded) and fn's own
// error; otherwise what fn returned.
func Timeout[T any](ctx context.Context, d time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	tctx, cancel := WithTimeout(ctx, d)
	defer cancel()
	v, err := fn(tctx)
	if tctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		var zero T
		if err == nil {
			return zero, fmt.Errorf("%w after %v", ErrTimeout, d)
		}
		return zero, fmt.Errorf("%w after %v: %w", ErrTimeout, d, err)
	}
	return v, err
}
