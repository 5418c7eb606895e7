package cnet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

func TestConnOptions(t *testing.T) {
	runPair(t, "tcp", "127.0.0.1:0", func(ctx context.Context, c, s *cnet.Conn) error {
		set := []struct {
			name string
			call func() error
		}{
			{"SetNoDelay", func() error { return c.SetNoDelay(false) }},
			{"SetKeepAlive", func() error { return c.SetKeepAlive(true) }},
			{"SetReadBuffer", func() error { return c.SetReadBuffer(64 << 10) }},
			{"SetWriteBuffer", func() error { return c.SetWriteBuffer(64 << 10) }},
			{"SetLinger", func() error { return c.SetLinger(0) }},
		}
		for _, o := range set {
			if err := o.call(); err != nil {
				t.Errorf("%s: %v", o.name, err)
			}
		}
		c.Close()
		for _, o := range set {
			if err := o.call(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s after Close = %v, want net.ErrClosed", o.name, err)
			}
		}
		return nil
	})
}

func TestWaitReadable(t *testing.T) {
	runPair(t, "tcp", "127.0.0.1:0", func(ctx context.Context, c, s *cnet.Conn) error {
		var events []string
		waiter := corio.Spawn(ctx, func(ctx context.Context) error {
			err := s.WaitReadable()
			events = append(events, "readable")
			return err
		})
		corio.Sleep(ctx, 0)
		events = append(events, "write")
		c.Write([]byte("x"))
		if err := waiter.Join(ctx); err != nil {
			return err
		}
		if len(events) != 2 || events[0] != "write" || events[1] != "readable" {
			t.Errorf("events %q, want write then readable", events)
		}
		// Data is there: it returns at once, and the Read finds it.
		if err := s.WaitReadable(); err != nil {
			t.Errorf("WaitReadable with data waiting = %v", err)
		}
		if n, err := s.Read(make([]byte, 4)); n != 1 || err != nil {
			t.Errorf("Read = %d, %v", n, err)
		}
		s.SetReadDeadline(time.Now().Add(time.Second))
		if err := s.WaitReadable(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("WaitReadable past the deadline = %v", err)
		}
		s.Close()
		if err := s.WaitReadable(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("WaitReadable after Close = %v", err)
		}
		return nil
	})
}

func TestCloseRead(t *testing.T) {
	runPair(t, "tcp", "127.0.0.1:0", func(ctx context.Context, c, s *cnet.Conn) error {
		s.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := s.CloseRead(); err != nil {
			return err
		}
		if n, err := s.Read(make([]byte, 4)); n != 0 || err != io.EOF {
			t.Errorf("Read after CloseRead = %d, %v", n, err)
		}
		// The writing side still works.
		if _, err := s.Write([]byte("still")); err != nil {
			t.Errorf("Write after CloseRead: %v", err)
		}
		got := make([]byte, 5)
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "still" {
			t.Errorf("peer read %q, %v", got, err)
		}
		return nil
	})
}

// TestIPv6AndNames: a round trip over IPv6 loopback, and a dial by name.
func TestIPv6AndNames(t *testing.T) {
	run(t, func(ctx context.Context) error {
		for _, tc := range []struct{ network, listen, dialHost string }{
			{"tcp6", "[::1]:0", "::1"},
			{"tcp", "127.0.0.1:0", "localhost"},
		} {
			l, err := cnet.Listen(ctx, tc.network, tc.listen)
			if err != nil {
				if tc.network == "tcp6" {
					t.Logf("no IPv6 loopback here: %v", err)
					continue
				}
				return err
			}
			corio.Spawn(ctx, func(ctx context.Context) error { return upperServer(ctx, l) })
			_, port, _ := net.SplitHostPort(l.Addr().String())
			c, err := cnet.Dial(ctx, tc.network, net.JoinHostPort(tc.dialHost, port))
			if err != nil {
				l.Close()
				return err
			}
			c.Write([]byte("v6 or name"))
			got := make([]byte, 10)
			if _, err := io.ReadFull(c, got); err != nil || string(got) != "V6 OR NAME" {
				t.Errorf("%s: reply %q, %v", tc.network, got, err)
			}
			c.Close()
			l.Close()
		}
		return nil
	})
}
