package corio

import (
	"context"
	"time"
)

// A SpawnOption configures Spawn and SpawnValue.
type SpawnOption func(*spawnConfig)

// Name names the task, for run info and errors (default "task-<id>").
func Name(name string) SpawnOption { return func(c *spawnConfig) { c.name = name } }

// After starts the task after d instead of at the spawner's next wait
// (gevent's spawn_later).
func After(d time.Duration) SpawnOption { return func(c *spawnConfig) { c.after = d } }

// Spawn starts fn as a new task on the hub of ctx and returns it at once:
// the task first runs when the spawner waits, like gevent.spawn. Its
// context is a child of ctx: it carries ctx's values, and cancelling ctx
// kills it. Arguments are passed as a closure captures them.
//
// Spawn must be called on the hub's goroutine, from a task or a link
// callback; called with a context of no hub it panics (a programming
// error). Other goroutines use Hub.Spawn.
func Spawn(ctx context.Context, fn func(ctx context.Context) error, opts ...SpawnOption) *Task[struct{}] {
	t := &Task[struct{}]{}
	t.task = spawnWith(ctx, fn, fn, opts)
	return t
}

// SpawnValue is Spawn for a function with a result, which the task keeps
// as its value (gevent's Greenlet.value).
func SpawnValue[T any](ctx context.Context, fn func(ctx context.Context) (T, error), opts ...SpawnOption) *Task[T] {
	t := &Task[T]{}
	t.task = spawnWith(ctx, func(ctx context.Context) error {
		v, err := fn(ctx)
		t.value = v
		return err
	}, fn, opts)
	return t
}

func spawnWith(ctx context.Context, run func(context.Context) error, origin any, opts []SpawnOption) *task {
	h := hubOf(ctx)
	if h == nil {
		panic("corio: Spawn with a context of no hub: spawn from a task, with the context it was given")
	}
	cfg := spawnConfig{origin: origin}
	for _, o := range opts {
		o(&cfg)
	}
	return h.spawn(ctx, h.current.Load(), run, cfg)
}
