package sim_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/sim"
)

// runFixed runs fn on a network of 5 ms latency each way, run without a seed: the
// tests read exact times.
func runFixed(t *testing.T, fn func(ctx context.Context, n *sim.Network, a, b *sim.Host) error) {
	t.Helper()
	n := sim.NewNetwork(fixedNetwork)
	err := corio.Run(t.Context(), func(ctx context.Context) error {
		a, _ := n.AddHost("a")
		b, _ := n.AddHost("b")
		return fn(ctx, n, a, b)
	}, sim.OnNetwork(n))
	if err != nil {
		t.Fatal(err)
	}
}

// echoOn serves an echo on port 7 of h.
func echoOn(ctx context.Context, h *sim.Host) {
	h.Spawn(ctx, func(ctx context.Context) error {
		return (&cnet.StreamServer{Addr: ":7", Handler: func(ctx context.Context, c net.Conn) { io.Copy(c, c) }}).ServeIn(ctx)
	})
}

// roundTrip sends a byte to b:7 from a connection of host a and returns
// how long its echo took.
func roundTrip(ctx context.Context, c net.Conn) (time.Duration, error) {
	start := corio.Now(ctx)
	if _, err := c.Write([]byte{1}); err != nil {
		return 0, err
	}
	_, err := io.ReadFull(c, make([]byte, 1))
	return corio.Now(ctx).Sub(start), err
}

