package corio

import (
	"context"
	"errors"
	"iter"
)

// JoinAll waits until every task has ended (gevent's joinall) and returns
// their errors joined (nil if all succeeded), or ctx's error if ctx ends
// first.
func JoinAll(ctx context.Context, tasks ...Joinable) error {
	for _, j := range tasks {
		if t := j.base(); t.state != TaskDone {
			if err := t.Join(ctx); t.state != TaskDone {
				return err // the wait was cut short
			}
		}
	}
	var errs []error
	for _, j := range tasks {
		if err := j.base().err; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AsCompleted yields the index of each task as it ends, in the order they
// end (tasks already ended first, in argument order), like gevent's iwait.
// If ctx ends first, it yields -1 and ctx's error and stops.
func AsCompleted(ctx context.Context, tasks ...Joinable) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		cur, err := running(ctx)
		if err != nil {
			yield(-1, err)
			return
		}
		var c completions[int]
		defer c.stop()
		for i, j := range tasks {
			c.watch(j.base(), i) // an ended task is queued at once
		}
		for c.left > 0 {
			if err := c.wait(ctx, cur); err != nil {
				yield(-1, err)
				return
			}
			if !yield(c.next(), nil) {
				return
			}
		}
	}
}

// WaitAny waits until one of the tasks has ended and returns its index,
// or -1 and ctx's error if ctx ends first.
func WaitAny(ctx context.Context, tasks ...Joinable) (int, error) {
	if len(tasks) == 0 {
		return -1, errors.New("corio: WaitAny of no tasks")
	}
	for i, err := range AsCompleted(ctx, tasks...) {
		return i, err
	}
	return -1, errors.New("corio: WaitAny: no task ended") // not reached
}

// KillAll kills every task (see Task.Kill) without waiting.
func KillAll(tasks ...Joinable) {
	for _, j := range tasks {
		j.base().Kill()
	}
}

// KillAllWait kills every task and waits until all have ended, or returns
// ctx's error if ctx ends first. The tasks' own errors are not reported.
func KillAllWait(ctx context.Context, tasks ...Joinable) error {
	KillAll(tasks...)
	for _, j := range tasks {
		if t := j.base(); t.state != TaskDone {
			if err := t.Join(ctx); t.state != TaskDone {
				return err // the wait was cut short
			}
		}
	}
	return nil
}
