package corio

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio/internal/coro"
	"github.com/corio-go/corio/internal/poll"
)

// A hub runs tasks on one goroutine: the one that called Run.
type hub struct {
	clock      clock
	poller     *poll.Poller
	current    *task        // the running task; nil when the hub's own fiber runs
	ready      deque[*task] // the ready queue, FIFO
	timers     timerQueue
	live       taskList // tasks not yet done (liveLinks)
	nextID     uint64
	main       *task
	sched      *coro.Sched
	root       *coro.Fiber   // the hub's own: the goroutine that called Run
	budget     int           // tasks left to run in this round
	idleFibers []*coro.Fiber // fibers whose task ended, kept for the next

	// refs counts what may still wake the hub from outside: Futures
	// waited on (and foreign contexts watched, listed in foreign).
	// pending counts I/O and offloaded calls in flight, which also keep
	// the virtual clock from jumping.
	refs     int
	foreign  []*foreignWatch
	pending  int
	stopping bool // the main task has ended: the rest are being ended
	// callbackPanic is the first panic of a callback (see callback): Run
	// ends with it.
	callbackPanic *PanicError

	// inbox is what other goroutines hand the hub: the one part of it
	// they touch, behind its own lock.
	inbox inbox

	events  []poll.Event
	offload offload
	fds     []*FD // registered descriptors, by number
	// virtual holds what each virtual FD stands for, by its (negative)
	// number; lastVirtual is the last number given (see NewVirtualFD).
	virtual     map[int]io.Closer
	lastVirtual int
	ioWaits     int       // tasks waiting on descriptors
	watch       *watchdog // nil unless the Watchdog option is given
	handle      Hub       // what HubOf returns: one handle per hub
	// inCallback: submitted functions are running (outside any task).
	// Atomic only so that a misuse from another goroutine is not a race.
	inCallback atomic.Bool
	// steps counts the loop's steps, lastShared is when the hub last let
	// the Go scheduler run and shares how many times it did (see
	// shareThread).
	steps      uint32
	lastShared time.Time
	shares     int
	// control makes the hub's choices under Seed and reports them to
	// Trace; nil otherwise.
	control *control
}

// Option configures Run.
type Option func(*runConfig)

type runConfig struct {
	virtual        bool
	blockingLimit  int
	watchThreshold time.Duration
	watchReport    func(Stall)
	seed           uint64
	seeded         bool
	strategy       Strategy
	trace          func(TraceEvent)
	values         []contextValue
}

// VirtualClock runs the hub on a virtual clock: time stands still while
// tasks run and jumps to the next timer whenever every task waits and no
// I/O or offloaded call is pending. Sleeps and timeouts then take no real
// time and happen in a deterministic order. Meant for tests and demos.
func VirtualClock() Option { return func(c *runConfig) { c.virtual = true } }

// Run makes a hub on the calling goroutine, runs main on it as the first
// task, and returns when main returns, with main's error, like
// asyncio.run. Tasks still alive then are killed and given the chance to
// end; their goroutines are gone when Run returns. If main waits while
// nothing can ever wake it, Run returns a *DeadlockError (ErrDeadlock)
// naming every waiting task and where it waits.
//
// ctx is main's parent: its values reach every task, and its cancellation
// kills main (and every task spawned under main's context).
//
// A panic in a task is that task's error (see Task.Err), and so is
// ErrGoexit for a task that calls runtime.Goexit (t.Fatal in a test, say):
// the task ends, the hub and the caller's goroutine go on. A panic in a
// function the hub calls outside any task (Task.OnDone's and its kin,
// AfterFunc's, Hub.Submit's, Hub.OnExit's) ends Run, as main's end does,
// and Run returns it as a *PanicError with its value and stack.
func Run(ctx context.Context, main func(ctx context.Context) error, opts ...Option) error {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	if d, ok := ctx.Deadline(); ok && cfg.seeded { // before anything is made that would leak
		return nondeterministic("Run", fmt.Sprintf("its context has a deadline on the real clock (%v); use corio.WithTimeout in main", d.Format(time.RFC3339Nano)))
	}
	startRuntimePoller()
	p, err := poll.New()
	if err != nil {
		return fmt.Errorf("corio: start hub: %w", err)
	}
	h := &hub{poller: p, clock: clock{virtual: cfg.virtual, start: time.Now()}}
	h.inbox.poller = p
	h.handle.h = h
	h.sched, h.root = coro.NewSched(libraryFrames)
	h.offload.limit = cfg.blockingLimit
	if h.offload.limit < 1 {
		h.offload.limit = DefaultBlockingLimit
	}
	h.startWatchdog(cfg.watchThreshold, cfg.watchReport)
	h.control = newControl(h, &cfg)
	if h.seeded() {
		h.clock.start = seedEpoch // Now is the same in every run
	}
	for _, v := range cfg.values {
		ctx = context.WithValue(ctx, v.key, v.value)
	}
	h.main = &task{}
	h.spawn(h.main, ctx, nil, main, spawnConfig{name: "main"})
	loopErr := h.loop()
	h.shutdown()
	switch {
	case h.callbackPanic != nil:
		return h.callbackPanic
	case loopErr != nil:
		return loopErr
	}
	return h.main.err
}

