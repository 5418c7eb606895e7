package corio

import "context"

// A Hub is a handle on a running hub that other goroutines may use: to
// run a function on the hub, or to spawn a task on it. Get one with HubOf
// from a task. Its methods are safe from any goroutine; once Run has
// returned they fail with ErrHubClosed.
//
// Holding a Hub does not keep Run from reporting a deadlock: a task that
// waits for work from other goroutines should wait on something they
// complete, such as a Future.
type Hub struct{ h *hub }

// HubOf returns the hub of ctx, or nil if ctx belongs to no hub. A hub
// has one handle: tasks of the same hub get the same pointer.
func HubOf(ctx context.Context) *Hub {
	h := hubOf(ctx)
	if h == nil {
		return nil
	}
	return &h.handle
}

// Submit runs fn on the hub's goroutine, soon, outside any task (gevent's
// run_callback made thread-safe): fn must not wait, but it may spawn,
// given the hub's context. A panic in fn ends Run with a *PanicError. It
// returns ErrHubClosed if the hub has ended.
func (hb *Hub) Submit(fn func(ctx context.Context)) error {
	h := hb.h
	if !h.submit(func() { fn(&h.main.ctx) }) {
		return ErrHubClosed
	}
	return nil
}

// OnExit registers fn to run on the hub's goroutine when Run ends, after
// every task has ended and before the descriptors still registered are
// closed: a library that keeps state per hub (a connection pool) drops it
// there. Functions run in the order registered; they must not wait. It
// returns ErrHubClosed if Run has ended (fn is not called).
func (hb *Hub) OnExit(fn func()) error {
	if !hb.h.inbox.postAtExit(fn) {
		return ErrHubClosed
	}
	return nil
}

// Spawn starts fn as a task of the hub from any goroutine. The task's
// context is a child of the main task's (so the task ends with Run at the
// latest). The returned Future is set with the task's error when it ends.
func (hb *Hub) Spawn(fn func(ctx context.Context) error, opts ...SpawnOption) (*Future[struct{}], error) {
	return SpawnOn(hb, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }, opts...)
}

// SpawnOn is Hub.Spawn for a function with a result: the Future is set
// with the task's value and error.
func SpawnOn[T any](hb *Hub, fn func(ctx context.Context) (T, error), opts ...SpawnOption) (*Future[T], error) {
	f := &Future[T]{}
	h := hb.h
	ok := h.submit(func() {
		t := &Task[T]{}
		h.spawn(&t.task, &h.main.ctx, nil, t.valueOf(fn), config(fn, opts))
		t.OnDone(func() {
			if t.err != nil {
				f.Fail(t.err)
			} else {
				f.Set(t.value)
			}
		})
	})
	if !ok {
		return nil, ErrHubClosed
	}
	return f, nil
}
