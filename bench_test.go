package corio_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// runBench runs body as the main task of a hub on the real clock.
func runBench(b *testing.B, body func(ctx context.Context) error) {
	b.Helper()
	if err := corio.Run(context.Background(), body); err != nil {
		b.Fatal(err)
	}
}

const spawnBatch = 10_000

// BenchmarkSpawnJoin: per task, batches of 10,000 spawned and joined with
// JoinAll.
func BenchmarkSpawnJoin(b *testing.B) {
	b.ReportAllocs()
	runBench(b, func(ctx context.Context) error {
		tasks := make([]corio.Joinable, 0, spawnBatch)
		noop := func(ctx context.Context) error { return nil }
		b.ResetTimer()
		for done := 0; done < b.N; done += spawnBatch {
			tasks = tasks[:0]
			for range min(spawnBatch, b.N-done) {
				tasks = append(tasks, corio.Spawn(ctx, noop))
			}
			if err := corio.JoinAll(ctx, tasks...); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkBaselineGoWaitGroup: per goroutine, batches of 10,000 started
// with go and waited for with a sync.WaitGroup.
func BenchmarkBaselineGoWaitGroup(b *testing.B) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	for done := 0; done < b.N; done += spawnBatch {
		for range min(spawnBatch, b.N-done) {
			wg.Add(1)
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
}

// BenchmarkSleep0: one Sleep(ctx, 0) with another task ready, which yields
// the same way: per call, one switch away and one back.
func BenchmarkSleep0(b *testing.B) {
	b.ReportAllocs()
	runBench(b, func(ctx context.Context) error {
		stop := false
		other := corio.Spawn(ctx, func(ctx context.Context) error {
			for !stop {
				corio.Sleep(ctx, 0)
			}
			return nil
		})
		corio.Sleep(ctx, 0)
		b.ResetTimer()
		for range b.N {
			corio.Sleep(ctx, 0)
		}
		b.StopTimer()
		stop = true
		return other.Join(ctx)
	})
}

// BenchmarkEventHandoff: one round trip between two tasks through two
// Events: ping sets the one pong waits on and waits on the other.
func BenchmarkEventHandoff(b *testing.B) {
	b.ReportAllocs()
	runBench(b, func(ctx context.Context) error {
		var ping, pong corio.Event
		n := b.N
		other := corio.Spawn(ctx, func(ctx context.Context) error {
			for range n {
				if err := ping.Wait(ctx); err != nil {
					return err
				}
				ping.Clear()
				pong.Set()
			}
			return nil
		})
		b.ResetTimer()
		for range n {
			ping.Set()
			if err := pong.Wait(ctx); err != nil {
				return err
			}
			pong.Clear()
		}
		return other.Join(ctx)
	})
}

// BenchmarkBaselineChanPingPong: one round trip between two goroutines
// through two unbuffered channels.
func BenchmarkBaselineChanPingPong(b *testing.B) {
	b.ReportAllocs()
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	for range b.N {
		ping <- struct{}{}
		<-pong
	}
	close(ping)
}

// BenchmarkTimers: per timer, schedule batches of up to 1,000,000 timers
// at spread times and run the hub until all have fired (virtual clock, so
// that the figure is the hub's work, not the waiting).
func BenchmarkTimers(b *testing.B) {
	b.ReportAllocs()
	const batch = 1_000_000
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		err := corio.Run(context.Background(), func(ctx context.Context) error {
			fired := 0
			var all corio.Event
			for i := range n {
				corio.AfterFunc(ctx, time.Duration(i*7919%batch)*time.Microsecond, func() {
					if fired++; fired == n {
						all.Set()
					}
				})
			}
			return all.Wait(ctx)
		}, corio.VirtualClock())
		if err != nil {
			b.Fatal(err)
		}
	}
}
