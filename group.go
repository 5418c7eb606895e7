package corio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// A Group keeps track of tasks so that they can be joined and killed
// together (gevent's Group); a Group made by NewPool also bounds how many
// of them run at once (gevent's Pool): Spawn waits while the pool is full.
// A task leaves its group when it ends. A Group belongs to one hub. The
// zero Group is an empty, unbounded group ready to use (NewGroup returns
// one); it must not be copied after first use.
type Group struct {
	// The members: a list threaded through the tasks themselves (a task's
	// first group), so that membership costs no allocation; and, made on
	// demand, a set of the tasks that were in another group already.
	members taskList // through groupLinks
	n       int
	others  map[*task]struct{}
	empty   taskList // tasks waiting for the group to empty
	errs    []error  // errors of members ended since the last Join
	slots   *Semaphore
	size    int // 0: unbounded
}

// NewGroup returns a group with no bound on its size.
func NewGroup() *Group { return &Group{} }

// NewPool returns a group in which at most size tasks run at once. A size
// below 1 is a programming error and panics.
func NewPool(size int) *Group {
	if size < 1 {
		panic(fmt.Sprintf("corio: NewPool(%d): the size must be at least 1", size))
	}
	g := NewGroup()
	g.size = size
	g.slots = NewBoundedSemaphore(size)
	return g
}

// Len is the number of tasks in the group.
func (g *Group) Len() int { return g.n + len(g.others) }

// Size is the pool's bound, 0 for a group without one.
func (g *Group) Size() int { return g.size }

// Free is the number of tasks that may join the pool without waiting
// (for a group without a bound, the largest int).
func (g *Group) Free() int {
	if g.slots == nil {
		return int(^uint(0) >> 1)
	}
	return g.slots.Available()
}

// WaitAvailable waits until the pool has room for a task, or returns
// ctx's error if ctx ends first (gevent's wait_available). It holds no
// room: a Spawn right after it, with no wait between, does not wait.
func (g *Group) WaitAvailable(ctx context.Context) error {
	if g.slots == nil {
		return nil
	}
	if err := g.slots.Acquire(ctx); err != nil {
		return err
	}
	return g.slots.Release()
}

// Spawn starts fn as a task in the group, like the package's Spawn. In a
// pool it first waits for room, and returns ctx's error (spawning
// nothing) if ctx ends first.
func (g *Group) Spawn(ctx context.Context, fn func(ctx context.Context) error, opts ...SpawnOption) (*Task[struct{}], error) {
	if err := g.reserve(ctx); err != nil {
		return nil, err
	}
	t := Spawn(ctx, fn, opts...)
	g.track(&t.task)
	return t, nil
}

// SpawnIn is Group.Spawn for a function with a result.
func SpawnIn[T any](ctx context.Context, g *Group, fn func(ctx context.Context) (T, error), opts ...SpawnOption) (*Task[T], error) {
	if err := g.reserve(ctx); err != nil {
		return nil, err
	}
	t := SpawnValue(ctx, fn, opts...)
	g.track(&t.task)
	return t, nil
}

// Add puts a task spawned elsewhere into the group, waiting for room in a
// pool. A task that has ended, or is in the group already, is not added.
func (g *Group) Add(ctx context.Context, j Joinable) error {
	t := j.base()
	if g.has(t) || t.state == TaskDone {
		return nil
	}
	if err := g.reserve(ctx); err != nil {
		return err
	}
	g.track(t)
	return nil
}

func (g *Group) reserve(ctx context.Context) error {
	if g.slots == nil {
		return nil
	}
	return g.slots.Acquire(ctx)
}

// track adds t, which holds a slot if g is a pool, until it ends.
func (g *Group) track(t *task) {
	if t.group == nil {
		t.group = g
		g.members.push(t, groupLinks)
		g.n++
		return
	}
	if g.others == nil {
		g.others = map[*task]struct{}{}
	}
	g.others[t] = struct{}{}
	t.OnDone(func() {
		delete(g.others, t)
		g.ended(t)
	})
}

// has reports whether t is in g.
func (g *Group) has(t *task) bool {
	_, other := g.others[t]
	return t.group == g || other
}

// leave takes an ended task out of its first group (see hub.finish).
func (g *Group) leave(t *task) {
	g.members.remove(t, groupLinks)
	t.group = nil
	g.n--
	g.ended(t)
}

// ended records a member's end: its error, its slot, and the group's
// joiners if it was the last.
func (g *Group) ended(t *task) {
	if t.err != nil && !t.killed() {
		g.errs = append(g.errs, t.err)
	}
	if g.slots != nil {
		g.slots.Release()
	}
	if g.Len() == 0 {
		g.empty.wakeAll(nil)
	}
}

// Join waits until the group is empty, and returns the errors of the
// tasks that failed in it since the last Join, joined; or ctx's error if
// ctx ends first (the errors are then kept for the next Join). A task
// that ended with its context's error was killed, not failed: Join leaves
// its error out.
func (g *Group) Join(ctx context.Context) error {
	if g.Len() > 0 {
		t, err := running(ctx)
		if err != nil {
			return err
		}
		if err := t.waitIn(ctx, &g.empty, "group join"); err != nil {
			return err
		}
	}
	err := errors.Join(g.errs...)
	g.errs = nil
	return err
}

// Kill kills every task in the group, in the order they were spawned,
// without waiting.
func (g *Group) Kill() {
	for _, t := range g.tasks() {
		t.Kill()
	}
}

// tasks lists the members in the order they were spawned, so that what
// follows from killing them happens in a deterministic order.
func (g *Group) tasks() []*task {
	ts := make([]*task, 0, g.Len())
	for t := g.members.first(); t != nil; t = t.next(groupLinks) {
		ts = append(ts, t)
	}
	for t := range g.others {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b *task) int { return cmp.Compare(a.id, b.id) })
	return ts
}

// KillWait kills every task in the group and waits until the group is
// empty, or returns ctx's error if ctx ends first. The tasks' errors are
// dropped, as killing them is what was asked.
func (g *Group) KillWait(ctx context.Context) error {
	g.Kill()
	err := g.Join(ctx)
	if ctx.Err() != nil {
		return err
	}
	return nil
}
