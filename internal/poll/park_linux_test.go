package poll

import (
	"runtime"
	"strings"
	"testing"
	"time"
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
