package corio

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/corio-go/corio/internal/coro"
)

// TaskState is where a task is in its life.
type TaskState uint8

const (
	TaskReady   TaskState = iota // spawned or woken, waiting for its turn
	TaskRunning                  // running now
	TaskWaiting                  // parked in a cooperative wait
	TaskDone                     // returned, failed, or killed
)

func (s TaskState) String() string {
	switch s {
	case TaskReady:
		return "ready"
	case TaskRunning:
		return "running"
	case TaskWaiting:
		return "waiting"
	case TaskDone:
		return "done"
	}
	return "invalid"
}

type taskKey struct{}

// task is the untyped part of a Task: everything but its value.
type task struct {
	hub    *hub
	id     uint64
	parent *task
	fiber  *coro.Fiber // what it runs on: nil until it first runs, and once it has ended
	origin uintptr     // the user's function's entry, for Where before it starts
	run    func(ctx context.Context) error
	state  TaskState
	// ended is state == TaskDone for other goroutines (Kill): written by
	// the hub when the task ends, read from anywhere. (Beside state, in
	// what would be padding: a task fits a smaller allocation class.)
	ended atomic.Bool
	err   error

	// waiting
	wakeErr  error     // why the wait ended: nil, or the context's error
	waitsOn  string    // what it waits on, for run info and deadlocks
	waitList *taskList // the list it waits in, if any
	waitCtx  *hctx     // the context whose cancellation it watches
	timer    timer     // its sleep timer
	seq      uint64    // counts waits, to recognise a stale foreign wake-up

	extras *taskExtras // what few tasks need, made on demand (withExtras)

	group *Group // the first group it was put in (see Group.track)

	// Its places in the intrusive lists it can be in at once: a wait
	// list, its wait context's waiters, the hub's live tasks, its group.
	link [nLinks]links

	ctx hctx // the task's own context, in the same allocation
}

// taskExtras is the part of a task that only some tasks need: it is made
// the first time one is joined or linked to, to keep tasks small.
type taskExtras struct {
	name    string   // given with the Name option
	joiners taskList // tasks joining this one
	onEnd   []func() // links, run on the hub when the task ends
}

func (t *task) withExtras() *taskExtras {
	if t.extras == nil {
		t.extras = &taskExtras{}
	}
	return t.extras
}

// linkKind names one of a task's places in lists (task.link): a task can
// be in one list of each kind at a time.
type linkKind uint8

const (
	waitLinks  linkKind = iota // a wait list (taskList.pushWait)
	ctxLinks                   // a context's waiters (taskList.pushCtx)
	liveLinks                  // the hub's tasks not yet done
	groupLinks                 // its first Group's members
	nLinks
)

// links is a task's place in one list.
type links struct{ prev, next *task }

// next is the task after t in its list of kind k.
func (t *task) next(k linkKind) *task { return t.link[k].next }

// taskList is an intrusive FIFO list of tasks, threaded through one kind
// of the tasks' links.
type taskList struct{ head, tail *task }

func (l *taskList) first() *task { return l.head }
func (l *taskList) empty() bool  { return l.head == nil }

func (l *taskList) push(t *task, k linkKind) {
	t.link[k] = links{prev: l.tail}
	if l.tail != nil {
		l.tail.link[k].next = t
	} else {
		l.head = t
	}
	l.tail = t
}

func (l *taskList) remove(t *task, k linkKind) {
	at := &t.link[k]
	if at.prev != nil {
		at.prev.link[k].next = at.next
	} else {
		l.head = at.next
	}
	if at.next != nil {
		at.next.link[k].prev = at.prev
	} else {
		l.tail = at.prev
	}
	*at = links{}
}

// pushWait puts t in the wait list l, which t remembers.
func (l *taskList) pushWait(t *task) {
	t.waitList = l
	l.push(t, waitLinks)
}

func (l *taskList) removeWait(t *task) {
	l.remove(t, waitLinks)
	t.waitList = nil
}

