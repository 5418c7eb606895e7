package corio

import (
	"context"
	"time"
)

// A SpawnOption configures Spawn and SpawnValue. Options are plain values
// (not functions) so that applying them allocates nothing.
type SpawnOption struct {
	name    string
	hasName bool
	after   time.Duration
}

// Name names the task, for run info and errors (default "task-<id>").
func Name(name string) SpawnOption { return SpawnOption{name: name, hasName: true} }

// StartAfter starts the task after d instead of at the spawner's next
// wait (gevent's spawn_later). (Not to be confused with AfterFunc, which
// calls a function, outside any task, after d.)
func StartAfter(d time.Duration) SpawnOption { return SpawnOption{after: d} }

// config applies opts, later ones winning, to a spawnConfig for origin.
func config(origin any, opts []SpawnOption) spawnConfig {
	cfg := spawnConfig{origin: origin}
	for _, o := range opts {
		if o.hasName {
			cfg.name = o.name
		}
		if o.after != 0 {
			cfg.after = o.after
		}
	}
	return cfg
}

// Spawn starts fn as a new task on the hub of ctx and returns it at once:
// the task first runs when the spawner waits, like gevent.spawn. Its
// context is a child of ctx: it carries ctx's values, and cancelling ctx
// kills it. Arguments are passed as a closure captures them.
//
// Tasks spawned one after another first run in that order on a hub of its
// own (FIFO), but that is the hub's choice, not a promise: under Seed they
// first run in an order the seed picks. A task that must run after
// another waits for it (Join, an Event).
//
// Spawn must be called on the hub's goroutine, from a task or a link
// callback; called with a context of no hub it panics (a programming
// error). Other goroutines use Hub.Spawn.
func Spawn(ctx context.Context, fn func(ctx context.Context) error, opts ...SpawnOption) *Task[struct{}] {
	t := &Task[struct{}]{}
	spawnWith(&t.task, ctx, fn, fn, opts)
	return t
}

// SpawnValue is Spawn for a function with a result, which the task keeps
// as its value (gevent's Greenlet.value).
func SpawnValue[T any](ctx context.Context, fn func(ctx context.Context) (T, error), opts ...SpawnOption) *Task[T] {
	t := &Task[T]{}
	spawnWith(&t.task, ctx, t.valueOf(fn), fn, opts)
	return t
}

// valueOf adapts fn to a task's run function that keeps fn's result as
// the task's value.
func (t *Task[T]) valueOf(fn func(ctx context.Context) (T, error)) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		v, err := fn(ctx)
		t.value = v
		return err
	}
}

func spawnWith(t *task, ctx context.Context, run func(context.Context) error, origin any, opts []SpawnOption) {
	h := hubOf(ctx)
	if h == nil {
		panic("corio: Spawn with a context of no hub: spawn from a task, with the context it was given")
	}
	h.spawn(t, ctx, h.current, run, config(origin, opts))
}
