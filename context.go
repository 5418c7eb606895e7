package corio

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// hctx is a context whose cancellation the hub sees directly, with no
// goroutine: a task's own context and those WithCancel and WithTimeout make
// under it. Cancelling one wakes at once the tasks waiting with it or with
// a context below it.
//
// Err, Done, Deadline, Value and AfterFunc are safe from any goroutine, as
// the context contract says: what they read is set when the context is
// made, or atomic. The rest (the tree of children, the waiting tasks) is
// the hub's and is touched on the hub's goroutine only; a cancellation
// sets the error at once, from whichever goroutine makes it, and the hub
// does the rest at its next step (see hub.settle), before anything is
// handed to a waiter (see taskList.wakeFirst).
type hctx struct {
	// Set when the context is made, never changed after: other goroutines
	// follow them (Err walks up).
	parent context.Context
	up     *hctx // the nearest hctx above, if parent leads to one
	task   *task // the task this context belongs to (and through it, the hub)

	err   atomic.Pointer[error]         // set once, by the first cancellation
	done  atomic.Pointer[chan struct{}] // made on demand by Done
	after atomic.Pointer[afterFuncs]    // made on demand by AfterFunc

	deadline int64  // hub clock; noDeadline if none
	timer    *timer // the deadline's timer, for contexts made by WithTimeout

	children         ctxList // contexts made below this one
	prevSib, nextSib *hctx
	waiters          taskList      // tasks waiting with this context
	foreign          *foreignWatch // the watch on a foreign parent, if any
}

// noDeadline is the deadline of a context that has none.
const noDeadline = math.MaxInt64

// timeoutCtx is a context made by WithTimeout: the context and its timer in
// one allocation (a task's own context needs no timer).
type timeoutCtx struct {
	hctx
	t timer
}

type hctxKey struct{}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// initCtx makes c, a zero hctx, a context under parent for task t. A
// parent that is not one of the hub's is watched with context.AfterFunc.
func (h *hub) initCtx(c *hctx, parent context.Context, t *task) {
	h.initCtxUnder(c, parent, t, nearestHctx(parent))
}

// initCtxUnder is initCtx with parent's nearest hub context (nil if none)
// already found: finding it asks parent for a value, through every
// context between.
func (h *hub) initCtxUnder(c *hctx, parent context.Context, t *task, up *hctx) {
	c.parent, c.task = parent, t
	c.deadline = noDeadline
	if up != nil {
		c.up = up
		c.deadline = up.deadline
		if err := up.Err(); err != nil {
			c.cancelOnHub(err)
			return
		}
		up.children.push(c)
		return
	}
	if d, ok := parent.Deadline(); ok {
		c.deadline = h.clock.fromWall(d)
	}
	if err := parent.Err(); err != nil {
		c.cancelOnHub(err)
		return
	}
	if parent.Done() != nil {
		c.foreign = h.watchForeign(parent)
		c.foreign.stop = context.AfterFunc(parent, func() {
			c.cancelFromAnywhere(parent.Err())
		})
	}
}

// nearestHctx finds the hub context that ctx is, or that ctx only wraps
// with values (same Done channel).
func nearestHctx(ctx context.Context) *hctx {
	if c, ok := ctx.(*hctx); ok {
		return c
	}
	c, ok := ctx.Value(hctxKey{}).(*hctx)
	if !ok {
		return nil
	}
	if ctx.Done() != c.Done() {
		return nil // something between cancels on its own
	}
	return c
}

func (c *hctx) Deadline() (time.Time, bool) {
	if c.deadline == noDeadline {
		return time.Time{}, false
	}
	return c.task.hub.clock.wall(c.deadline), true
}

func (c *hctx) Done() <-chan struct{} {
	if d := c.done.Load(); d != nil {
		return *d
	}
	if c.Err() != nil {
		c.done.CompareAndSwap(nil, &closedChan)
		return *c.done.Load()
	}
	d := make(chan struct{})
	if !c.done.CompareAndSwap(nil, &d) {
		return *c.done.Load()
	}
	// A cancellation between the check above and the store found no
	// channel to close: close it here (closeDone does it once).
	if c.Err() != nil {
		c.closeDone()
	}
	return d
}

// Err is the first cancellation of this context or of a hub context above
// it: a cancellation is seen at once, before the hub has woken anyone.
func (c *hctx) Err() error {
	for x := c; x != nil; x = x.up {
		if p := x.err.Load(); p != nil {
			return *p
		}
	}
	return nil
}

func (c *hctx) Value(key any) any {
	switch key.(type) {
	case hctxKey:
		return c
	case taskKey:
		return c.task
	}
	return c.parent.Value(key)
}

func (c *hctx) String() string { return "corio.taskContext" }

// closeDone closes the Done channel if one was made, once: a context
// cancelled before anyone asked for Done gets the shared closed channel.
func (c *hctx) closeDone() {
	if c.done.CompareAndSwap(nil, &closedChan) {
		return
	}
	d := c.done.Load()
	if *d != closedChan && c.done.CompareAndSwap(d, &closedChan) {
		close(*d)
	}
}

// markCancelled sets err if no error is set yet, closes Done and calls
// the functions AfterFunc registered.
func (c *hctx) markCancelled(err error) bool {
	var p *error
	switch err { // the usual errors need no allocation of their own
	case context.Canceled:
		p = &errCanceled
	case context.DeadlineExceeded:
		p = &errDeadlineExceeded
	default:
		e := err
		p = &e
	}
	if !c.err.CompareAndSwap(nil, p) {
		return false
	}
	c.closeDone()
	if a := c.after.Load(); a != nil {
		a.fire()
	}
	return true
}

