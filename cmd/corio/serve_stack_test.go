package main

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/corio-go/corio/internal/fixture/stackprobe"
)

// An idle connection of corio serve --model tasks (the seed's loop, its
// task parked in WaitReadable) must hold no more than the runtime's smallest stack: the
// one frame too many that once doubled it was in cnet, below serve's own
// handler, so it is measured through serve itself (see package
// stackprobe).
func TestServeIdleConnectionStackStaysMinimal(t *testing.T) {
	stackprobe.Require(t, "TestServeIdleConnectionStackProbe", "serve", "idle connection of corio serve")
}

// TestServeIdleConnectionStackProbe is the fresh process of
// TestServeIdleConnectionStackStaysMinimal: corio serve with one hub, and
// connections that each make one exchange and stay open, one after
// another, as bench/idle.sh's clients do.
func TestServeIdleConnectionStackProbe(t *testing.T) {
	if stackprobe.Name() == "" {
		t.Skip("run by TestServeIdleConnectionStackStaysMinimal")
	}
	const conns = 2000
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, io.Discard, io.Discard, []string{"--addr", "127.0.0.1:0", "--hubs", "1", "--model", "tasks"},
			func(addr string) { addrs <- addr })
	}()
	addr := <-addrs
	// The clients are plain net connections of this goroutine: they hold
	// no goroutine each, so the stacks that grow are the server's.
	before := stackprobe.InUse()
	var open []net.Conn
	reply := make([]byte, 5)
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatal(err)
		}
	}
	// A reply is written just before its task parks again: measure until
	// the figure stops moving.
	after := stackprobe.InUse()
	for range 100 {
		again := stackprobe.InUse()
		if again == after {
			break
		}
		after = again
	}
	stackprobe.Report((after - before) / conns)
	for _, c := range open {
		c.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
