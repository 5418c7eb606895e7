package corio_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/corio-go/corio"
)

// Tasks run on one goroutine and switch when they wait: the sleeps
// overlap. On the virtual clock they take no real time.
func ExampleRun() {
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		start := corio.Now(ctx)
		var tasks []corio.Joinable
		for i := range 3 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				if err := corio.Sleep(ctx, time.Duration(3-i)*time.Second); err != nil {
					return err
				}
				fmt.Printf("task %d woke at %v\n", i, corio.Now(ctx).Sub(start))
				return nil
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	}, corio.VirtualClock())
	fmt.Println("Run:", err)
	// Output:
	// task 2 woke at 1s
	// task 1 woke at 2s
	// task 0 woke at 3s
	// Run: <nil>
}

// A producer and a consumer through a bounded queue; Close ends the
// consumer's loop once the items are drained.
func ExampleQueue() {
	corio.Run(context.Background(), func(ctx context.Context) error {
		q := corio.NewQueue[string](2)
		corio.Spawn(ctx, func(ctx context.Context) error {
			defer q.Close()
			for _, item := range []string{"a", "b", "c"} {
				if err := q.Put(ctx, item); err != nil {
					return err
				}
			}
			return nil
		})
		for {
			item, err := q.Get(ctx)
			if err != nil {
				fmt.Println("done:", err)
				return nil
			}
			fmt.Println("got", item)
		}
	}, corio.VirtualClock())
	// Output:
	// got a
	// got b
	// got c
	// done: corio: queue is closed
}

// Work done on another goroutine comes back to a task through a Future.
func ExampleFuture() {
	corio.Run(context.Background(), func(ctx context.Context) error {
		var f corio.Future[int]
		go func() { f.Set(6 * 7) }() // any goroutine may set it
		v, err := f.Get(ctx)         // the task waits; the hub runs others
		fmt.Println(v, err)
		return nil
	})
	// Output: 42 <nil>
}

// Timeout runs a function under a deadline on the hub's clock.
func ExampleTimeout() {
	corio.Run(context.Background(), func(ctx context.Context) error {
		_, err := corio.Timeout(ctx, time.Second, func(ctx context.Context) (int, error) {
			return 0, corio.Sleep(ctx, time.Minute)
		})
		fmt.Println(err)
		return nil
	}, corio.VirtualClock())
	// Output: corio: timeout: context deadline exceeded after 1s: context deadline exceeded
}

// A pool bounds how many calls run at once; Map keeps the input's order.
func ExampleMap() {
	corio.Run(context.Background(), func(ctx context.Context) error {
		square := func(ctx context.Context, n int) (int, error) {
			return n * n, corio.Sleep(ctx, time.Duration(n)*time.Second)
		}
		out, err := corio.Map(ctx, corio.NewPool(2), []int{3, 1, 2}, square)
		fmt.Println(out, err)
		for v, err := range corio.ImapUnordered(ctx, corio.NewPool(3), slices.Values([]int{3, 1, 2}), square) {
			fmt.Println(v, err)
		}
		return nil
	}, corio.VirtualClock())
	// Output:
	// [9 1 4] <nil>
	// 1 <nil>
	// 4 <nil>
	// 9 <nil>
}

// When main waits and nothing can wake it, Run says who waits on what.
func ExampleDeadlockError() {
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		var never corio.Event
		return never.Wait(ctx)
	})
	fmt.Println(err.(*corio.DeadlockError).Tasks[0].WaitsOn)
	// Output: event
}

// A killed task may still clean up, and wait while it does, with a
// context that does not descend from its own: here a handler says goodbye
// to its peer (a queue stands in for the connection) when the server
// shuts it down, bounded by a timeout of its own. Waits with the killed
// context itself fail at once.
func ExampleTask_Kill_cleanUp() {
	corio.Run(context.Background(), func(ctx context.Context) error {
		peer := corio.NewQueue[string](1)
		handler := corio.Spawn(ctx, func(ctx context.Context) error {
			err := corio.Sleep(ctx, time.Hour) // serving, until killed
			fmt.Println("handler:", err)

			clean, cancel := corio.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			corio.Sleep(clean, 100*time.Millisecond) // flush, say
			fmt.Println("goodbye sent:", peer.Put(clean, "goodbye"))
			fmt.Println("the killed context still fails:", corio.Sleep(ctx, time.Second))
			return err
		})
		corio.Sleep(ctx, time.Second)
		handler.Kill() // shutting down
		msg, _ := peer.Get(ctx)
		fmt.Println("peer got:", msg)
		return nil
	}, corio.VirtualClock())
	// Output:
	// handler: context canceled
	// goodbye sent: <nil>
	// the killed context still fails: context canceled
	// peer got: goodbye
}
