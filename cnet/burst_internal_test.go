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
	"github.com/corio-go/corio/internal/fixture/hubtest"
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
	return echoOnce(c)
}

// echoOnce reads what has come (up to 16 bytes) and writes it back.
func echoOnce(c *Conn) error {
	b := make([]byte, 16)
	n, err := c.Read(b)
	if err != nil {
		return err
	}
	_, err = c.Write(b[:n])
	return err
}

// dialBurst connects a client to l and has sh serve the accepted end
// burst by burst, as s would.
func dialBurst(ctx context.Context, s *StreamServer, sh *serverHub, l *Listener) (*Conn, error) {
	client, err := Dial(ctx, "tcp", l.Addr().String())
	if err != nil {
		return nil, err
	}
	sock, peer, err := l.acceptSocket()
	if err == nil {
		var fd *corio.FD
		if fd, err = l.fd.RegisterSibling(sock); err == nil {
			s.startBursts(sh, l, fd, peer)
			return client, nil
		}
	}
	client.Close()
	return nil, err
}

// ping sends a message and reads its echo.
func ping(c *Conn) error {
	if _, err := c.Write([]byte("ping")); err != nil {
		return err
	}
	_, err := io.ReadFull(c, make([]byte, 4))
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
	err := hubtest.Run(t, func(ctx context.Context) error {
		rec.start = corio.Now(ctx)
		sh := &serverHub{srv: s, hub: corio.HubOf(ctx), ctx: ctx, conns: corio.NewGroup()}
		l, err := Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		ended := false
		sh.connDone = func() { ended = true }
		client, err := dialBurst(ctx, s, sh, l)
		if err != nil {
			return err
		}
		defer client.Close()
		for _, wait := range []time.Duration{0, 30 * time.Minute} {
			corio.Sleep(ctx, wait)
			if err := ping(client); err != nil {
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

// The connections that wait between bursts share one timer (the hub's
// idle queue): each is closed exactly IdleTimeout after it began to wait,
// a burst sends it to the back, and one that ends (here at its peer's
// close) leaves the others' bounds as they were, also the one moved into
// its place among the server's connections. A handler that sets its
// connection an idle timeout of its own has it.
func TestBurstsIdleQueue(t *testing.T) {
	type closing struct {
		at       time.Duration
		deadline bool // closed by the idle timeout (else by the peer)
	}
	closed := map[string]closing{}
	var start time.Time
	accepted := 0
	s := &StreamServer{IdleTimeout: time.Hour, Bursts: func(*Conn) BurstHandler {
		r := &closeRecorder{onClose: func(c *Conn, err error) {
			closed[c.RemoteAddr().String()] = closing{c.Now().Sub(start), errors.Is(err, os.ErrDeadlineExceeded)}
		}}
		if accepted++; accepted == 3 {
			r.idle = 15 * time.Minute
		}
		return r
	}}
	var names []string
	err := hubtest.Run(t, func(ctx context.Context) error {
		start = corio.Now(ctx)
		sh := &serverHub{srv: s, hub: corio.HubOf(ctx), ctx: ctx, conns: corio.NewGroup()}
		sh.connDone = func() {}
		l, err := Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		clients := make([]*Conn, 5)
		for i := range clients {
			if clients[i], err = dialBurst(ctx, s, sh, l); err != nil {
				return err
			}
			defer clients[i].Close()
			names = append(names, clients[i].LocalAddr().String())
		}
		corio.Sleep(ctx, 10*time.Minute)
		if err := ping(clients[1]); err != nil {
			return err
		}
		clients[3].Close()                       // the last connection moves into its slot
		if err := ping(clients[2]); err != nil { // which sets its own idle timeout
			return err
		}
		corio.Sleep(ctx, 10*time.Minute)
		if err := ping(clients[4]); err != nil {
			return err
		}
		corio.Sleep(ctx, 2*time.Hour)
		if len(sh.bursts) != 0 || sh.idle.head != 0 || sh.idle.timer != nil {
			t.Errorf("after every timeout: %d connections held, queue head %d, timer %v", len(sh.bursts), sh.idle.head, sh.idle.timer)
		}
		return nil
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	want := []closing{{60 * time.Minute, true}, {70 * time.Minute, true}, {25 * time.Minute, true}, {10 * time.Minute, false}, {80 * time.Minute, true}}
	for i, name := range names {
		if got := closed[name]; got != want[i] {
			t.Errorf("connection %d closed %+v, want %+v", i, got, want[i])
		}
	}
}

// closeRecorder echoes each burst and reports the close; with idle set,
// it sets its connection that idle timeout.
type closeRecorder struct {
	onClose func(c *Conn, err error)
	idle    time.Duration
}

func (r *closeRecorder) Burst(ctx context.Context, c *Conn) error {
	if r.idle > 0 {
		c.SetIdleTimeout(r.idle)
	}
	return echoOnce(c)
}

func (r *closeRecorder) Closed(c *Conn, err error) { r.onClose(c, err) }
