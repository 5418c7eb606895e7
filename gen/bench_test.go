package gen_test

import (
	"iter"
	"testing"

	"github.com/corio-go/corio/gen"
)

// counting yields 0, 1, 2, ... forever.
func counting(y *gen.Yielder[int, int]) (int, error) {
	for i := 0; ; i++ {
		if _, err := y.Yield(i); err != nil {
			return i, nil
		}
	}
}

// countingSeq is counting as a plain range-over-func iterator.
func countingSeq(yield func(int) bool) {
	for i := 0; ; i++ {
		if !yield(i) {
			return
		}
	}
}

var sink int

// BenchmarkBaselineIterPull: one next of a raw iter.Pull, the runtime
// coroutine switch there and back that every pull below is made of.
func BenchmarkBaselineIterPull(b *testing.B) {
	b.ReportAllocs()
	next, stop := iter.Pull(iter.Seq[int](countingSeq))
	defer stop()
	next()
	b.ResetTimer()
	for range b.N {
		v, _ := next()
		sink += v
	}
}

func BenchmarkGeneratorNext(b *testing.B) {
	b.ReportAllocs()
	g := gen.New(counting)
	defer g.Close()
	g.Next()
	b.ResetTimer()
	for range b.N {
		v, _ := g.Next()
		sink += v
	}
}

func BenchmarkGeneratorSend(b *testing.B) {
	b.ReportAllocs()
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		total := 0
		for {
			s, err := y.Yield(total)
			if err != nil {
				return total, nil
			}
			total += s
		}
	})
	defer g.Close()
	g.Next()
	b.ResetTimer()
	for i := range b.N {
		v, _ := g.Send(i)
		sink += v
	}
}

// BenchmarkGeneratorRange: per item, a generator ranged over with All (push
// mode).
func BenchmarkGeneratorRange(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for v := range gen.New(counting).All() {
		sink += v
		if n++; n >= b.N {
			break
		}
	}
}

// BenchmarkBaselineRangeFunc: per item, the same loop as a plain
// range-over-func iterator.
func BenchmarkBaselineRangeFunc(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for v := range countingSeq {
		sink += v
		if n++; n >= b.N {
			break
		}
	}
}

// BenchmarkGeneratorCreate: make a generator, pull its first value, close it.
func BenchmarkGeneratorCreate(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		g := gen.New(counting)
		v, _ := g.Next()
		sink += v
		g.Close()
	}
}