// errCanceled and errDeadlineExceeded are the usual cancellations, for
// the error pointer a cancelled hctx holds. Never assigned.
var errCanceled, errDeadlineExceeded error = context.Canceled, context.DeadlineExceeded

// cancelFromAnywhere cancels c from any goroutine: the error is visible at
// once, the waking is done by the hub at its next step.
func (c *hctx) cancelFromAnywhere(err error) {
	if c.markCancelled(err) {
		c.task.hub.queueCancel(c)
	}
}

// cancelOnHub cancels c on the hub's goroutine, waking its waiters now.
func (c *hctx) cancelOnHub(err error) {
	c.markCancelled(err)
	c.propagate()
}

// propagate does, on the hub, what a cancellation does beyond setting the
// error: wake the tasks waiting with c, cancel the contexts below, stop the
// deadline timer and the foreign watch, and leave the parent's list. It
// may run more than once for a context (cancelled from anywhere, then by
// its parent on the hub): the second run finds nothing left to do.
func (c *hctx) propagate() {
	err := c.Err()
	if c.timer != nil {
		c.task.hub.timers.remove(c.timer)
	}
	c.stopWatchingForeign()
	for t := c.waiters.first(); t != nil; t = c.waiters.first() {
		c.task.hub.wake(t, err)
	}
	for child := c.children.first(); child != nil; child = c.children.first() {
		c.children.remove(child)
		child.markCancelled(err) // its error is now its own (up stays: others may be reading it)
		child.propagate()
	}
	if up := c.up; up != nil {
		up.children.remove(c)
		// A task that ended while this context's cancellation was on its
		// way (a cancel func called just before it returned) left its own
		// context listed under its parent; the last child leaving takes
		// it out, or every such task would stay reachable.
		if t := up.task; &t.ctx == up && t.state == TaskDone && up.children.empty() {
			up.detach()
		}
	}
}

// stopWatchingForeign stops watching a foreign parent.
func (c *hctx) stopWatchingForeign() {
	if c.foreign != nil {
		c.foreign.stop()
		c.task.hub.unwatchForeign(c.foreign)
		c.foreign = nil
	}
}

// detach takes a context that is no longer needed out of its parent's
// list without cancelling anything below it. Used when a task ends: its
// context stays valid (not cancelled) for tasks it spawned.
func (c *hctx) detach() {
	c.stopWatchingForeign()
	if c.up != nil && c.children.empty() {
		c.up.children.remove(c)
	}
}

// ctxList is an intrusive list of contexts.
type ctxList struct{ head *hctx }

func (l *ctxList) first() *hctx { return l.head }
func (l *ctxList) empty() bool  { return l.head == nil }

func (l *ctxList) push(c *hctx) {
	c.prevSib, c.nextSib = nil, l.head
	if l.head != nil {
		l.head.prevSib = c
	}
	l.head = c
}

func (l *ctxList) remove(c *hctx) {
	if c.prevSib != nil {
		c.prevSib.nextSib = c.nextSib
	} else if l.head == c {
		l.head = c.nextSib
	} else {
		return // not in the list
	}
	if c.nextSib != nil {
		c.nextSib.prevSib = c.prevSib
	}
	c.prevSib, c.nextSib = nil, nil
}

// WithCancel returns a copy of parent that is cancelled when cancel is
// called or parent is. Under a hub, prefer it to context.WithCancel: the
// hub sees its cancellation directly instead of through a goroutine. A
// parent of the standard library made in the running task (one with its
// own deadline, say) gives a hub context too, which watches that parent
// once for all the waits made with it; cancel must then be called, as
// always, to stop watching. Outside a hub it is context.WithCancel.
func WithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	t, up := homeTaskUnder(parent)
	if t == nil {
		return context.WithCancel(parent)
	}
	c := &hctx{}
	t.hub.initCtxUnder(c, parent, t, up)
	return c, func() { c.cancelFromAnywhere(context.Canceled) }
}

// WithTimeout returns a copy of parent that is cancelled with
// context.DeadlineExceeded after d on the hub's clock (virtual time too),
// or when cancel is called, or when parent is. Outside a hub it is
// context.WithTimeout.
func WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	t, up := homeTaskUnder(parent)
	if t == nil {
		return context.WithTimeout(parent, d)
	}
	h := t.hub
	tc := &timeoutCtx{}
	c := &tc.hctx
	h.initCtxUnder(c, parent, t, up)
	when := h.clock.read() + int64(d)
	if when < c.deadline {
		c.deadline = when
		if c.Err() == nil {
			if d <= 0 {
				c.cancelOnHub(context.DeadlineExceeded)
			} else {
				tc.t.target = c
				c.timer = &tc.t
				h.timers.push(c.timer, when)
			}
		}
	}
	return c, func() { c.cancelFromAnywhere(context.Canceled) }
}

// WithDeadline is WithTimeout until the time d.
func WithDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	t := homeTask(parent)
	if t == nil {
		return context.WithDeadline(parent, d)
	}
	return WithTimeout(parent, time.Duration(t.hub.clock.fromWall(d)-t.hub.clock.read()))
}

// homeTask is the task a context made under parent belongs to: that of
// the nearest hub context, or, for a context of the standard library made
// inside a task (http.Client's deadline, say), that task if it is the one
// running, so that its waits watch one hub context instead of registering
// with the foreign one each time. Nil means parent is not the hub's.
func homeTask(parent context.Context) *task {
	t, _ := homeTaskUnder(parent)
	return t
}

// homeTaskUnder is homeTask, with the nearest hub context it found (nil
// when the task is the running one, under a foreign parent).
func homeTaskUnder(parent context.Context) (*task, *hctx) {
	if up := nearestHctx(parent); up != nil {
		return up.task, up
	}
	if t, err := running(parent); err == nil {
		return t, nil
	}
	return nil, nil
}
