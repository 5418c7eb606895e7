package poll

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A Wait with nothing to report parks its goroutine on the runtime's
// poller ("IO wait"), holding no thread in a system call: a hub that waits
// is idle as the Go scheduler sees it. Wake and the timeout still end it.
func TestWaitParksOnTheRuntimePoller(t *testing.T) {
	const n = 8
	pollers := make([]*Poller, n)
	done := make(chan error, n)
	for i := range pollers {
		p, err := New()
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		pollers[i] = p
		go func() {
			_, err := p.Wait(-1, nil)
			done <- err
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for parked := 0; parked < n; parked = waitsIn("[IO wait]") {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d Waits parked on the runtime's poller; in a system call: %d", parked, n, waitsIn("[syscall"))
		}
		runtime.Gosched()
	}
	for _, p := range pollers {
		p.Wake()
	}
	for range n {
		if err := <-done; err != nil {
			t.Errorf("a woken Wait: %v", err)
		}
	}
	start := time.Now()
	if ev, err := pollers[0].Wait(20*time.Millisecond, nil); err != nil || len(ev) != 0 {
		t.Fatalf("a Wait that times out: %v, %v", ev, err)
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("a Wait of 20ms returned after %v", waited)
	}
}

// waitsIn counts the goroutines in Poller.Wait whose state starts with
// state.
func waitsIn(state string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, state) && strings.Contains(g, "poll.(*Poller).Wait") {
			n++
		}
	}
	return n
}

// A Wait that timed out leaves nothing behind: the next one still looks,
// reports an event that came meanwhile, and parks again for the next.
func TestWaitAfterATimeout(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if err := p.Add(fds[0]); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		if ev, err := p.Wait(time.Millisecond, nil); err != nil || len(ev) != 0 {
			t.Fatalf("round %d: a Wait that times out: %v, %v", round, ev, err)
		}
		unix.Write(fds[1], []byte{1})
		ev, err := p.Wait(-1, nil)
		if err != nil || len(ev) != 1 || ev[0].Fd != fds[0] || !ev[0].Readable {
			t.Fatalf("round %d: the Wait after it: %v, %v; want fd %d readable", round, ev, err, fds[0])
		}
		unix.Read(fds[0], make([]byte, 1))
		go func() { p.Wake() }()
		if ev, err := p.Wait(-1, nil); err != nil || len(ev) != 0 {
			t.Fatalf("round %d: a Wait ended by Wake: %v, %v", round, ev, err)
		}
	}
}
