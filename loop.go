package corio

import (
	"context"
	"runtime"
	"time"
)

// loop runs the hub until the main task ends: ready tasks in FIFO order,
// then what other goroutines submitted, then due timers, then a wait for
// I/O, wake-ups or the next timer. It returns a *DeadlockError if the main
// task waits while nothing can wake it.
func (h *hub) loop() error {
	for {
		if h.steps++; h.steps%shareCheckSteps == 0 {
			h.shareThread()
		}
		// Run the tasks ready now; those they make ready run next round,
		// after timers and I/O have had their turn.
		h.runRound()
		if h.main.state == TaskDone || h.callbackPanic != nil {
			return nil
		}
		h.settle()
		if h.inbox.hasFns() {
			h.drainInbox()
		}
		h.fireTimers()
		if h.callbackPanic != nil {
			return nil
		}
		if h.ready.len() > 0 {
			if h.ioWaits > 0 { // I/O must not wait behind busy tasks
				if err := h.poll(0); err != nil {
					return err
				}
			}
			continue
		}
		// A busy server's hub comes here after each round of the tasks
		// that serve its connections, which may be long: the time is read
		// at each such step, not every shareCheckSteps.
		h.shareThread()
		if err := h.idle(); err != nil {
			return err
		}
	}
}

// shareCheckSteps is how many of the loop's steps with tasks ready go by
// between looks at the time for shareThread (reading the clock costs more
// than such a step's bookkeeping).
const shareCheckSteps = 16

// shareEvery is how long a busy hub runs before it lets the Go scheduler
// run (shareThread).
const shareEvery = time.Millisecond

// shareThread lets the Go scheduler run once the hub has run shareEvery
// without doing so. A busy hub switches between its tasks without the
// scheduler, which therefore counts it as one goroutine running all along:
// after 10 ms the runtime's monitor (sysmon) preempts it and, if it is in
// a system call then (a loaded server mostly is), takes its processor and
// starts another thread for it; the monitor then wakes every 20 µs for a
// while, on the hub's cores. A yield every millisecond (a few hundred
// nanoseconds) keeps all of that away.
func (h *hub) shareThread() {
	now := time.Now()
	if now.Sub(h.lastShared) < shareEvery {
		return
	}
	h.lastShared = now
	h.shares++
	runtime.Gosched()
}

// fireTimers fires every timer that is due.
func (h *hub) fireTimers() {
	if h.timers.len() == 0 {
		return
	}
	now := h.clock.read()
	if h.seeded() {
		h.control.shuffleDue(&h.timers, now)
	}
	for tm := h.timers.pop(now); tm != nil; tm = h.timers.pop(now) {
		switch target := tm.target.(type) {
		case *task:
			h.wakeChecked(target, nil)
		case *hctx:
			target.cancelOnHub(context.DeadlineExceeded)
		case func():
			h.callback(target)
		case *fdDir:
			target.expire()
		}
	}
}

// idle waits, with nothing ready, for the next thing that can happen: on
// the virtual clock it jumps to the next timer when nothing else can come;
// otherwise it sleeps in the poller until the next timer, an event or a
// wake-up. With nothing that could ever happen, it reports a deadlock.
func (h *hub) idle() error {
	next, hasTimer := h.timers.nextWhen()
	timeout := time.Duration(-1)
	switch {
	case h.clock.virtual && h.pending == 0 && !h.incoming() && hasTimer:
		if h.ioWaits > 0 { // what the sockets already have comes first
			if err := h.poll(0); err != nil || h.ready.len() > 0 {
				return err
			}
		}
		if !h.foreignEnded() {
			if next > h.clock.now && h.control != nil {
				h.control.clockMoved(next)
			}
			h.clock.now = max(h.clock.now, next)
			return nil
		}
		// A watched context has ended (cancelled by a task, typically):
		// its wake-up is on its way, and comes before time moves.
	case !hasTimer && h.refs == 0 && len(h.foreign) == 0 && h.pending == 0 && h.ioWaits == 0 && !h.incoming():
		return h.deadlock()
	case hasTimer && !h.clock.virtual:
		timeout = max(time.Duration(next-h.clock.read()), 0)
	}
	h.inbox.sleeping.Store(true)
	if h.incoming() { // submitted between the check above and now
		h.inbox.sleeping.Store(false)
		return nil
	}
	err := h.poll(timeout)
	h.inbox.sleeping.Store(false)
	return err
}

// incoming reports whether other goroutines have submitted functions or
// cancellations the hub has yet to run.
func (h *hub) incoming() bool { return h.inbox.incoming() }

// poll waits in the poller up to timeout (0: just looks) and wakes the
// tasks waiting on the descriptors it reports.
func (h *hub) poll(timeout time.Duration) error {
	var err error
	h.events, err = h.poller.Wait(timeout, h.events[:0])
	if err != nil {
		return err
	}
	h.dispatchIO()
	return nil
}

// deadlock describes the tasks that wait forever.
func (h *hub) deadlock() error {
	e := &DeadlockError{}
	for t := h.live.head; t != nil; t = t.next(liveLinks) {
		e.Tasks = append(e.Tasks, t.info())
	}
	return e
}

// shutdown ends every task still alive once the main task has returned:
// tasks that never started are dropped, the others are killed and run to
// their ends; any that will not end is unwound where it waits. Then the
// hub closes.
func (h *hub) shutdown() {
	h.stopping = true
	// Tasks spawned from now on (by links, or from other goroutines) are
	// born cancelled and never run.
	h.main.ctx.cancelOnHub(context.Canceled)
	for t := h.live.head; t != nil; t = t.next(liveLinks) {
		t.ctx.cancelOnHub(context.Canceled)
	}
	// Killed tasks fail every wait at once, so they end within a few
	// rounds; the bound only stops a task that loops on failed waits.
	for round := 0; round < 1000 && h.ready.len() > 0; round++ {
		h.settle()
		if h.inbox.hasFns() {
			h.drainInbox()
		}
		h.runRound()
	}
	h.endLeftovers()
	h.waitOffloaded()
	// Close the inbox; what was accepted before still runs, and tasks it
	// spawns end at once.
	leftovers, atExit := h.inbox.close()
	h.runSubmitted(leftovers)
	h.settle()
	h.endLeftovers()
	for _, fn := range atExit { // no one appends now: the inbox is closed
		h.callback(fn)
	}
	h.closeFDs()
	h.closeVirtualFDs()
	if h.watch != nil {
		h.watch.close()
	}
	h.poller.Close()
}

// closeFDs closes the descriptors still registered: their tasks have
// ended.
func (h *hub) closeFDs() {
	for _, f := range h.fds {
		if f != nil {
			f.Close() // no call is in progress: it closes now
			f.closeOnHub()
		}
	}
}

// endLeftovers ends the tasks still alive at shutdown: those never started
// never run; the others are unwound where they wait.
func (h *hub) endLeftovers() {
	for t := h.live.head; t != nil; t = h.live.head {
		if t.fiber == nil { // never started
			err := t.ctx.Err()
			if err == nil {
				err = ErrHubClosed
			}
			h.finish(t, err)
			continue
		}
		// Its exit finishes it; the budget of 0 brings control back here.
		h.budget = 0
		h.current = t
		t.state = TaskRunning
		h.root.Unwind(t.fiber)
	}
	for _, f := range h.idleFibers {
		h.root.Unwind(f) // an idle fiber's goroutine just ends
	}
	h.idleFibers = nil
}
