package cnet

import (
	"bytes"
	"context"
	"errors"
	"log"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// Failed accepts are logged a line a second at most, with the count of
// those left out (virtual clock: the backoff's waits take no time).
func TestAcceptErrorsRateLimited(t *testing.T) {
	var out bytes.Buffer
	s := &StreamServer{ErrorLog: log.New(&out, "", 0)}
	err := hubtest.Run(t, func(ctx context.Context) error {
		var b acceptBackoff
		failure := errors.New("too many open files")
		start := corio.Now(ctx)
		for corio.Now(ctx).Sub(start) < 2500*time.Millisecond {
			if !s.retryAccept(ctx, failure, &b) {
				return errors.New("retryAccept gave up")
			}
			b.reset() // as an accept that works in between does
			corio.Sleep(ctx, 10*time.Millisecond)
		}
		return nil
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"cnet: accept: too many open files; retrying in 5ms",
		"cnet: accept: too many open files; retrying in 5ms (66 more failed since the last line)",
		"cnet: accept: too many open files; retrying in 5ms (66 more failed since the last line)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
}

// Connections accepted over TCP have Nagle's algorithm off, as package
// net's do: else a response written in two parts waits for the peer's
// delayed ACK between them. (Unix sockets have no such option.)
func TestAcceptedTCPHasNoDelay(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		err := hubtest.Run(t, func(ctx context.Context) error {
			l, err := Listen(ctx, "tcp", addr)
			if err != nil {
				if strings.Contains(addr, "::1") {
					t.Skip("no IPv6 loopback:", err)
				}
				return err
			}
			defer l.Close()
			dialed, err := Dial(ctx, "tcp", l.Addr().String())
			if err != nil {
				return err
			}
			defer dialed.Close()
			accepted, err := l.AcceptConn()
			if err != nil {
				return err
			}
			defer accepted.Close()
			for side, c := range map[string]*Conn{"accepted": accepted, "dialed": dialed} {
				v, err := unix.GetsockoptInt(c.fd.Sysfd(), unix.IPPROTO_TCP, unix.TCP_NODELAY)
				if err != nil || v == 0 {
					t.Errorf("%s %s: TCP_NODELAY %d, %v; want it on", addr, side, v, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
