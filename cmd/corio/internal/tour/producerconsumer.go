package tour

import (
	"flag"
	"fmt"
	"io"

	"github.com/corio-go/corio/gen"
)

// ProducerConsumer is the seed's generator pipeline: the producer makes a
// consumer, primes it with Next (running it to its first Yield), then
// sends it each item it produces.
func ProducerConsumer(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("producer-consumer", flag.ContinueOnError)
	n := fs.Int("n", 5, "number of items")
	if err := parse(fs, out, args); err != nil {
		return err
	}
	if *n < 0 {
		return fmt.Errorf("%w: producer-consumer: -n must not be negative, got %d", ErrUsage, *n)
	}
	consumer := gen.New(func(y *gen.Yielder[struct{}, int]) (struct{}, error) {
		for {
			x, err := y.Yield(struct{}{}) // x = yield
			if err != nil {
				fmt.Fprintln(out, "consumer: closed")
				return struct{}{}, nil
			}
			fmt.Fprintf(out, "consumer: got %d\n", x)
		}
	})
	if _, err := consumer.Next(); err != nil { // next(g)
		return err
	}
	for i := range *n {
		fmt.Fprintf(out, "producer: sending %d\n", i)
		if _, err := consumer.Send(i); err != nil { // g.send(i)
			return err
		}
	}
	return consumer.Close()
}
