package corio

import "context"

// An Event is a flag that tasks wait to be set (gevent's Event): Wait
// returns when it is set, at once if it is. Set wakes every waiter, in the
// order they came. The zero Event is clear and ready to use. An Event
// belongs to one hub: its methods are called from that hub's tasks (Set
// and Clear also from its callbacks). To signal a hub from another
// goroutine, use a Future.
type Event struct {
	set     bool
	waiters taskList
}

// Set sets the flag and wakes every waiting task.
func (e *Event) Set() {
	e.set = true
	e.waiters.wakeAll(nil)
}

// Clear clears the flag: later Waits wait again.
func (e *Event) Clear() { e.set = false }

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool { return e.set }

// Wait waits until the flag is set, or returns ctx's error (or the task's,
// if it is killed) if that comes first.
func (e *Event) Wait(ctx context.Context) error {
	if e.set {
		return nil
	}
	t, err := running(ctx)
	if err != nil {
		return err
	}
	return t.waitIn(ctx, &e.waiters, "event")
}