// libraryFrames are the frames run info leaves out on top of a paused
// task's stack: those of this module's library (the hub, and the layers
// built on it), above which is the user's call that waits.
var libraryFrames = coro.ModuleFrames(reflect.TypeFor[hub]().PkgPath())

// startRuntimePoller makes sure Go's own network poller exists before any
// hub runs. The runtime starts it lazily, at the first Go timer (a
// context's deadline, say), and aborts the whole process if no descriptor
// is left for it then ("netpollinit failed"), which is just when a busy
// hub's sockets may have taken them all. A timer started and stopped once
// starts it while descriptors are still there.
var startRuntimePoller = sync.OnceFunc(func() { time.AfterFunc(time.Hour, func() {}).Stop() })

// spawnConfig is what SpawnOptions set.
type spawnConfig struct {
	name   string
	after  time.Duration
	origin any
}

// spawn makes t, a zero task (kept inside the caller's Task so that a
// spawn allocates little), a task running fn under parent ctx, and puts it
// in the ready queue (or on a timer, for After).
func (h *hub) spawn(t *task, ctx context.Context, parent *task, fn func(context.Context) error, cfg spawnConfig) {
	h.nextID++
	t.hub, t.id, t.parent, t.run = h, h.nextID, parent, fn
	if cfg.name != "" {
		t.withExtras().name = cfg.name
	}
	t.timer.target = t
	h.initCtx(&t.ctx, ctx, t)
	origin := cfg.origin
	if origin == nil {
		origin = fn
	}
	t.origin = reflect.ValueOf(origin).Pointer()
	h.live.push(t, liveLinks)
	if h.control != nil {
		h.control.born(t)
	}
	if cfg.after > 0 {
		t.state = TaskWaiting
		t.waitsOn = "start after " + cfg.after.String()
		h.timers.push(&t.timer, h.clock.read()+int64(cfg.after))
		return
	}
	t.state = TaskReady
	h.ready.pushBack(t)
}

// pickNext takes the next task of the round from the ready queue and
// makes it the running one; with the round's budget spent, it gives the
// hub's own fiber, whose loop fires timers and polls before the next
// round. A task killed before it started is dropped: it never runs.
func (h *hub) pickNext() *coro.Fiber {
	h.settle()
	for h.budget > 0 && h.ready.len() > 0 {
		h.budget--
		var t *task
		if h.control == nil {
			t = h.ready.popFront()
		} else {
			t = h.control.take(&h.ready)
		}
		if t.fiber == nil {
			if t.ctx.Err() != nil {
				h.finish(t, t.ctx.Err())
				continue
			}
			t.fiber = h.fiberFor(t)
		}
		h.current = t
		t.state = TaskRunning
		if h.watch != nil {
			h.watch.switched(t)
		}
		return t.fiber
	}
	h.current = nil
	if h.watch != nil {
		h.watch.switched(nil)
	}
	return h.root
}

// roundSwitches is how many task switches a round may make, at least:
// the hub fires timers, runs what other goroutines submitted and polls for
// I/O between rounds.
const roundSwitches = 64

// maxIdleFibers bounds the fibers a hub keeps for tasks to come: each
// holds a parked goroutine.
const maxIdleFibers = 256

// fiberFor gives t, about to run for the first time, a fiber: an idle one
// if there is one, else a new one.
func (h *hub) fiberFor(t *task) *coro.Fiber {
	if n := len(h.idleFibers); n > 0 {
		f := h.idleFibers[n-1]
		h.idleFibers[n-1] = nil
		h.idleFibers = h.idleFibers[:n-1]
		f.Rebind(t.program())
		return f
	}
	return h.sched.New(t.program())
}

// maxRoundSwitches bounds a round: however many tasks are ready, the hub
// fires due timers, runs what other goroutines submitted and polls for
// I/O at least this often, so that a burst of ready tasks delays them by
// at most this many switches.
const maxRoundSwitches = 256

// runRound runs, from the hub's fiber, the tasks that are ready, passing
// control from one to the next directly, until none is ready or the round
// has made its switches: as many as tasks were ready at its start, at
// least roundSwitches and at most maxRoundSwitches.
func (h *hub) runRound() {
	if n := h.ready.len(); n > 0 {
		h.budget = min(max(n, roundSwitches), maxRoundSwitches)
		h.root.Switch(h.pickNext())
	}
}

// finish records the end of t and tells whoever waits for it.
func (h *hub) finish(t *task, err error) {
	t.state = TaskDone
	t.ended.Store(true)
	t.err = err
	h.live.remove(t, liveLinks)
	h.unhook(t) // a task unwound at shutdown ends inside a wait
	if h.control != nil {
		h.control.ended(t)
	}
	t.ctx.detach()
	if g := t.group; g != nil {
		g.leave(t)
	}
	m := t.extras
	if m == nil {
		return
	}
	m.joiners.wakeAll(nil)
	links := m.onEnd
	m.onEnd = nil
	for _, fn := range links {
		h.callback(fn)
	}
}

