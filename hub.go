package corio

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio/internal/coro"
	"github.com/corio-go/corio/internal/poll"
)

// A hub runs tasks on one goroutine: the one that called Run.
type hub struct {
	clock   clock
	poller  *poll.Poller
	current atomic.Pointer[task] // the running task; nil between tasks
	ready   deque[*task]         // the ready queue, FIFO
	timers  timerHeap
	live    liveList // tasks not yet done
	nextID  uint64
	main    *task

	// refs counts what may still wake the hub from outside: watched
	// foreign contexts. pending counts I/O and offloaded calls in flight,
	// which also keep the virtual clock from jumping.
	refs     int
	pending  int
	stopping bool // the main task has ended: the rest are being ended

	inboxMu  sync.Mutex
	inbox    []func()
	spare    []func()
	inboxLen atomic.Int32
	sleeping atomic.Bool
	closed   bool // guarded by inboxMu
	events   []poll.Event
	offload  offload
	watch    *watchdog     // nil unless the Watchdog option is given
	switches atomic.Uint64 // counts task switches, for the watchdog
}

// Option configures Run.
type Option func(*runConfig)

type runConfig struct {
	virtual        bool
	blockingLimit  int
	watchThreshold time.Duration
	watchReport    func(Stall)
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
func Run(ctx context.Context, main func(ctx context.Context) error, opts ...Option) error {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	p, err := poll.New()
	if err != nil {
		return fmt.Errorf("corio: start hub: %w", err)
	}
	h := &hub{poller: p, clock: clock{virtual: cfg.virtual, start: time.Now()}}
	h.offload.limit = cfg.blockingLimit
	if h.offload.limit < 1 {
		h.offload.limit = DefaultBlockingLimit
	}
	h.startWatchdog(cfg.watchThreshold, cfg.watchReport)
	h.main = h.spawn(ctx, nil, main, spawnConfig{name: "main"})
	loopErr := h.loop()
	h.shutdown()
	if loopErr != nil {
		return loopErr
	}
	return h.main.err
}

// spawnConfig is what SpawnOptions set.
type spawnConfig struct {
	name   string
	after  time.Duration
	origin any
}

// spawn makes a task running fn under parent ctx and puts it in the ready
// queue (or on a timer, for After).
func (h *hub) spawn(ctx context.Context, parent *task, fn func(context.Context) error, cfg spawnConfig) *task {
	h.nextID++
	t := &task{hub: h, id: h.nextID, name: cfg.name, parent: parent, run: fn}
	t.timer.index = -1
	t.timer.task = t
	t.ctx = h.newCtx(ctx, t)
	origin := cfg.origin
	if origin == nil {
		origin = fn
	}
	t.co = coro.New(t.body, coro.Config[struct{}]{Origin: origin})
	h.live.push(t)
	if cfg.after > 0 {
		t.state = TaskWaiting
		t.waitsOn = "start after " + cfg.after.String()
		h.timers.push(&t.timer, h.clock.read()+int64(cfg.after))
		return t
	}
	t.state = TaskReady
	h.ready.pushBack(t)
	return t
}

// body is the task's coroutine function.
func (t *task) body(_ *coro.Coro[struct{}, struct{}], _ struct{}) (struct{}, error) {
	if t.hub.watch != nil {
		t.goid.Store(goid())
	}
	return struct{}{}, t.run(t.ctx)
}

// displayName is the name, or task-<id> for a task given none.
func (t *task) displayName() string {
	if t.name != "" {
		return t.name
	}
	return "task-" + strconv.FormatUint(t.id, 10)
}

// resume runs t until it waits or ends.
func (h *hub) resume(t *task) {
	if t.co.State() == coro.Created && t.ctx.Err() != nil {
		t.co.Close() // killed before it started: it never runs
		h.finish(t, t.ctx.Err())
		return
	}
	h.current.Store(t)
	if h.watch != nil {
		h.switches.Add(1)
	}
	t.state = TaskRunning
	_, err := t.co.Send(struct{}{})
	h.current.Store(nil)
	if t.co.State() == coro.Closed {
		h.finish(t, err)
	}
}

// finish records the end of t and tells whoever waits for it.
func (h *hub) finish(t *task, err error) {
	t.state = TaskDone
	t.err = err
	h.live.remove(t)
	if t.timer.index >= 0 {
		h.timers.remove(&t.timer)
	}
	t.ctx.detach()
	for j := t.joiners.first(); j != nil; j = t.joiners.first() {
		h.wake(j, nil)
	}
	links := t.onEnd
	t.onEnd = nil
	for _, fn := range links {
		fn()
	}
}

// wake makes a waiting task ready, err telling why its wait ended.
func (h *hub) wake(t *task, err error) {
	if t.state != TaskWaiting {
		return
	}
	t.wakeErr = err
	if t.waitList != nil {
		t.waitList.removeWait(t)
	}
	if c := t.waitCtx; c != nil {
		c.waiters.removeCtx(t)
		t.waitCtx = nil
	}
	if t.timer.index >= 0 {
		h.timers.remove(&t.timer)
	}
	t.state = TaskReady
	h.ready.pushBack(t)
}

// submit queues fn to run on the hub's goroutine; it is safe from any
// goroutine. It reports false if the hub has closed.
func (h *hub) submit(fn func()) bool {
	h.inboxMu.Lock()
	if h.closed {
		h.inboxMu.Unlock()
		return false
	}
	h.inbox = append(h.inbox, fn)
	h.inboxLen.Store(int32(len(h.inbox)))
	h.inboxMu.Unlock()
	if h.sleeping.Load() {
		h.poller.Wake()
	}
	return true
}

// drainInbox runs what other goroutines submitted.
func (h *hub) drainInbox() {
	h.inboxMu.Lock()
	fns := h.inbox
	h.inbox = h.spare[:0]
	h.inboxLen.Store(0)
	h.inboxMu.Unlock()
	for i, fn := range fns {
		fn()
		fns[i] = nil
	}
	h.spare = fns
}

// running finds the running task of the hub ctx belongs to: the task a
// cooperative call made with ctx suspends.
func running(ctx context.Context) (*task, error) {
	c := nearestHctx(ctx)
	if c == nil {
		if t, ok := ctx.Value(taskKey{}).(*task); ok {
			c = t.ctx
		} else {
			return nil, ErrNoTask
		}
	}
	t := c.hub.current.Load()
	if t == nil {
		return nil, ErrNoTask
	}
	return t, nil
}

// hubOf finds the hub of ctx, or nil.
func hubOf(ctx context.Context) *hub {
	if c := nearestHctx(ctx); c != nil {
		return c.hub
	}
	if t, ok := ctx.Value(taskKey{}).(*task); ok {
		return t.hub
	}
	return nil
}
