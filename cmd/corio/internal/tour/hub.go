package tour

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/corio-go/corio"
)

// hubEntry parses the --virtual flag that every hub entry takes and runs
// main on a hub: on the real clock, or on the virtual clock, where the
// sleeps take no time and the output is the same on every run.
func hubEntry(name string, out io.Writer, args []string, main func(ctx context.Context) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	virtual := fs.Bool("virtual", false, "run on the virtual clock: sleeps take no real time")
	if err := parse(fs, out, args); err != nil {
		return err
	}
	var opts []corio.Option
	if *virtual {
		opts = append(opts, corio.VirtualClock())
	}
	return corio.Run(context.Background(), main, opts...)
}

// seconds formats a duration of the hub's clock as the seed prints them.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// GeventEatPlay is the seed's first gevent program: eat sleeps 2 s and
// play 1 s, both spawned and joined; the sleeps overlap, so the whole
// takes 2 s, not 3.
func GeventEatPlay(out io.Writer, args []string) error {
	return hubEntry("gevent-eat-play", out, args, func(ctx context.Context) error {
		start := corio.Now(ctx)
		at := func() string { return seconds(corio.Now(ctx).Sub(start)) }
		eat := corio.Spawn(ctx, func(ctx context.Context) error {
			fmt.Fprintf(out, "%s egon eat 1\n", at())
			if err := corio.Sleep(ctx, 2*time.Second); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s egon eat 2\n", at())
			return nil
		})
		play := corio.Spawn(ctx, func(ctx context.Context) error {
			fmt.Fprintf(out, "%s egon play 1\n", at())
			if err := corio.Sleep(ctx, time.Second); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s egon play 2\n", at())
			return nil
		})
		if err := corio.JoinAll(ctx, eat, play); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s main: both joined (2 s of sleeping and 1 s, overlapped)\n", at())
		return nil
	})
}

// SyncVsAsync is the seed's sync-vs-async: ten tasks that each sleep 0.5 s
// take 5 s one after another and 0.5 s spawned and joined.
func SyncVsAsync(out io.Writer, args []string) error {
	return hubEntry("sync-vs-async", out, args, func(ctx context.Context) error {
		task := func(ctx context.Context, pid int) error {
			if err := corio.Sleep(ctx, 500*time.Millisecond); err != nil {
				return err
			}
			fmt.Fprintf(out, "Task %d done\n", pid)
			return nil
		}
		start := corio.Now(ctx)
		for pid := range 10 {
			if err := task(ctx, pid); err != nil {
				return err
			}
		}
		sync := corio.Now(ctx).Sub(start)
		fmt.Fprintf(out, "synchronous: %s\n", seconds(sync))

		start = corio.Now(ctx)
		var tasks []corio.Joinable
		for pid := range 10 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error { return task(ctx, pid) }))
		}
		if err := corio.JoinAll(ctx, tasks...); err != nil {
			return err
		}
		async := corio.Now(ctx).Sub(start)
		fmt.Fprintf(out, "asynchronous: %s\n", seconds(async))
		return nil
	})
}

// SpawnArgs is the seed's g1 = gevent.spawn(func, 1, 2, 3, x=4, y=5): Go
// passes arguments to a task the way a closure captures them, and a task
// with a result keeps it as its value.
func SpawnArgs(out io.Writer, args []string) error {
	return hubEntry("spawn-args", out, args, func(ctx context.Context) error {
		type options struct{ x, y int } // Python's keyword arguments
		fn := func(ctx context.Context, a, b, c int, kw options) (int, error) {
			fmt.Fprintf(out, "func(%d, %d, %d, x=%d, y=%d) runs\n", a, b, c, kw.x, kw.y)
			if err := corio.Sleep(ctx, 100*time.Millisecond); err != nil {
				return 0, err
			}
			return a + b + c + kw.x + kw.y, nil
		}
		g1 := corio.SpawnValue(ctx, func(ctx context.Context) (int, error) {
			return fn(ctx, 1, 2, 3, options{x: 4, y: 5})
		}, corio.Name("g1"))
		fmt.Fprintf(out, "spawned %s; it runs when main waits\n", g1.Name())
		if err := g1.Join(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "joined: done=%v successful=%v value=%d\n", g1.Done(), g1.Successful(), g1.Value())
		return nil
	})
}

// NoLock shows the seed's claim that tasks of one thread share data
// without locks: a task is switched away only where it waits, so a read,
// change and write with no wait in between is never interleaved.
// Goroutines run in parallel and need a mutex for the same code.
func NoLock(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("no-lock", flag.ContinueOnError)
	workers := fs.Int("tasks", 100, "number of tasks (and of goroutines)")
	n := fs.Int("n", 10_000, "increments per task")
	if err := parse(fs, out, args); err != nil {
		return err
	}
	if *workers <= 0 || *n <= 0 {
		return fmt.Errorf("%w: no-lock: -tasks and -n must be positive", ErrUsage)
	}
	want := *workers * *n

	counter := 0
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		var tasks []corio.Joinable
		for range *workers {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				for range *n {
					v := counter // read, change, write: no wait in between
					counter = v + 1
					if err := corio.Sleep(ctx, 0); err != nil { // let the others run
						return err
					}
				}
				return nil
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d tasks on one hub, no lock:  counter = %d (want %d)\n", *workers, counter, want)

	shared := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			for range *n {
				mu.Lock() // without it, increments are lost (and it is a data race)
				shared++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(out, "%d goroutines, with a mutex: counter = %d (want %d)\n", *workers, shared, want)
	if counter != want || shared != want {
		return fmt.Errorf("tour: no-lock: a count is off")
	}
	return nil
}
