package coro

import (
	"iter"
	"testing"
)

// BenchmarkPullStruct: one next of iter.Pull carrying no value, the switch
// there and back that a Coro is made of.
func BenchmarkPullStruct(b *testing.B) {
	b.ReportAllocs()
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
		}
	})
	defer stop()
	for range b.N {
		next()
	}
}

// BenchmarkCoroResume: one Send and Yield of a Coro passing ints.
func BenchmarkCoroResume(b *testing.B) {
	b.ReportAllocs()
	c := New(func(c *Coro[int, int], in int) (int, error) {
		for {
			in, _ = c.Yield(in)
		}
	}, Config[int]{})
	defer c.Close()
	for i := range b.N {
		c.Send(i)
	}
}

// BenchmarkFiberSwitch: one round trip between two fibers (two switches).
func BenchmarkFiberSwitch(b *testing.B) {
	b.ReportAllocs()
	s, root := NewSched(nil)
	var ping, pong *Fiber
	n := b.N
	ping = s.New(Funcs{func() {
		for range n {
			ping.Switch(pong)
		}
	}, func() *Fiber { return root }})
	pong = s.New(Funcs{func() {
		for {
			pong.Switch(ping)
		}
	}, func() *Fiber { return root }})
	b.ResetTimer()
	root.Switch(ping)
	b.StopTimer()
	root.Unwind(pong)
}
