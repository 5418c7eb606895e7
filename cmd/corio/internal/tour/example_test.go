package tour_test

import (
	"os"

	"github.com/corio-go/corio/cmd/corio/internal/tour"
)

func ExampleFrames() {
	tour.Frames(os.Stdout, nil)
	// Output:
	// Python runs every call in a frame object on the heap, so a generator's
	// frame outlives each call and resumes at f_lasti. In corio a generator's body
	// runs on its own goroutine stack, also on the heap, and the Go runtime
	// switches to it and back without the scheduler.
	//
	// gen.New        state=created   paused at frames.go:45
	// Next() = 2     state=suspended paused at frames.go:46
	// Next() = 1     state=suspended paused at frames.go:49
	// exhausted      state=closed    paused at -
}

func ExampleProducerConsumer() {
	tour.ProducerConsumer(os.Stdout, []string{"-n", "3"})
	// Output:
	// producer: sending 0
	// consumer: got 0
	// producer: sending 1
	// consumer: got 1
	// producer: sending 2
	// consumer: got 2
	// consumer: closed
}

func ExampleGreenlet() {
	tour.Greenlet(os.Stdout, nil)
	// Output:
	// egon eat 1
	// egon play 1
	// egon eat 2
	// egon play 2
}

func ExampleGeventEatPlay() {
	tour.GeventEatPlay(os.Stdout, []string{"--virtual"})
	// Output:
	// 0.00s egon eat 1
	// 0.00s egon play 1
	// 1.00s egon play 2
	// 2.00s egon eat 2
	// 2.00s main: both joined (2 s of sleeping and 1 s, overlapped)
}

func ExampleSyncVsAsync() {
	tour.SyncVsAsync(os.Stdout, []string{"--virtual"})
	// Output:
	// Task 0 done
	// Task 1 done
	// Task 2 done
	// Task 3 done
	// Task 4 done
	// Task 5 done
	// Task 6 done
	// Task 7 done
	// Task 8 done
	// Task 9 done
	// synchronous: 5.00s
	// Task 0 done
	// Task 1 done
	// Task 2 done
	// Task 3 done
	// Task 4 done
	// Task 5 done
	// Task 6 done
	// Task 7 done
	// Task 8 done
	// Task 9 done
	// asynchronous: 0.50s
}

func ExampleSpawnArgs() {
	tour.SpawnArgs(os.Stdout, []string{"--virtual"})
	// Output:
	// spawned g1; it runs when main waits
	// func(1, 2, 3, x=4, y=5) runs
	// joined: done=true successful=true value=15
}

func ExampleNoLock() {
	tour.NoLock(os.Stdout, []string{"-tasks", "10", "-n", "1000"})
	// Output:
	// 10 tasks on one hub, no lock:  counter = 10000 (want 10000)
	// 10 goroutines, with a mutex: counter = 10000 (want 10000)
}

func ExampleCrawler() {
	tour.Crawler(os.Stdout, []string{"--virtual"})
	// Output:
	// GET: http://www.python.demo/
	// GET: http://www.yahoo.demo/
	// GET: http://github.demo/
	// 2026 bytes received from http://www.python.demo/.
	// 2026 bytes received from http://www.yahoo.demo/.
	// 2026 bytes received from http://github.demo/.
	// spawned and joined: 0.05s (the slowest page, not the sum)
	// GET: http://www.python.demo/
	// 2026 bytes received from http://www.python.demo/.
	// GET: http://www.yahoo.demo/
	// 2026 bytes received from http://www.yahoo.demo/.
	// GET: http://github.demo/
	// 2026 bytes received from http://github.demo/.
	// one after another: 0.15s
}

func ExampleSimulation() {
	tour.Simulation(os.Stdout, nil)
	// Output:
	// FIFO order, fixed latency: count 2, right
	// seed 3 (of 3 tried): count 1 after two increments
	// replayed: count 1 after two increments, the same 32 choices: true
	//   00.020s   bob read 0
	//   00.020s   alice read 0
	//   00.021s   bob wrote 1
	//   00.021s   alice wrote 1
	// with a lock across the wait, 100 seeds: count 2, right
}