// wakeFirst hands off to the first task in l that still waits: it wakes
// that task with a nil error and returns it, or returns nil if none
// waits. A waiter whose wait was cancelled (killed, say, from any
// goroutine) but that the hub has not woken yet is woken now with its
// error and passed over, so that nothing is handed to it.
func (l *taskList) wakeFirst() *task {
	for t := l.head; t != nil; t = l.head {
		if err := t.waitCancelled(); err != nil {
			t.hub.wake(t, err)
			continue
		}
		t.hub.wake(t, nil)
		return t
	}
	return nil
}

// wakeAll wakes every task in l, each with err or, if its wait was
// cancelled, with that cancellation's error (a broadcast hands nothing
// that a waiter could lose, but a killed waiter must see its kill).
func (l *taskList) wakeAll(err error) {
	for t := l.head; t != nil; t = l.head {
		t.hub.wakeChecked(t, err)
	}
}

// pushCtx puts t among a context's waiters.
func (l *taskList) pushCtx(t *task)   { l.push(t, ctxLinks) }
func (l *taskList) removeCtx(t *task) { l.remove(t, ctxLinks) }

// A Task is a function running on a hub as a coroutine, gevent's
// Greenlet: spawned with Spawn or SpawnValue, joined, killed, linked to.
// Its methods that wait take a context of a running task of the same hub;
// the others may be called from any task of the hub.
type Task[T any] struct {
	value T // first: a zero-size value at the end would pad the struct
	task
}

// Joinable is what JoinAll, WaitAny, AsCompleted and KillAll take: any
// *Task, whatever its value's type.
type Joinable interface {
	base() *task
}

func (t *task) base() *task { return t }

// ID is the task's number, unique in its hub, from 1 (the main task).
func (t *task) ID() uint64 { return t.id }

// Name is the task's name: given with the Name option, or "task-<id>".
func (t *task) Name() string { return t.displayName() }

// State tells where the task is in its life.
func (t *task) State() TaskState { return t.state }

// Done reports whether the task has ended (gevent's ready()).
func (t *task) Done() bool { return t.state == TaskDone }

// Successful reports whether the task has ended with a nil error.
func (t *task) Successful() bool { return t.state == TaskDone && t.err == nil }

// Err is the error the task ended with: what its function returned, a
// *PanicError if it panicked, or nil. It is nil while the task runs.
func (t *task) Err() error { return t.err }

// killed reports whether the task ended because its context was
// cancelled: with that context's error, or one wrapping it.
func (t *task) killed() bool {
	cerr := t.ctx.Err()
	return t.state == TaskDone && cerr != nil && errors.Is(t.err, cerr)
}

// Context is the task's own context: cancelled by Kill.
func (t *task) Context() context.Context { return &t.ctx }

// Value is what the task's function returned, once it has ended (the
// zero T before, and if it failed).
func (t *Task[T]) Value() T { return t.value }

// String names the task for messages.
func (t *task) String() string { return fmt.Sprintf("task %d %q", t.id, t.displayName()) }

// Join waits until the task has ended and returns its error, or returns
// ctx's error if ctx ends first.
func (t *task) Join(ctx context.Context) error {
	if t.state == TaskDone {
		return t.err
	}
	cur, err := running(ctx)
	if err != nil {
		return err
	}
	if cur == t {
		return fmt.Errorf("corio: %v joins itself", t)
	}
	if err := cur.waitIn(ctx, &t.withExtras().joiners, "join"); err != nil {
		return err
	}
	return t.err
}

// Get waits for the task like Join and returns its value and error.
func (t *Task[T]) Get(ctx context.Context) (T, error) {
	err := t.Join(ctx)
	if t.state != TaskDone {
		var zero T
		return zero, err
	}
	return t.value, err
}

