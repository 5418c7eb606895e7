package corio

import (
	"context"
	"fmt"
	"time"
)

// The waits below are written flat on purpose: every frame between a
// task's call and the fiber switch costs a mispredicted return when the
// task wakes, so the hot paths call Fiber.Switch from the function the
// user called, or one below it.

// interrupted is the error a wait of t with ctx must return at once:
// ctx's error. A killed task fails every wait made with its own context
// or one made from it, and keeps doing so; a wait with a context that
// does not descend from it (context.WithoutCancel, for clean-up) waits.
// Its common case is inlined.
func (t *task) interrupted(ctx context.Context) error {
	if ctx == context.Context(&t.ctx) && t.ctx.Err() == nil {
		return nil
	}
	return t.interruptedSlow(ctx)
}

func (t *task) interruptedSlow(ctx context.Context) error {
	// A cancellation the hub has not applied yet may be what ends a
	// context of the standard library made from a hub context: apply it.
	t.hub.settle()
	err := ctx.Err()
	if err != nil && t.hub.stopping {
		// The hub is ending: give it control even on a failed wait, so
		// that a task looping on failed waits cannot keep it forever.
		t.state = TaskReady
		t.hub.ready.pushBack(t)
		t.fiber.Switch(t.hub.pickNext())
	}
	return err
}

// waitIn parks t in list until someone wakes it, ctx ends or t is killed,
// and returns why the wait ended (nil, or a context's error, or what the
// waker passed).
func (t *task) waitIn(ctx context.Context, list *taskList, what string) error {
	if err := t.interrupted(ctx); err != nil {
		return err
	}
	list.pushWait(t)
	c, ok := ctx.(*hctx)
	if !ok {
		return t.park(ctx, what)
	}
	t.waitsOn = what
	t.seq++
	t.waitCtx = c
	c.waiters.pushCtx(t)
	t.state = TaskWaiting
	t.fiber.Switch(t.hub.pickNext())
	err := t.wakeErr
	t.wakeErr = nil
	return err
}

// park suspends t until it is woken, watching ctx and t's own context, and
// returns why the wait ended. t must be the running task and have put
// itself wherever its waker will find it.
func (t *task) park(ctx context.Context, what string) error {
	t.waitsOn = what
	t.seq++
	c := nearestHctx(ctx)
	if c != nil {
		t.waitCtx = c
		c.waiters.pushCtx(t)
	} else if ctx.Done() != nil {
		return t.parkForeign(ctx)
	}
	t.state = TaskWaiting
	t.fiber.Switch(t.hub.pickNext())
	err := t.wakeErr
	t.wakeErr = nil
	return err
}

// parkForeign is park with a context the hub does not know: its
// cancellation is watched with context.AfterFunc and comes to the hub
// through submit.
func (t *task) parkForeign(ctx context.Context) error {
	h := t.hub
	if h.seeded() {
		if d, ok := ctx.Deadline(); ok {
			h.unhook(t) // out of what the caller put it in
			return nondeterministic("a wait", fmt.Sprintf("its context has a deadline of package context (%v), on the real clock: use corio.WithTimeout", d.Format(time.RFC3339Nano)))
		}
	}
	seq := t.seq
	w := h.watchForeign(ctx)
	stop := context.AfterFunc(ctx, func() {
		h.submit(func() {
			if t.seq == seq {
				h.wake(t, ctx.Err())
			}
		})
	})
	defer func() {
		stop()
		h.unwatchForeign(w)
	}()
	t.state = TaskWaiting
	t.fiber.Switch(h.pickNext())
	err := t.wakeErr
	t.wakeErr = nil
	return err
}

// A foreignWatch is a context from outside the hub whose cancellation the
// hub waits for, through context.AfterFunc and the inbox.
type foreignWatch struct {
	ctx  context.Context
	stop func() bool // the context.AfterFunc's stop, when a context watches it
}

func (h *hub) watchForeign(ctx context.Context) *foreignWatch {
	w := &foreignWatch{ctx: ctx}
	h.foreign = append(h.foreign, w)
	return w
}

func (h *hub) unwatchForeign(w *foreignWatch) {
	for i, x := range h.foreign {
		if x == w {
			last := len(h.foreign) - 1
			h.foreign[i] = h.foreign[last]
			h.foreign[last] = nil
			h.foreign = h.foreign[:last]
			return
		}
	}
}

// foreignEnded reports whether a watched foreign context has ended, so
// that the news is on its way to the hub.
func (h *hub) foreignEnded() bool {
	for _, w := range h.foreign {
		if w.ctx.Err() != nil {
			return true
		}
	}
	return false
}