// callback runs fn, a user's function that the hub calls outside any task
// (a link, a timer's function, a submitted function): a panic in it ends
// Run with a *PanicError holding its value and stack (the first one, if
// several), instead of unwinding the hub's goroutine or being lost.
func (h *hub) callback(fn func()) {
	defer h.recoverCallback()
	fn()
}

func (h *hub) recoverCallback() {
	if r := recover(); r != nil && h.callbackPanic == nil {
		h.callbackPanic = coro.NewPanicError(r)
	}
}

// wake makes a waiting task ready, err telling why its wait ended.
func (h *hub) wake(t *task, err error) {
	if t.state != TaskWaiting {
		return
	}
	t.wakeErr = err
	// unhook's work, written out: wake is on every hand-off's path, and
	// unhook does not inline (a call here cost QueueHandoff 4%).
	if t.waitList != nil {
		t.waitList.removeWait(t)
	}
	if c := t.waitCtx; c != nil {
		c.waiters.removeCtx(t)
		t.waitCtx = nil
	}
	h.timers.remove(&t.timer)
	t.state = TaskReady
	h.ready.pushBack(t)
}

// unhook takes t out of everything its wait put it in: the wait list, its
// context's waiters, the timers.
func (h *hub) unhook(t *task) {
	if t.waitList != nil {
		t.waitList.removeWait(t)
	}
	if c := t.waitCtx; c != nil {
		c.waiters.removeCtx(t)
		t.waitCtx = nil
	}
	h.timers.remove(&t.timer)
}

// wakeChecked wakes t, a waiter to whom nothing is handed, with err or,
// if its wait was cancelled and the hub has not woken it for that yet,
// with the cancellation's error.
func (h *hub) wakeChecked(t *task, err error) {
	if cerr := t.waitCancelled(); cerr != nil {
		err = cerr
	}
	h.wake(t, err)
}

// settle does the waking of the cancellations made from anywhere (Kill,
// a cancel function) that the hub has not yet done. The hub calls it at
// every step, before a task switches or waits, so that a cancellation
// takes effect the next time the hub runs anything: on the hub, before
// the canceller's next wait or yield. Inlined; the work is outlined.
func (h *hub) settle() {
	if h.inbox.cancelsPending.Load() {
		h.applyCancels()
	}
}

func (h *hub) applyCancels() {
	cs := h.inbox.takeCancels()
	for i, c := range cs {
		c.propagate()
		cs[i] = nil
	}
	h.inbox.recycleCancels(cs)
}

// queueCancel records, from any goroutine, that c has been cancelled and
// the hub must wake its waiters. It reports false if the hub has closed.
func (h *hub) queueCancel(c *hctx) bool { return h.inbox.postCancel(c) }

// submit queues fn to run on the hub's goroutine; it is safe from any
// goroutine. It reports false if the hub has closed.
func (h *hub) submit(fn func()) bool { return h.inbox.post(fn) }

// drainInbox runs what other goroutines submitted.
func (h *hub) drainInbox() {
	fns := h.inbox.takeFns()
	h.runSubmitted(fns)
	h.inbox.recycleFns(fns)
}

// runSubmitted runs submitted functions, outside any task, and clears fns
// (so that the slice can be reused without keeping what they captured).
func (h *hub) runSubmitted(fns []func()) {
	h.inCallback.Store(true)
	for i, fn := range fns {
		h.callback(fn)
		fns[i] = nil
	}
	h.inCallback.Store(false)
}

// running finds the task that a cooperative call made with ctx suspends:
// the task ctx belongs to (the task it was given to, or that made it),
// which must be the one running. A context used by another task, by a
// callback or from another goroutine gets ErrNoTask instead of suspending
// whatever task happens to run. (A goroutine other than the hub's that
// uses the running task's own context cannot be told apart without
// goroutine identities; the race detector reports it.) The common case is
// inlined into the callers.
func running(ctx context.Context) (*task, error) {
	if c, ok := ctx.(*hctx); ok && c.task == c.task.hub.current {
		return c.task, nil
	}
	return runningSlow(ctx)
}

func runningSlow(ctx context.Context) (*task, error) {
	var t *task
	if c := nearestHctx(ctx); c != nil {
		t = c.task
	} else if t, _ = ctx.Value(taskKey{}).(*task); t == nil {
		return nil, ErrNoTask
	}
	switch cur := t.hub.current; {
	case cur == nil:
		return nil, fmt.Errorf("%w (no task runs: called from a callback, or after the task ended)", ErrNoTask)
	case cur != t:
		return nil, fmt.Errorf("%w (the context is %v's; %v is running)", ErrNoTask, t, cur)
	}
	return t, nil
}

// hubOf finds the hub of ctx, or nil.
func hubOf(ctx context.Context) *hub {
	if c := nearestHctx(ctx); c != nil {
		return c.task.hub
	}
	if t, ok := ctx.Value(taskKey{}).(*task); ok {
		return t.hub
	}
	return nil
}