// Kill cancels the task's context: every cooperative wait in it made with
// that context, or one made from it, returns at once with an error
// wrapping context.Canceled, and keeps doing so, so that it ends soon.
// Kill does not wait for the end (Join does) and may be called from any
// goroutine. Killing a task that has ended does nothing.
//
// The kill takes effect at once: from the moment Kill returns, nothing is
// handed to the task (no queue item, channel value, permit, lock or
// wake-up): a hand-off goes to the next waiter instead, and the task's
// wait returns the cancellation error when it runs next, which is before
// the killer runs again if the killer yields with Sleep(ctx, 0). What was
// handed to it before the kill stays handed: that wait returns normally
// and the next one fails. From another goroutine, a Kill takes effect the
// next time the hub runs anything (a Kill racing with the task's own end
// may come after it: the task then ends with its own result).
//
// A killed task may still clean up and wait, with a context that does not
// descend from its own (context.WithoutCancel with a timeout of its own),
// as a gevent greenlet may after catching GreenletExit: see the package
// doc.
func (t *task) Kill() {
	if !t.ended.Load() {
		t.ctx.cancelFromAnywhere(context.Canceled)
	}
}

// OnDone arranges for fn to be called on the hub when the task ends, or
// at once if it has (gevent's link). fn runs outside any task: it must not
// wait, but it may spawn. A panic in fn, called later, ends Run with a
// *PanicError; called at once, it is the caller's.
func (t *task) OnDone(fn func()) {
	if t.state == TaskDone {
		fn()
		return
	}
	t.withExtras().onEnd = append(t.withExtras().onEnd, fn)
}

// OnValue arranges for fn to get the task's value if it ends successfully
// (gevent's link_value).
func (t *Task[T]) OnValue(fn func(T)) {
	t.OnDone(func() {
		if t.err == nil {
			fn(t.value)
		}
	})
}

// OnError arranges for fn to get the task's error if it ends with one
// (gevent's link_exception).
func (t *task) OnError(fn func(error)) {
	t.OnDone(func() {
		if t.err != nil {
			fn(t.err)
		}
	})
}

// taskProgram is a task seen as what its fiber runs (coro.Program): a
// type of its own, so that Body and Exit, the hub's plumbing, are not
// methods of Task, which users see (a test checks go doc's list).
type taskProgram task

func (t *task) program() *taskProgram { return (*taskProgram)(t) }

// Body is the task's work, run on its fiber.
func (p *taskProgram) Body() {
	t := (*task)(p)
	if h := t.hub; h.watch != nil {
		h.watch.enter(t.fiber)
	}
	t.err = t.run(&t.ctx)
}

// Exit records the end of the task's body and picks who runs next.
func (p *taskProgram) Exit() *coro.Fiber {
	t := (*task)(p)
	err := t.err
	switch {
	case t.fiber.Failure() != nil:
		err = t.fiber.Failure()
	case t.fiber.Unwound():
		if err = t.ctx.Err(); err == nil {
			err = ErrHubClosed
		}
	case t.fiber.Goexited():
		err = ErrGoexit
	}
	h := t.hub
	f := t.fiber
	t.fiber = nil
	h.finish(t, err)
	if t == h.main {
		h.budget = 0 // Run ends now: the others run no further
	}
	if !h.stopping && len(h.idleFibers) < maxIdleFibers && !f.Goexited() {
		f.Recycle()
		h.idleFibers = append(h.idleFibers, f)
	} else if h.watch != nil {
		delete(h.watch.goids, f) // its goroutine ends
	}
	return h.pickNext()
}

// displayName is the name, or task-<id> for a task given none.
func (t *task) displayName() string {
	if t.extras != nil && t.extras.name != "" {
		return t.extras.name
	}
	return "task-" + strconv.FormatUint(t.id, 10)
}

// waitCancelled is the error of the context t's wait watches, if it has
// been cancelled (from any goroutine: the error is set at once), or nil.
func (t *task) waitCancelled() error {
	if c := t.waitCtx; c != nil {
		return c.Err()
	}
	return nil
}

// InTask returns nil if ctx belongs to the task running now on its hub,
// and otherwise an error wrapping ErrNoTask that says why. A library that
// keeps state owned by a hub checks it before touching that state, as the
// hub's own cooperative calls do.
func InTask(ctx context.Context) error {
	_, err := running(ctx)
	return err
}
