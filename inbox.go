package corio

import (
	"sync"
	"sync/atomic"

	"github.com/corio-go/corio/internal/poll"
)

// An inbox is what other goroutines hand a hub: functions to run on its
// goroutine (Hub.Submit, the results of offloaded calls, wake-ups from
// other hubs), contexts cancelled from anywhere whose waiters the hub
// must wake (Kill, a cancel function), and OnExit's functions. It is the
// one part of a hub that other goroutines touch, so everything it holds
// sits behind its own lock; the rest of the hub belongs to the hub's
// goroutine alone.
type inbox struct {
	poller *poll.Poller // woken when something comes while the hub sleeps

	mu      sync.Mutex // guards fns, cancels, atExit and closed
	fns     []func()
	cancels []*hctx
	atExit  []func()
	closed  bool

	// The slices last taken, kept for the next: the hub's own, which only
	// its goroutine touches (between a take and the next).
	spareFns     []func()
	spareCancels []*hctx

	// What the hub's loop checks at the cost of a load, without the lock:
	// functions are waiting (their number), cancellations are, and the
	// hub sleeps in its poller (so that a post wakes it).
	nFns           atomic.Int32
	cancelsPending atomic.Bool
	sleeping       atomic.Bool
}

// post queues fn to run on the hub's goroutine; it is safe from any
// goroutine. It reports false if the hub has closed.
func (b *inbox) post(fn func()) bool {
	if !b.lockOpen() {
		return false
	}
	b.fns = append(b.fns, fn)
	b.nFns.Store(int32(len(b.fns)))
	b.unlockAndWake()
	return true
}

// postCancel records, from any goroutine, that c has been cancelled and
// the hub must wake its waiters. It reports false if the hub has closed.
func (b *inbox) postCancel(c *hctx) bool {
	if !b.lockOpen() {
		return false
	}
	b.cancels = append(b.cancels, c)
	b.cancelsPending.Store(true)
	b.unlockAndWake()
	return true
}

// postAtExit registers fn to run when the hub closes. It reports false if
// the hub has closed.
func (b *inbox) postAtExit(fn func()) bool {
	if !b.lockOpen() {
		return false
	}
	b.atExit = append(b.atExit, fn)
	b.mu.Unlock()
	return true
}

// lockOpen takes the lock if the inbox is open, and reports whether it
// did.
func (b *inbox) lockOpen() bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	return true
}

// unlockAndWake lets the lock go and wakes the hub if it sleeps.
func (b *inbox) unlockAndWake() {
	b.mu.Unlock()
	if b.sleeping.Load() {
		b.poller.Wake()
	}
}

// hasFns reports whether functions wait; inlined into the hub's loop.
func (b *inbox) hasFns() bool { return b.nFns.Load() != 0 }

// incoming reports whether functions or cancellations wait.
func (b *inbox) incoming() bool { return b.nFns.Load() != 0 || b.cancelsPending.Load() }

// takeFns returns the functions waiting, for the hub to run; it gives the
// slice back with recycleFns.
func (b *inbox) takeFns() []func() {
	b.mu.Lock()
	fns := b.fns
	b.fns = b.spareFns[:0]
	b.nFns.Store(0)
	b.mu.Unlock()
	return fns
}

// recycleFns keeps a slice takeFns returned, its items cleared, for the
// next. Only the hub's goroutine calls it.
func (b *inbox) recycleFns(fns []func()) { b.spareFns = fns }

// takeCancels returns the cancellations waiting; the hub gives the slice
// back with recycleCancels.
func (b *inbox) takeCancels() []*hctx {
	b.mu.Lock()
	cs := b.cancels
	b.cancels = b.spareCancels[:0]
	b.cancelsPending.Store(false)
	b.mu.Unlock()
	return cs
}

func (b *inbox) recycleCancels(cs []*hctx) { b.spareCancels = cs }

// close closes the inbox, and returns the functions posted before it did
// (still to run) and OnExit's; nothing is taken after.
func (b *inbox) close() (leftovers, atExit []func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	leftovers, b.fns = b.fns, nil
	b.nFns.Store(0)
	return leftovers, b.atExit
}
