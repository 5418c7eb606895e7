package corio_test

import (
	"context"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/gen"
	"github.com/corio-go/corio/greenlet"
)

// A generator pulled by a task waits cooperatively inside its body: the
// wait suspends the generator, the task that pulls it and everything in
// between, and the other tasks run meanwhile.
func TestGeneratorWaitsInsideATask(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		q := corio.NewQueue[string](0)
		ticks := gen.New(func(y *gen.Yielder[string, struct{}]) (int, error) {
			for i := range 3 {
				if err := corio.Sleep(ctx, time.Second); err != nil {
					return i, err
				}
				v, err := q.Get(ctx)
				if err != nil {
					return i, err
				}
				y.Yield(v)
			}
			return 3, nil
		})
		corio.Spawn(ctx, func(ctx context.Context) error {
			for i := range 3 {
				r.add("put %d at %v", i, elapsed(ctx, t0))
				q.Put(ctx, string(rune('a'+i)))
				corio.Sleep(ctx, 1500*time.Millisecond)
			}
			return nil
		})
		for {
			v, err := ticks.Next()
			if err != nil {
				r.add("end: %v, value %d", err, ticks.Value())
				break
			}
			r.add("got %s at %v", v, elapsed(ctx, t0))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "put 0 at 0s", "got a at 1s", "put 1 at 1.5s", "got b at 2s", "put 2 at 3s",
		"got c at 3s", "end: gen: generator is exhausted, value 3")
}

// Greenlets switching inside a task may wait too; a task killed while its
// greenlet waits sees the wait fail inside the greenlet.
func TestGreenletWaitsInsideATask(t *testing.T) {
	var r recorder
	err := run(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		worker := corio.Spawn(ctx, func(ctx context.Context) error {
			main := greenlet.Main()
			defer main.Close()
			var eat, play *greenlet.Greenlet
			eat = main.New(func(self *greenlet.Greenlet, _ ...any) (any, error) {
				for i := range 2 {
					if err := corio.Sleep(ctx, time.Second); err != nil {
						return nil, err
					}
					r.add("eat %d at %v", i, elapsed(ctx, t0))
					self.Switch(play)
				}
				return nil, corio.Sleep(ctx, time.Hour) // killed here
			})
			play = main.New(func(self *greenlet.Greenlet, _ ...any) (any, error) {
				for i := range 2 {
					r.add("play %d at %v", i, elapsed(ctx, t0))
					self.Switch(eat)
				}
				return nil, nil
			})
			_, err := main.Switch(eat)
			return err
		})
		corio.Sleep(ctx, 5*time.Second)
		worker.Kill()
		r.add("worker: %v", worker.Join(ctx))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "eat 0 at 1s", "play 0 at 1s", "eat 1 at 2s", "play 1 at 2s", "worker: context canceled")
}
