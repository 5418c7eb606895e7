package tour

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/corio-go/corio/gen"
)

// SerialVsYield is the seed's demonstration that switching between tasks
// that only compute costs time: a producer of n items and a consumer, run
// one after the other, then interleaved with one switch per item.
func SerialVsYield(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("serial-vs-yield", flag.ContinueOnError)
	n := fs.Int("n", 10_000_000, "number of items to produce")
	if err := parse(fs, out, args); err != nil {
		return err
	}
	if *n <= 0 {
		return fmt.Errorf("%w: serial-vs-yield: -n must be positive, got %d", ErrUsage, *n)
	}
	serial, sumA := runSerial(*n)
	switching, sumB := runSwitching(*n)
	if sumA != sumB {
		return fmt.Errorf("tour: serial-vs-yield: the two runs disagree: %d vs %d", sumA, sumB)
	}
	fmt.Fprintf(out, "items:                     %d\n", *n)
	fmt.Fprintf(out, "serial (produce, consume): %v\n", serial.Round(time.Microsecond))
	fmt.Fprintf(out, "switching (send per item): %v\n", switching.Round(time.Microsecond))
	fmt.Fprintf(out, "overhead per switch:       %.1f ns\n", float64(switching-serial)/float64(*n))
	fmt.Fprintln(out, "Switching between tasks that only compute makes them slower; it pays only when a task would wait.")
	return nil
}

// runSerial produces every item into a slice, then consumes them all.
func runSerial(n int) (time.Duration, int) {
	start := time.Now()
	items := make([]int, 0, n)
	for i := range n {
		items = append(items, i)
	}
	sum := 0
	for _, x := range items {
		sum += x
	}
	return time.Since(start), sum
}

// runSwitching sends each item to a consumer generator as it is produced.
func runSwitching(n int) (time.Duration, int) {
	start := time.Now()
	sum := 0
	consumer := gen.New(func(y *gen.Yielder[struct{}, int]) (struct{}, error) {
		for {
			x, err := y.Yield(struct{}{})
			if err != nil {
				return struct{}{}, nil
			}
			sum += x
		}
	})
	consumer.Next()
	for i := range n {
		consumer.Send(i)
	}
	consumer.Close()
	return time.Since(start), sum
}
