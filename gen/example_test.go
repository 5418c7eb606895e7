package gen_test

import (
	"fmt"

	"github.com/corio-go/corio/gen"
)

// The seed's producer/consumer: the consumer is primed with Next, then the
// producer sends it each item.
func Example_producerConsumer() {
	consumer := gen.New(func(y *gen.Yielder[struct{}, int]) (struct{}, error) {
		for {
			x, err := y.Yield(struct{}{})
			if err != nil {
				return struct{}{}, nil
			}
			fmt.Println("consumed", x)
		}
	})
	consumer.Next() // prime: run to the first Yield
	for i := range 3 {
		consumer.Send(i)
	}
	consumer.Close()
	// Output:
	// consumed 0
	// consumed 1
	// consumed 2
}

// A generator ranged over with All runs in push mode, with no coroutine.
func ExampleGenerator_All() {
	fib := gen.New(func(y *gen.Yielder[int, struct{}]) (int, error) {
		a, b := 0, 1
		for {
			if _, err := y.Yield(a); err != nil {
				return a, nil
			}
			a, b = b, a+b
		}
	})
	for v := range fib.All() {
		if v > 50 {
			break
		}
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output: 0 1 1 2 3 5 8 13 21 34
}

// YieldFrom delegates to a sub-generator and evaluates to its return value.
func ExampleYieldFrom() {
	inner := gen.New(func(y *gen.Yielder[string, struct{}]) (int, error) {
		y.Yield("a")
		y.Yield("b")
		return 2, nil
	})
	outer := gen.New(func(y *gen.Yielder[string, struct{}]) (int, error) {
		n, err := gen.YieldFrom(y, inner)
		y.Yield(fmt.Sprint("inner yielded ", n))
		return 0, err
	})
	for v := range outer.All() {
		fmt.Println(v)
	}
	// Output:
	// a
	// b
	// inner yielded 2
}
