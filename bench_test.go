package corio_test

import (
	"context"
	"fmt"
	"runtime"
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

// BenchmarkSleep0: one Sleep(ctx, 0) with another task ready, which
// yields the same way: per yield, one switch from a task to the other.
// Two tasks yield b.N times between them, so a round trip is two ops.
func BenchmarkSleep0(b *testing.B) {
	b.ReportAllocs()
	runBench(b, func(ctx context.Context) error {
		yielder := func(n int) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				for range n {
					if err := corio.Sleep(ctx, 0); err != nil {
						return err
					}
				}
				return nil
			}
		}
		a := corio.Spawn(ctx, yielder(b.N/2))
		other := corio.Spawn(ctx, yielder(b.N-b.N/2))
		b.ResetTimer()
		return corio.JoinAll(ctx, a, other)
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

// BenchmarkQueueHandoff: one round trip between two tasks through two
// queues: ping puts to one and gets from the other, pong the reverse.
func BenchmarkQueueHandoff(b *testing.B) {
	b.ReportAllocs()
	runBench(b, func(ctx context.Context) error {
		ping, pong := corio.NewQueue[int](1), corio.NewQueue[int](1)
		n := b.N
		other := corio.Spawn(ctx, func(ctx context.Context) error {
			for range n {
				v, err := ping.Get(ctx)
				if err != nil {
					return err
				}
				if err := pong.Put(ctx, v+1); err != nil {
					return err
				}
			}
			return nil
		})
		b.ResetTimer()
		for i := range n {
			if err := ping.Put(ctx, i); err != nil {
				return err
			}
			if v, err := pong.Get(ctx); err != nil || v != i+1 {
				return fmt.Errorf("got %d, %v", v, err)
			}
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
			fire := func() {
				if fired++; fired == n {
					all.Set()
				}
			}
			for i := range n {
				corio.AfterFunc(ctx, time.Duration(i*7919%batch)*time.Microsecond, fire)
			}
			return all.Wait(ctx)
		}, corio.VirtualClock())
		if err != nil {
			b.Fatal(err)
		}
	}
}

// memoryInUse is the heap and stack memory in use after a collection.
func memoryInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// BenchmarkParkedTaskMemory: memory per task, for b.N tasks parked on an
// Event. The time per op is not the point; B/task is. For the figure in
// BENCHMARKS.md it runs with -benchtime 100000x, alone in a fresh process:
// the runtime reuses goroutines and sizes stacks from earlier runs.
func BenchmarkParkedTaskMemory(b *testing.B) {
	runBench(b, func(ctx context.Context) error {
		var release, done corio.Event
		left := b.N
		park := func(ctx context.Context) error {
			err := release.Wait(ctx)
			if left--; left == 0 {
				done.Set()
			}
			return err
		}
		before := memoryInUse()
		for range b.N {
			corio.Spawn(ctx, park) // kept by the hub only, as the goroutines are
		}
		corio.Sleep(ctx, 0) // every task runs and parks
		after := memoryInUse()
		b.ReportMetric(float64(after-before)/float64(b.N), "B/task")
		release.Set()
		return done.Wait(ctx)
	})
}

// BenchmarkBaselineParkedGoroutineMemory: memory per goroutine, for b.N
// goroutines parked on a channel.
func BenchmarkBaselineParkedGoroutineMemory(b *testing.B) {
	release := make(chan struct{})
	var started, done sync.WaitGroup
	before := memoryInUse()
	for range b.N {
		started.Add(1)
		done.Add(1)
		go func() {
			started.Done()
			<-release
			done.Done()
		}()
	}
	started.Wait()
	after := memoryInUse()
	b.ReportMetric(float64(after-before)/float64(b.N), "B/task")
	close(release)
	done.Wait()
}

// BenchmarkBlockingRoundTrip: one call offloaded with Blocking and its
// result back on the hub, which has nothing else to do meanwhile: the
// hub waits in its poller for the offloading goroutine's wake-up, so this
// is the cost of that wait and wake-up (see internal/poll).
func BenchmarkBlockingRoundTrip(b *testing.B) {
	runBench(b, func(ctx context.Context) error {
		for b.Loop() {
			if _, err := corio.Blocking(ctx, func(context.Context) (int, error) { return 1, nil }); err != nil {
				return err
			}
		}
		return nil
	})
}
