package corio

import "math/bits"

// A timer is an entry of the hub's timer queue. When it is due, the hub
// acts on its target: wakes a *task, cancels a *hctx with
// DeadlineExceeded, or calls a func(). Timers due at the same time fire in
// the order they were set.
type timer struct {
	seq    uint64 // the queue entry that is this timer's; 0 when not pending
	target any
}

// pending reports whether the timer is scheduled.
func (t *timer) pending() bool { return t.seq != 0 }

// timerEntry is a slot of the queue. The keys live in the slot itself, so
// that the queue sorts within its own arrays and loads a timer only to
// fire it (a cache miss each, at a million timers).
type timerEntry struct {
	when int64
	seq  uint64
	t    *timer
}

func (e *timerEntry) less(o *timerEntry) bool {
	return e.when < o.when || (e.when == o.when && e.seq < o.seq)
}

// live reports whether the entry is still its timer's: a removed or
// rescheduled timer leaves its old entry behind, dead.
func (e *timerEntry) live() bool { return e.t.seq == e.seq }

// timerQueue is a radix heap: a priority queue for keys that never go
// below the last one taken, which is what timers on a monotonic clock are.
// Keys are sorted into buckets by how they differ from last, one hex digit
// at a time: bucket 0 holds the keys equal to last; bucket 16p+v holds the
// keys whose highest digit that differs from last's is digit p, where
// their digit is v. Buckets in index order hold ever larger keys. Pushing
// is an append. Taking the least key empties the first bucket that has
// entries into lower ones around its least key, so each entry moves down
// at most once per digit, by sequential appends: cheap where a binary heap
// of a million timers misses the cache at every level. Every bucket stays
// in the order entries were pushed, so equal keys come out first-set
// first.
//
// Removal is lazy: the entry stays, dead, until it reaches the front of
// bucket 0 or dead entries outnumber live ones and they are swept out.
type timerQueue struct {
	buckets [256][]timerEntry
	full    [4]uint64 // bit b is set when bucket b has entries
	last    int64     // no key is below it
	live    int       // pending timers
	dead    int       // entries of removed timers still in buckets
	seq     uint64

	// next caches the least entry found (nextOK set) while nothing smaller
	// has been pushed. It may be dead: its key is then only a lower bound,
	// which is all that waiting needs.
	next   timerEntry
	nextOK bool
}

// bucketOf is the bucket of key k relative to last.
func bucketOf(k, last int64) int {
	diff := uint64(k ^ last)
	if diff == 0 {
		return 0
	}
	p := (bits.Len64(diff) - 1) / 4
	return p*16 + int(uint64(k)>>(4*p)&15)
}

func (q *timerQueue) add(b int, e timerEntry) {
	bucket := q.buckets[b]
	if len(bucket) == 0 {
		q.full[b/64] |= 1 << (b % 64)
	}
	if len(bucket) == cap(bucket) {
		bucket = grow(bucket)
	}
	q.buckets[b] = append(bucket, e)
}

// grow gives a full bucket twice the room. append grows a large slice by
// a quarter, which leaves behind, before a bucket reaches its size, four
// times that size in arrays the collector must free and the process
// keeps resident for a while: a server that arms an idle timeout on each
// of 10,000 connections held some 100 bytes more per connection so.
func grow(b []timerEntry) []timerEntry {
	n := make([]timerEntry, len(b), max(2*cap(b), 16))
	copy(n, b)
	return n
}

// firstFull is the first bucket after 0 that has entries, or -1.
func (q *timerQueue) firstFull() int {
	for w, bitsSet := range q.full {
		if w == 0 {
			bitsSet &^= 1
		}
		if bitsSet != 0 {
			return w*64 + bits.TrailingZeros64(bitsSet)
		}
	}
	return -1
}

// setEmpty empties bucket b, keeping its array for later appends.
func (q *timerQueue) setEmpty(b int, keep []timerEntry) {
	q.buckets[b] = keep[:0]
	q.full[b/64] &^= 1 << (b % 64)
}