// dialFrom dials addr from host h, within timeout, for the calling task.
func dialFrom(ctx context.Context, h *sim.Host, addr string, timeout time.Duration) (*cnet.Conn, error) {
	var c *cnet.Conn
	task, err := h.Spawn(ctx, func(ctx context.Context) error {
		ctx, cancel := corio.WithTimeout(ctx, timeout)
		defer cancel()
		var err error
		c, err = cnet.Dial(ctx, "tcp", addr)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := task.Join(ctx); err != nil {
		return nil, err
	}
	return c, task.Err()
}

func TestLatencyAndHoldAndPartition(t *testing.T) {
	runFixed(t, func(ctx context.Context, n *sim.Network, a, b *sim.Host) error {
		echoOn(ctx, b)
		var got []string
		task, _ := a.Spawn(ctx, func(ctx context.Context) error {
			c, err := cnet.Dial(ctx, "tcp", "b:7")
			if err != nil {
				return err
			}
			defer c.Close()
			for range 3 {
				d, err := roundTrip(ctx, c)
				if err != nil {
					return err
				}
				got = append(got, d.String())
			}
			return nil
		})
		// Connected at 10 ms; the first round trip takes 10 ms. The
		// second is sent at 20 ms: its request, due at 25, is held from
		// 22 to 50 and arrives at 55; its echo, due at 60, is caught by a
		// partition from 56 to 80 and arrives at 85: 65 ms. The third
		// takes 10 ms again.
		corio.AfterFunc(ctx, 22*time.Millisecond, func() { n.Hold(a, b) })
		corio.AfterFunc(ctx, 50*time.Millisecond, func() { n.Release(a, b) })
		corio.AfterFunc(ctx, 56*time.Millisecond, func() { n.Partition(a, b) })
		corio.AfterFunc(ctx, 80*time.Millisecond, func() { n.Heal(a, b) })
		if err := task.Join(ctx); err != nil {
			return err
		}
		if want := "[10ms 65ms 10ms]"; fmt.Sprint(got) != want {
			return fmt.Errorf("round trips %v, want %s", got, want)
		}
		return nil
	})
}

func TestCrashResetsAndRestartRunsMain(t *testing.T) {
	runFixed(t, func(ctx context.Context, n *sim.Network, a, b *sim.Host) error {
		starts := 0
		b.SetMain(ctx, func(ctx context.Context) error {
			starts++
			return (&cnet.StreamServer{Addr: ":7", Handler: func(ctx context.Context, c net.Conn) { io.Copy(c, c) }}).ServeIn(ctx)
		})
		c, err := dialFrom(ctx, a, "b:7", time.Minute)
		if err != nil {
			return err
		}
		if _, err := roundTrip(ctx, c); err != nil {
			return err
		}
		b.Crash()
		if _, err := roundTrip(ctx, c); !errors.Is(err, syscall.ECONNRESET) {
			return fmt.Errorf("a round trip to a crashed host: %v, want ECONNRESET", err)
		}
		c.Close()
		_, err = dialFrom(ctx, a, "b:7", 3*time.Second)
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			return fmt.Errorf("a connect to a host that is down: %v, want a timeout (net.Error)", err)
		}
		if err := b.Restart(); err != nil {
			return err
		}
		if c, err = dialFrom(ctx, a, "b:7", time.Minute); err != nil {
			return fmt.Errorf("after the restart: %v", err)
		}
		defer c.Close()
		if _, err := roundTrip(ctx, c); err != nil {
			return err
		}
		if starts != 2 {
			return fmt.Errorf("main started %d times, want 2", starts)
		}
		return nil
	})
}

func TestDatagramsLostInAPartition(t *testing.T) {
	runFixed(t, func(ctx context.Context, n *sim.Network, a, b *sim.Host) error {
		var got []string
		recv, _ := b.Spawn(ctx, func(ctx context.Context) error {
			p, err := cnet.ListenPacket(ctx, "udp", ":53")
			if err != nil {
				return err
			}
			defer p.Close()
			p.SetReadDeadline(corio.Now(ctx).Add(time.Second))
			buf := make([]byte, 16)
			for {
				k, _, err := p.ReadFrom(buf)
				if err != nil {
					return nil // the deadline: what came has come
				}
				got = append(got, string(buf[:k]))
			}
		})
		send, _ := a.Spawn(ctx, func(ctx context.Context) error {
			p, err := cnet.ListenPacket(ctx, "udp", ":0")
			if err != nil {
				return err
			}
			defer p.Close()
			to := &net.UDPAddr{IP: b.Addr().AsSlice(), Port: 53}
			for i, cut := range []bool{false, true, false} {
				if cut {
					n.Partition(a, b)
				}
				if _, err := p.WriteTo([]byte(fmt.Sprint(i)), to); err != nil {
					return err
				}
				if cut {
					n.Heal(a, b)
				}
				corio.Sleep(ctx, 10*time.Millisecond)
			}
			return nil
		})
		if err := corio.JoinAll(ctx, recv, send); err != nil {
			return err
		}
		if fmt.Sprint(got) != "[0 2]" {
			return fmt.Errorf("datagrams received %v, want [0 2] (1 sent across a partition)", got)
		}
		return nil
	})
}

func TestNamesPortsAndErrors(t *testing.T) {
	runFixed(t, func(ctx context.Context, n *sim.Network, a, b *sim.Host) error {
		if _, err := n.AddHost("a"); err == nil {
			return errors.New("a second host named a was added")
		}
		if _, err := cnet.Dial(ctx, "tcp", "nowhere:80"); !isNotFound(err) {
			return fmt.Errorf("dial an unknown name: %v, want not found", err)
		}
		if _, err := cnet.Dial(ctx, "tcp", "b:80"); !errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("dial a port nobody listens on: %v, want ECONNREFUSED", err)
		}
		l, err := cnet.Listen(ctx, "tcp", ":8080")
		if err != nil {
			return err
		}
		defer l.Close()
		if _, err := cnet.Listen(ctx, "tcp", ":8080"); !errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen twice on a port: %v, want EADDRINUSE", err)
		}
		if _, err := cnet.Listen(ctx, "unix", "/tmp/x.sock"); err == nil {
			return errors.New("a Unix socket on the simulated network")
		}
		if got := l.Addr().String(); got != "10.0.0.1:8080" {
			return fmt.Errorf("listener on main at %s, want 10.0.0.1:8080", got)
		}
		return nil
	})
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}
