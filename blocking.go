package corio

import (
	"context"
	"sync"

	"github.com/corio-go/corio/internal/coro"
)

// DefaultBlockingLimit is how many offloaded calls of a hub run at once
// unless the BlockingLimit option says otherwise.
const DefaultBlockingLimit = 64

// BlockingLimit bounds how many calls Blocking runs at once for one hub;
// more wait their turn in order. A limit below 1 means the default.
func BlockingLimit(n int) Option {
	return func(c *runConfig) { c.blockingLimit = n }
}

// offload is a hub's pool for Blocking: each call gets a goroutine of its
// own (cheaper than keeping idle ones), at most limit at once.
type offload struct {
	limit   int
	running int
	queued  deque[func() bool] // calls waiting for their turn: start one, or skip it
	wg      sync.WaitGroup
}

// Blocking runs fn on a goroutine of its own, outside the hub, while the
// calling task waits cooperatively for its result (gevent's threadpool):
// for calls that block the goroutine they run on, such as cgo, file I/O or
// a library that blocks, which would otherwise stop every task of the hub.
// At most the hub's BlockingLimit calls run at once.
//
// fn gets a context that carries ctx's values and ends when ctx ends or the
// task is killed; it is not a task's context, so fn cannot make
// cooperative calls with it (they return ErrNoTask). If the wait ends
// first, Blocking returns ctx's error at once and fn's result is dropped
// when it comes; a call that has not started by then never starts. Run
// does not return while an offloaded call still runs. A panic in fn comes
// back as Blocking's error, a *PanicError with its value and stack.
func Blocking[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	t, err := running(ctx)
	if err != nil {
		return zero, err
	}
	if err := t.interrupted(ctx); err != nil {
		return zero, err
	}
	h := t.hub
	if h.seeded() {
		return zero, nondeterministic("corio.Blocking", "the call runs on another goroutine, at the kernel's pace")
	}
	var value T
	var ferr error
	seq := t.seq + 1 // the number park gives this wait
	start := func() {
		h.offload.running++
		h.offload.wg.Add(1)
		go func() {
			defer h.offload.wg.Done()
			v, err := callOffloaded(ctx, fn)
			h.submit(func() {
				value, ferr = v, err
				h.pending--
				h.offload.running--
				if t.seq == seq {
					// A cancellation that fn saw may still be on its way to
					// the hub (ctx's error shows before its waiters wake):
					// the wait ends with it, as documented, not with fn's
					// result.
					h.wake(t, ctx.Err())
				}
				h.startQueued()
			})
		}()
	}
	h.pending++
	if h.offload.running < h.offload.limit {
		start()
	} else {
		h.offload.queued.pushBack(func() bool {
			if t.seq != seq || t.state != TaskWaiting {
				h.pending-- // the wait ended before the call's turn came
				return false
			}
			start()
			return true
		})
	}
	if err := t.park(ctx, "blocking call"); err != nil {
		return zero, err
	}
	return value, ferr
}

// callOffloaded calls fn with an offloadContext; a panic in fn is its
// result as a *PanicError (on a goroutine of its own, it would end the
// process).
func callOffloaded[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = coro.NewPanicError(r)
		}
	}()
	return fn(offloadContext{ctx})
}

// startQueued starts queued calls while there is room.
func (h *hub) startQueued() {
	for h.offload.running < h.offload.limit && h.offload.queued.len() > 0 {
		h.offload.queued.popFront()()
	}
}

// waitOffloaded waits, at shutdown, for the offloaded calls still running.
func (h *hub) waitOffloaded() {
	for h.offload.running > 0 {
		h.offload.wg.Wait()
		h.drainInbox() // their completions
	}
}

// offloadContext is the context of an offloaded call: ctx's deadline,
// cancellation and values, without the hub, so that a cooperative call
// made with it on the offload goroutine fails with ErrNoTask instead of
// suspending a task from the wrong goroutine.
type offloadContext struct{ context.Context }

func (c offloadContext) Value(key any) any {
	switch key.(type) {
	case hctxKey, taskKey:
		return nil
	}
	return c.Context.Value(key)
}
