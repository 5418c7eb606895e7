package poll

import (
	"errors"
	"testing"
	"time"
)

func TestTimeoutMillis(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int
	}{
		{-1, -1}, {0, 0}, {1, 1}, {time.Millisecond, 1}, {time.Millisecond + 1, 2}, {1 << 62, 1 << 30},
	} {
		if got := timeoutMillis(tt.d); got != tt.want {
			t.Errorf("timeoutMillis(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestWaitAndWake(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if ev, err := p.Wait(0, nil); err != nil || len(ev) != 0 {
		t.Fatalf("Wait(0) = %v, %v", ev, err)
	}
	if ev, err := p.Wait(time.Millisecond, nil); err != nil || len(ev) != 0 {
		t.Fatalf("Wait(1ms) = %v, %v", ev, err)
	}
	// A wake-up before the wait is kept until the wait, and reported as
	// nothing; several coalesce into one.
	for range 3 {
		if err := p.Wake(); err != nil {
			t.Fatal(err)
		}
	}
	if ev, err := p.Wait(-1, nil); err != nil || len(ev) != 0 {
		t.Fatalf("Wait after Wake = %v, %v", ev, err)
	}
	// A wake-up from another goroutine ends a wait with no timeout.
	go p.Wake()
	if ev, err := p.Wait(-1, nil); err != nil || len(ev) != 0 {
		t.Fatalf("Wait woken from another goroutine = %v, %v", ev, err)
	}
	// Consumed: the next wait times out.
	if ev, err := p.Wait(0, nil); err != nil || len(ev) != 0 {
		t.Fatalf("Wait(0) after a consumed wake = %v, %v", ev, err)
	}
}

func TestClosed(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := p.Wait(0, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait after Close = %v", err)
	}
}