// len is the number of pending timers.
func (q *timerQueue) len() int { return q.live }

// push schedules t at when (rescheduling it if it is pending).
func (q *timerQueue) push(t *timer, when int64) {
	if t.pending() {
		q.remove(t)
	}
	when = max(when, q.last)
	q.seq++
	t.seq = q.seq
	e := timerEntry{when, q.seq, t}
	q.add(bucketOf(when, q.last), e)
	q.live++
	if q.nextOK && e.less(&q.next) {
		q.nextOK = false
	}
}

// remove unschedules t if it is pending. Every wake calls it, mostly for
// a timer that is not pending: that check inlines, the rest is outlined.
func (q *timerQueue) remove(t *timer) {
	if t.pending() {
		q.unschedule(t)
	}
}

func (q *timerQueue) unschedule(t *timer) {
	t.seq = 0
	q.live--
	q.dead++
	if q.dead > 64 && q.dead > q.live {
		q.sweep()
	}
}

// nextWhen is the time of the earliest pending timer (or a time before
// it, never after), and false if no timer is pending.
func (q *timerQueue) nextWhen() (int64, bool) {
	if q.live == 0 {
		return 0, false
	}
	if !q.nextOK {
		q.next, q.nextOK = q.least(), true
	}
	return q.next.when, true
}

// pop removes and returns the earliest pending timer if it is due at now,
// or nil. now must not go backwards between calls.
func (q *timerQueue) pop(now int64) *timer {
	t, _ := q.popWhen(now)
	return t
}

// popWhen is pop that also says when the timer was due.
func (q *timerQueue) popWhen(now int64) (*timer, int64) {
	for q.live > 0 {
		if when, _ := q.nextWhen(); when > now {
			return nil, 0
		}
		// Bring the least key to bucket 0: keys are never below now from
		// here on, and it is at most now, so it may become last.
		q.nextOK = false
		if len(q.buckets[0]) == 0 {
			q.spill(q.next.when)
		}
		b := q.buckets[0]
		e := b[0]
		b[0] = timerEntry{}
		if len(b) == 1 {
			q.setEmpty(0, b[:0])
		} else {
			q.buckets[0] = b[1:]
		}
		if !e.live() {
			q.dead--
			continue
		}
		e.t.seq = 0
		q.live--
		return e.t, e.when
	}
	return nil, 0
}

// least finds the least entry, live or dead: the front of bucket 0, or
// the least of the first bucket that has entries.
func (q *timerQueue) least() timerEntry {
	if b := q.buckets[0]; len(b) > 0 {
		return b[0]
	}
	i := q.firstFull()
	if i < 0 {
		return timerEntry{}
	}
	b := q.buckets[i]
	m := 0
	for j := 1; j < len(b); j++ {
		if b[j].less(&b[m]) {
			m = j
		}
	}
	return b[m]
}

// spill makes pivot, the least key, the new last: it empties the first
// bucket that has entries into lower buckets (every entry goes lower, as
// all share their digits down to the bucket's with pivot), keeping their
// order.
func (q *timerQueue) spill(pivot int64) {
	i := q.firstFull()
	b := q.buckets[i]
	q.last = pivot
	for _, e := range b {
		q.add(bucketOf(e.when, pivot), e)
	}
	clear(b)
	q.setEmpty(i, b)
}

// sweep drops the dead entries, keeping each bucket's order.
func (q *timerQueue) sweep() {
	for i, b := range q.buckets {
		if len(b) == 0 {
			continue
		}
		kept := b[:0]
		for _, e := range b {
			if e.live() {
				kept = append(kept, e)
			}
		}
		clear(b[len(kept):])
		if len(kept) == 0 {
			q.setEmpty(i, kept)
		} else {
			q.buckets[i] = kept
		}
	}
	q.dead = 0
	q.nextOK = false
}
