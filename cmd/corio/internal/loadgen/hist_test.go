package loadgen

import (
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("quantile of nothing")
	}
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.9, 9000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {1, 10000 * time.Microsecond}} {
		got := h.Quantile(tc.q)
		if got < tc.want || float64(got) > float64(tc.want)*1.016 {
			t.Errorf("Quantile(%v) = %v, want %v within 1.6%% above", tc.q, got, tc.want)
		}
	}
	if h.Count() != 10000 || h.Max() != 10*time.Millisecond {
		t.Fatalf("count %d max %v", h.Count(), h.Max())
	}
	var other Histogram
	other.Record(time.Second)
	h.Merge(&other)
	if h.Count() != 10001 || h.Max() != time.Second || h.Quantile(1) != time.Second {
		t.Fatalf("after Merge: count %d max %v q1 %v", h.Count(), h.Max(), h.Quantile(1))
	}
	for _, d := range []time.Duration{0, 1, 63, 64, 65, 1000, 1 << 40} {
		if v := bucketValue(bucketOf(d)); v < d {
			t.Errorf("bucket of %d ends at %d, below it", d, v)
		}
	}
}
