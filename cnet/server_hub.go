package cnet

import (
	"context"
	"errors"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// The main tasks of a StreamServer's hubs: a hub with a listener of its
// own (serveListener), the single acceptor (serveAcceptor) and the hubs it
// hands connections to (serveHandedOver).

// serveListener listens with SO_REUSEPORT, then serves what it accepts
// on this hub until the listener closes, then waits for the handlers.
// limit bounds this hub's connections (0: no bound). The first hub to
// listen (first) claims the port before (see claimPort), so that a port
// another process listens on is an error, not silently shared.
func (s *StreamServer) serveListener(ctx context.Context, sh *serverHub, network, addr string, first bool, limit int, up chan<- error) error {
	var claim *corio.FD
	if first {
		fd, laddr, err := claimPort(ctx, network, addr)
		if err != nil {
			return err
		}
		claim, addr = fd, laddr.String()
	}
	l, err := ListenConfig{ReusePort: true}.Listen(ctx, network, addr)
	if claim != nil {
		claim.Close() // the port is this server's listeners' now
	}
	if err != nil {
		return err
	}
	sh.hub, sh.ctx, sh.l, sh.conns = corio.HubOf(ctx), ctx, l, corio.NewGroup()
	up <- nil
	s.acceptLoop(ctx, sh, limit, false)
	return sh.finish(ctx)
}

// serveAcceptor listens without SO_REUSEPORT and accepts every
// connection, serving it on the hub that serves the fewest (this one
// included). When the listener closes it tells the other hubs that no more
// will come, and waits for its own handlers.
func (s *StreamServer) serveAcceptor(ctx context.Context, sh *serverHub, network, addr string, up chan<- error) error {
	var l *Listener
	var err error
	if s.Listener != nil {
		l, err = AdoptListener(ctx, s.Listener)
	} else {
		l, err = Listen(ctx, network, addr)
	}
	if err != nil {
		return err
	}
	sh.hub, sh.ctx, sh.l, sh.conns = corio.HubOf(ctx), ctx, l, corio.NewGroup()
	up <- nil
	s.acceptLoop(ctx, sh, s.MaxConns, true)
	for _, other := range s.hubs {
		other.noMore.Set(struct{}{}) // no-op if Close set it
	}
	return sh.finish(ctx)
}

// acceptLoop accepts on sh's listener until it closes (or the hub ends),
// at most limit connections at once (0: no bound), and closes it. Each
// connection is served on sh, or, with spread, on the hub serving the
// fewest.
func (s *StreamServer) acceptLoop(ctx context.Context, sh *serverHub, limit int, spread bool) {
	l := sh.l
	defer l.Close()
	var slots *corio.Semaphore
	if limit > 0 {
		slots = corio.NewSemaphore(limit)
	}
	release := func() {
		if slots != nil {
			slots.Release()
		}
	}
	// releaseFrom returns a slot from another hub's goroutine.
	releaseFrom := func() {
		if slots != nil {
			sh.hub.Submit(func(context.Context) { slots.Release() })
		}
	}
	// What ends a connection: its slot back, and the count of the hub
	// serving it (with spread) down.
	sh.connDone = release
	if spread {
		for _, other := range s.hubs {
			if other == sh {
				sh.connDone = func() { sh.active.Add(-1); release() }
			} else {
				other.connDone = func() { other.active.Add(-1); releaseFrom() }
			}
		}
	}
	var backoff acceptBackoff
	for {
		if slots != nil && slots.Acquire(ctx) != nil {
			return
		}
		if err := s.acceptOne(ctx, sh, spread); err != nil {
			release()
			if s.retryAccept(ctx, err, &backoff) {
				continue
			}
			return
		}
		backoff.reset()
	}
}

// acceptOne waits for the next connection on sh's listener and serves it.
func (s *StreamServer) acceptOne(ctx context.Context, sh *serverHub, spread bool) error {
	l := sh.l
	if sl, ok := l.fd.Virtual().(*simnet.Listener); ok { // one hub: nothing to spread
		fd, peer, err := l.acceptSim(sl)
		if err == nil {
			s.serve(ctx, sh, l, fd, peer)
		}
		return err
	}
	sock, peer, err := l.acceptSocket()
	if err == nil {
		err = s.serveAccepted(ctx, sh, sock, peer, spread)
	}
	return err
}

// serveAccepted serves an accepted socket: on sh, or, with spread, on the
// hub serving the fewest; the serving hub's connDone is called when it
// ends. An error means the socket could not be registered with sh's
// poller; it is closed then.
func (s *StreamServer) serveAccepted(ctx context.Context, sh *serverHub, sock int, peer unix.Sockaddr, spread bool) error {
	if spread {
		if target := s.leastLoaded(); target != sh {
			s.handOver(target, sh.l, sock, peer)
			return nil
		}
	}
	fd, err := sh.l.fd.RegisterSibling(sock)
	if err != nil {
		unix.Close(sock)
		return sh.l.opError(err)
	}
	if spread {
		sh.active.Add(1) // the acceptor counts its own connections too (leastLoaded)
	}
	s.serve(ctx, sh, sh.l, fd, peer)
	return nil
}

// leastLoaded is the hub serving the fewest handed-over connections; ties
// go to the first.
func (s *StreamServer) leastLoaded() *serverHub {
	best := s.hubs[0]
	for _, sh := range s.hubs[1:] {
		if sh.active.Load() < best.active.Load() {
			best = sh
		}
	}
	return best
}

// handOver gives an accepted socket to another hub, which registers it
// with its poller and spawns its handler. A socket the hub cannot take
// (it has ended, or the server was closed meanwhile) is closed.
func (s *StreamServer) handOver(to *serverHub, l *Listener, sock int, peer unix.Sockaddr) {
	to.active.Add(1)
	done := to.connDone
	err := to.hub.Submit(func(ctx context.Context) {
		if s.killed.Load() {
			unix.Close(sock)
			done()
			return
		}
		fd, err := corio.NewFD(ctx, sock) // registered now: closed with the hub if its task never runs
		if err != nil {
			unix.Close(sock)
			done()
			s.logf("cnet: handing a connection over: %v", err)
			return
		}
		s.serve(ctx, to, l, fd, peer)
	})
	if err != nil {
		unix.Close(sock)
		done()
	}
}

// serveHandedOver serves the connections the acceptor hands this hub
// until it says no more will come, then waits for the handlers.
func (s *StreamServer) serveHandedOver(ctx context.Context, sh *serverHub, up chan<- error) error {
	sh.hub, sh.ctx, sh.conns = corio.HubOf(ctx), ctx, corio.NewGroup()
	up <- nil
	if err := sh.noMore.Wait(ctx); err != nil {
		return err
	}
	return sh.finish(ctx)
}

// finish, once the hub accepts no more, waits for its connections: the
// handlers' tasks, or those served by bursts (see drainBursts).
func (sh *serverHub) finish(ctx context.Context) error {
	if sh.srv.Bursts != nil {
		return sh.drainBursts(ctx)
	}
	return sh.conns.Join(ctx)
}

// serve serves a connection registered on sh's hub, accepted by l: with
// the Handler in a task, or burst by burst.
func (s *StreamServer) serve(ctx context.Context, sh *serverHub, l *Listener, fd *corio.FD, peer unix.Sockaddr) {
	if s.Bursts != nil {
		s.startBursts(sh, l, fd, peer)
		return
	}
	s.spawnHandler(ctx, sh, l.conn(fd, peer))
}

// spawnHandler runs the Handler on c in a task of sh's group; when it
// ends, c is closed and sh.connDone called. A panic is logged, not
// spread.
func (s *StreamServer) spawnHandler(ctx context.Context, sh *serverHub, c *Conn) {
	if s.IdleTimeout > 0 {
		c.SetIdleTimeout(s.IdleTimeout)
	}
	_, err := sh.conns.Spawn(ctx, func(ctx context.Context) error {
		defer func() {
			c.Close()
			sh.connDone()
		}()
		defer func() {
			if r := recover(); r != nil {
				s.logf("cnet: handler for %v panicked: %v", c.RemoteAddr(), r)
			}
		}()
		s.Handler(ctx, c)
		return nil
	})
	if err != nil { // the hub is ending
		c.Close()
		sh.connDone()
	}
}

// acceptBackoff is the wait after a failed accept (5 ms, doubling to
// 1 s, back to none after an accept that works), and the logging of the
// failures: a line at most every acceptLogEvery, with the count of those
// that went unlogged, so that a server out of descriptors under a storm
// of connections does not flood its log.
type acceptBackoff struct {
	wait     time.Duration
	loggedAt time.Time // when the last line was written
	unlogged int       // failures since
}

// acceptLogEvery is the least time between two lines about failed
// accepts.
const acceptLogEvery = time.Second

func (b *acceptBackoff) next() time.Duration {
	b.wait = min(max(2*b.wait, 5*time.Millisecond), time.Second)
	return b.wait
}

func (b *acceptBackoff) reset() { b.wait = 0 }

// retryAccept decides what a failed accept means: false if the listener
// was closed (or the hub is ending); otherwise it logs the error (see
// acceptBackoff), waits out the backoff and returns true. Out of
// descriptors (EMFILE, ENFILE), an accept would fail again at once:
// retrying at once would spin.
func (s *StreamServer) retryAccept(ctx context.Context, err error, b *acceptBackoff) bool {
	if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
		return false // closed, or the server's task is ending
	}
	wait := b.next()
	if now := corio.Now(ctx); b.loggedAt.IsZero() || now.Sub(b.loggedAt) >= acceptLogEvery {
		if b.unlogged > 0 {
			s.logf("cnet: accept: %v; retrying in %v (%d more failed since the last line)", err, wait, b.unlogged)
		} else {
			s.logf("cnet: accept: %v; retrying in %v", err, wait)
		}
		b.loggedAt, b.unlogged = now, 0
	} else {
		b.unlogged++
	}
	return corio.Sleep(ctx, wait) == nil
}
