package corio

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The timer queue against a plain model: random pushes, reschedules and
// removals, popped with a clock that moves forward in random steps. Every
// pop must give the earliest pending timer (first set first among equal
// times), and nothing else.
func TestTimerQueueAgainstModel(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var q timerQueue
		timers := make([]timer, 300)
		type pend struct {
			when int64
			seq  uint64
		}
		model := map[*timer]pend{}
		var seq uint64
		now := int64(0)
		for step := range 5000 {
			tm := &timers[rng.IntN(len(timers))]
			switch op := rng.IntN(10); {
			case op < 5: // push or reschedule
				when := now + rng.Int64N(1<<uint(rng.IntN(40)))
				if rng.IntN(4) == 0 {
					when = now + rng.Int64N(4) // many equal times
				}
				q.push(tm, when)
				seq++
				model[tm] = pend{when, seq}
			case op < 7:
				q.remove(tm)
				delete(model, tm)
			default: // advance the clock and pop what is due
				now += rng.Int64N(1 << uint(rng.IntN(38)))
				for {
					got := q.pop(now)
					var want *timer
					for m, p := range model {
						if p.when <= now && (want == nil || p.when < model[want].when ||
							p.when == model[want].when && p.seq < model[want].seq) {
							want = m
						}
					}
					if got != want {
						t.Fatalf("seed %d step %d: pop(%d) = %p, want %p", seed, step, now, got, want)
					}
					if got == nil {
						break
					}
					delete(model, got)
				}
			}
			if q.len() != len(model) {
				t.Fatalf("seed %d step %d: len %d, want %d", seed, step, q.len(), len(model))
			}
			if when, ok := q.nextWhen(); ok != (len(model) > 0) {
				t.Fatalf("nextWhen ok = %v with %d pending", ok, len(model))
			} else if ok {
				least := slices.MinFunc(mapValues(model), func(a, b pend) int { return int(a.when - b.when) })
				if when > least.when {
					t.Fatalf("nextWhen %d after the earliest timer %d", when, least.when)
				}
			}
		}
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	var vs []V
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

// Removing most timers sweeps the dead entries out.
func TestTimerQueueSweeps(t *testing.T) {
	var q timerQueue
	timers := make([]timer, 1000)
	for i := range timers {
		q.push(&timers[i], int64(i)*1000)
	}
	for i := range 900 {
		q.remove(&timers[i])
	}
	entries := 0
	for _, b := range q.buckets {
		entries += len(b)
	}
	if q.len() != 100 || entries > 2*q.len()+64 {
		t.Fatalf("len %d, %d entries kept", q.len(), entries)
	}
	for i := 900; i < 1000; i++ {
		if got := q.pop(1 << 40); got != &timers[i] {
			t.Fatalf("pop %d = %p", i, got)
		}
	}
	if q.pop(1<<40) != nil || q.len() != 0 {
		t.Fatal("not empty")
	}
}

// A bucket grows by doubling, not by append's quarter for large slices:
// the arrays a growing bucket leaves behind stay small next to it (they
// were some 100 bytes per connection of a server with an idle timeout).
func TestTimerBucketGrowsByDoubling(t *testing.T) {
	var q timerQueue
	timers := make([]timer, 1000)
	for i := range timers {
		q.push(&timers[i], 1<<40) // all in one bucket
	}
	b := q.buckets[bucketOf(1<<40, 0)]
	if len(b) != 1000 || cap(b) != 1024 {
		t.Errorf("bucket of %d entries has room for %d, want 1024", len(b), cap(b))
	}
}
