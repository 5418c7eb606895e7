package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// A Histogram counts latencies in log-linear buckets: 64 sub-buckets per
// power of two, so that a quantile is within 1.6% of the true value, in
// constant memory however long the run.
type Histogram struct {
	counts [64 * 64]uint64
	n      uint64
	max    time.Duration
}

const subBits = 6 // 64 sub-buckets per power of two

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<subBits {
		return int(v)
	}
	exp := bits.Len64(v) - subBits // >= 1
	return exp<<subBits | int(v>>(exp-1)&(1<<subBits-1))
}

// bucketValue is the largest value of bucket i.
func bucketValue(i int) time.Duration {
	exp, sub := i>>subBits, uint64(i&(1<<subBits-1))
	if exp == 0 {
		return time.Duration(sub)
	}
	lo := (1<<subBits | sub) << (exp - 1)
	return time.Duration(lo + 1<<(exp-1) - 1)
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the number of latencies recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest latency recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile is the latency below which a fraction q of the recorded ones
// lie (at most the largest recorded), or 0 when none was.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return min(bucketValue(i), h.max)
		}
	}
	return h.max
}
