package tour_test

import (
	"os"

	"github.com/corio-go/corio/internal/tour"
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
