package poll

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

func TestAddReportsEdges(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Add(fds[0]); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(fds[0]); err == nil {
		t.Fatal("adding an fd twice succeeded")
	}
	// Writable at once: one edge, then nothing while it stays so.
	ev, err := p.Wait(time.Second, nil)
	if err != nil || len(ev) == 0 || ev[0].Fd != fds[0] || !anyWritable(ev) || anyReadable(ev) {
		t.Fatalf("first Wait = %+v, %v", ev, err)
	}
	if ev, _ := p.Wait(0, nil); len(ev) != 0 {
		t.Fatalf("an edge repeated: %+v", ev)
	}
	unix.Write(fds[1], []byte("x"))
	ev, err = p.Wait(time.Second, nil)
	if err != nil || !anyReadable(ev) {
		t.Fatalf("after a write: %+v, %v", ev, err)
	}
	unix.Close(fds[1])
	ev, err = p.Wait(time.Second, nil)
	if err != nil || !anyHangup(ev) && !anyReadable(ev) {
		t.Fatalf("after the peer closed: %+v, %v", ev, err)
	}
	if err := p.Remove(fds[0]); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(fds[0]); err == nil {
		t.Fatal("removing an fd twice succeeded")
	}
}

func anyReadable(evs []Event) bool {
	for _, e := range evs {
		if e.Readable {
			return true
		}
	}
	return false
}

func anyWritable(evs []Event) bool {
	for _, e := range evs {
		if e.Writable {
			return true
		}
	}
	return false
}

func anyHangup(evs []Event) bool {
	for _, e := range evs {
		if e.Hangup {
			return true
		}
	}
	return false
}
