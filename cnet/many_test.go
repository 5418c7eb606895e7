package cnet_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/hubtest"
	seedserver "github.com/corio-go/corio/internal/fixture/upper"
)

// TestManyConnections holds 10,000 connections open at once on one hub,
// every reply verified. The clients run in a second process (this test
// binary, as TestManyConnectionsClients), so that each process needs one
// descriptor per connection. Under the race detector, which allows 8,128
// goroutines, it uses 3,000.
func TestManyConnections(t *testing.T) {
	n := 10_000
	if raceEnabled {
		n = 3_000
	}
	raiseFDLimit(t, n+100)
	err := hubtest.Run(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		open, most := 0, 0
		corio.Spawn(ctx, func(ctx context.Context) error {
			for {
				c, err := l.AcceptConn()
				if err != nil {
					return nil // closed
				}
				open++
				most = max(most, open)
				corio.Spawn(ctx, func(ctx context.Context) error {
					defer func() { c.Close(); open-- }()
					seedserver.Serve(c, nil)
					return nil
				})
			}
		})
		cmd := exec.Command(os.Args[0], "-test.run=^TestManyConnectionsClients$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CORIO_MANY_ADDR="+l.Addr().String(), "CORIO_MANY_N="+strconv.Itoa(n))
		out, err := corio.Blocking(ctx, func(context.Context) ([]byte, error) { return cmd.CombinedOutput() })
		if err != nil {
			return fmt.Errorf("clients: %v\n%s", err, out)
		}
		if most < n {
			return fmt.Errorf("at most %d connections were open at once, want %d", most, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestManyConnectionsClients is the client side of TestManyConnections,
// run in its own process; alone, it does nothing.
func TestManyConnectionsClients(t *testing.T) {
	addr := os.Getenv("CORIO_MANY_ADDR")
	if addr == "" {
		t.Skip("the client half of TestManyConnections")
	}
	n, _ := strconv.Atoi(os.Getenv("CORIO_MANY_N"))
	raiseFDLimit(t, n+100)
	err := hubtest.Run(t, func(ctx context.Context) error {
		var allOpen corio.Event
		connected := 0
		g := corio.NewGroup()
		for i := range n {
			g.Spawn(ctx, func(ctx context.Context) error {
				c, err := cnet.Dial(ctx, "tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				if connected++; connected == n {
					allOpen.Set()
				}
				for round := range 2 {
					if err := exchange(c, fmt.Sprintf("client%d say hello %d", i, round)); err != nil {
						return fmt.Errorf("client %d: %w", i, err)
					}
					if err := allOpen.Wait(ctx); err != nil { // all open at once
						return err
					}
				}
				return nil
			})
		}
		return g.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// raiseFDLimit raises the soft limit on open descriptors to at least n,
// within the hard limit, or skips the test.
func raiseFDLimit(t *testing.T, n int) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= uint64(n) {
		return
	}
	if lim.Max < uint64(n) {
		t.Skipf("needs %d descriptors; the hard limit is %d", n, lim.Max)
	}
	lim.Cur = uint64(n)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
}
