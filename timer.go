package corio

import (
	"context"
	"time"
)

// A Timer calls a function on the hub when it is due (gevent's
// loop.timer). Make one with AfterFunc.
type Timer struct {
	t   timer
	hub *hub
}

// AfterFunc calls fn on the hub of ctx after d on the hub's clock,
// outside any task (fn must not wait; it may spawn; a panic in it ends Run
// with a *PanicError). It must be called on
// the hub's goroutine; with a context of no hub, or a nil fn, it panics
// (programming errors).
func AfterFunc(ctx context.Context, d time.Duration, fn func()) *Timer {
	h := hubOf(ctx)
	if h == nil {
		panic("corio: AfterFunc with a context of no hub")
	}
	if fn == nil {
		panic("corio: AfterFunc with a nil function")
	}
	tm := &Timer{hub: h}
	tm.t.target = fn
	h.timers.push(&tm.t, h.clock.read()+int64(max(d, 0)))
	return tm
}

// Stop keeps the timer from firing and reports whether it was pending.
// It must be called on the timer's hub.
func (tm *Timer) Stop() bool {
	if !tm.t.pending() {
		return false
	}
	tm.hub.timers.remove(&tm.t)
	return true
}
