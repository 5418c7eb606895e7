package corio

import (
	"context"
	"iter"
)

// Map calls fn on every item of in, each call in a task of g (so a pool
// bounds how many run at once), and returns the results in the order of
// in (gevent's Pool.map). If a call fails, Map kills the calls still
// running and returns the first error in the order of in, with the
// results gathered before it.
func Map[In, Out any](ctx context.Context, g *Group, in []In, fn func(ctx context.Context, v In) (Out, error)) ([]Out, error) {
	tasks := make([]*Task[Out], 0, len(in))
	out := make([]Out, 0, len(in))
	var err error
	for _, v := range in {
		var t *Task[Out]
		if t, err = SpawnIn(ctx, g, func(ctx context.Context) (Out, error) { return fn(ctx, v) }); err != nil {
			break
		}
		tasks = append(tasks, t)
	}
	for i, t := range tasks {
		if err != nil {
			t.Kill()
			continue
		}
		var v Out
		if v, err = t.Get(ctx); err != nil {
			tasks[i].Kill()
			continue
		}
		out = append(out, v)
	}
	return out, err
}

// Imap is Map over a sequence, giving each result, with its call's error,
// as soon as it and every result before it are in (gevent's imap). Calls
// start as the pool has room, while earlier results are consumed. If
// ctx ends, it gives ctx's error once and stops; if the consumer stops,
// the calls still running are killed.
func Imap[In, Out any](ctx context.Context, g *Group, in iter.Seq[In], fn func(ctx context.Context, v In) (Out, error)) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		var window deque[*Task[Out]] // started, not yet given, in order
		stopped := false
		defer func() {
			for window.len() > 0 {
				window.popFront().Kill()
			}
		}()
		// give yields the results at the front that are in; with wait, it
		// waits for each.
		give := func(wait bool) bool {
			for window.len() > 0 {
				front := *window.at(0)
				if !wait && !front.Done() {
					return true
				}
				v, err := front.Get(ctx)
				if !front.Done() { // ctx ended
					var zero Out
					yield(zero, err)
					return false
				}
				window.popFront()
				if !yield(v, err) {
					return false
				}
			}
			return true
		}
		for v := range in {
			t, err := SpawnIn(ctx, g, func(ctx context.Context) (Out, error) { return fn(ctx, v) })
			if err != nil {
				var zero Out
				yield(zero, err)
				stopped = true
				break
			}
			window.pushBack(t)
			if !give(false) {
				stopped = true
				break
			}
		}
		if !stopped {
			give(true)
		}
	}
}

// ImapUnordered is Imap giving results in the order the calls end
// (gevent's imap_unordered).
func ImapUnordered[In, Out any](ctx context.Context, g *Group, in iter.Seq[In], fn func(ctx context.Context, v In) (Out, error)) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		cur, err := running(ctx)
		if err != nil {
			var zero Out
			yield(zero, err)
			return
		}
		var c completions[*Task[Out]]
		var started []*Task[Out]
		defer func() {
			c.stop()
			for _, t := range started {
				t.Kill() // those that ended ignore it
			}
		}()
		give := func() bool {
			for c.ended.len() > 0 {
				t := c.next()
				if !yield(t.value, t.err) {
					return false
				}
			}
			return true
		}
		for v := range in {
			t, err := SpawnIn(ctx, g, func(ctx context.Context) (Out, error) { return fn(ctx, v) })
			if err != nil {
				var zero Out
				yield(zero, err)
				return
			}
			started = append(started, t)
			c.watch(&t.task, t)
			if !give() {
				return
			}
		}
		for c.left > 0 {
			if err := c.wait(ctx, cur); err != nil {
				var zero Out
				yield(zero, err)
				return
			}
			if !give() {
				return
			}
		}
	}
}

// Apply runs fn in a task of g and waits for its result (gevent's
// Pool.apply): in a pool, only once there is room. If ctx ends first, it
// returns ctx's error and the task, if started, is killed with ctx.
func Apply[T any](ctx context.Context, g *Group, fn func(ctx context.Context) (T, error)) (T, error) {
	t, err := SpawnIn(ctx, g, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := t.Get(ctx)
	if !t.Done() {
		t.Kill()
	}
	return v, err
}

// completions collects watched tasks in the order they end, for a task
// that takes them one at a time and waits while none has ended.
type completions[K any] struct {
	ended   deque[K]
	left    int      // watched and not yet taken
	waiting taskList // the task taking them, while it waits
	stopped bool
}

// watch adds t, whose key k is queued when it ends.
func (c *completions[K]) watch(t *task, k K) {
	c.left++
	t.OnDone(func() {
		if c.stopped {
			return
		}
		c.ended.pushBack(k)
		c.waiting.wakeAll(nil)
	})
}

// wait waits until a watched task has ended.
func (c *completions[K]) wait(ctx context.Context, cur *task) error {
	for c.ended.len() == 0 {
		if err := cur.waitIn(ctx, &c.waiting, "any of tasks"); err != nil {
			return err
		}
	}
	return nil
}

// next takes the key of the next task that ended.
func (c *completions[K]) next() K {
	c.left--
	return c.ended.popFront()
}

// stop makes the tasks' ends queue nothing more.
func (c *completions[K]) stop() { c.stopped = true }
