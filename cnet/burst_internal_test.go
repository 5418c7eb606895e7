package cnet

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// idleRecorder upper-cases each burst and records when bursts and the
// close happen, on the virtual clock.
type idleRecorder struct {
	start  time.Time
	at     []time.Duration
	closed error
}

func (r *idleRecorder) Burst(ctx context.Context, c *Conn) error {
	r.at = append(r.at, corio.Now(ctx).Sub(r.start))
	b := make([]byte, 16)
	n, err := c.Read(b)
	if err != nil {
		return err
	}
	_, err = c.Write(b[:n])
	return err
}

func (r *idleRecorder) Closed(c *Conn, err error) {
	r.at = append(r.at, c.Now().Sub(r.start))
	r.closed = err
}

// An idle connection served by bursts is closed IdleTimeout after its
// last burst, with no task waiting for it; each burst restarts the bound.
// Client and server share one virtual-clock hub, so that time jumps only
// when both wait.
func TestBurstsIdleTimeout(t *testing.T) {
	rec := &idleRecorder{}
	s := &StreamServer{IdleTimeout: time.Hour, Bursts: func(*Conn) BurstHandler { return rec }}
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		rec.start = corio.Now(ctx)
		sh := &serverHub{srv: s, hub: corio.HubOf(ctx), ctx: ctx, conns: corio.NewGroup()}
		l, err := Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		client, err := Dial(ctx, "tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer client.Close()
		sock, peer, err := l.acceptSocket()
		if err != nil {
			return err
		}
		fd, err := l.fd.Register(sock)
		if err != nil {
			return err
		}
		ended := false
		sh.connDone = func() { ended = true }
		s.startBursts(sh, l, fd, peer)
		for _, wait := range []time.Duration{0, 30 * time.Minute} {
			corio.Sleep(ctx, wait)
			if _, err := client.Write([]byte("ping")); err != nil {
				return err
			}
			if _, err := io.ReadFull(client, make([]byte, 4)); err != nil {
				return err
			}
		}
		if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("read after the idle timeout = %d, %v; want EOF", n, err)
		}
		if !ended || len(sh.bursts) != 0 {
			t.Errorf("the server still holds the connection: ended %v, %d held", ended, len(sh.bursts))
		}
		return nil
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	var ne net.Error
	if !errors.Is(rec.closed, os.ErrDeadlineExceeded) || !errors.As(rec.closed, &ne) || !ne.Timeout() {
		t.Errorf("Closed = %v, want a timeout", rec.closed)
	}
	if want := []time.Duration{0, 30 * time.Minute, 90 * time.Minute}; !slices.Equal(rec.at, want) {
		t.Errorf("bursts and close at %v, want %v", rec.at, want)
	}
}
