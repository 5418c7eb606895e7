package cnet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/corio-go/corio"
)

// A StreamServer serves stream connections with Handler, each in a task of
// its own (gevent's StreamServer: spawn(handle, conn) per connection), on
// several hubs at once.
//
// On Linux each hub has its own SO_REUSEPORT listener on the same TCP
// address and the kernel spreads connections among them. Elsewhere, for
// Unix sockets, where SO_REUSEPORT cannot be set, or when SingleAcceptor
// asks for it, one hub accepts every connection and hands each to the hub
// serving the fewest.
//
// A handler that panics is logged and its connection closed; serving goes
// on. Accept errors such as running out of descriptors (EMFILE) back off,
// from 5 ms doubling to 1 s, instead of spinning.
type StreamServer struct {
	Network string // "tcp" (default), "tcp4", "tcp6" or "unix"
	Addr    string // host:port (port 0 picks one, see ListenAddr), or a Unix socket's path
	// Handler serves one connection; the connection is closed when it
	// returns. ctx is its task's: it ends when the server closes.
	Handler func(ctx context.Context, conn net.Conn)
	Hubs    int // how many hubs (goroutines); default runtime.GOMAXPROCS(0)
	// MaxConns bounds the connections served at once (0: no bound). With a
	// listener per hub it is split evenly among the hubs: a hub at its
	// share stops accepting. Either way, connections beyond it wait in the
	// kernel's queue.
	MaxConns int
	// SingleAcceptor makes one hub accept every connection and hand it to
	// the hub serving the fewest, even where a listener per hub would do.
	SingleAcceptor bool
	ErrorLog       *log.Logger // default: the log package's standard logger

	mu       sync.Mutex
	started  bool
	hubs     []*serverHub
	addr     net.Addr
	done     chan struct{} // closed when every hub has ended
	err      error         // the hubs' errors, once done
	stopping bool
	killed   atomic.Bool // Close: connections handed over from now on are refused
}

// serverHub is one hub of a server.
type serverHub struct {
	hub   *corio.Hub
	l     *Listener // nil on a hub that serves what the acceptor hands it
	conns *corio.Group
	// With a single acceptor: the connections handed to this hub and not
	// yet ended (the acceptor's measure of load), and the Future the
	// acceptor sets when it will hand over no more.
	active atomic.Int32
	noMore corio.Future[struct{}]
}

// ErrServerClosed is what Wait returns after Shutdown or Close.
var ErrServerClosed = errors.New("cnet: server closed")

// Start starts the hubs and their listeners and returns once the server
// accepts connections (or with the first error, nothing left running).
func (s *StreamServer) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("cnet: StreamServer started twice")
	}
	if s.Handler == nil {
		return errors.New("cnet: StreamServer has no Handler")
	}
	if s.MaxConns < 0 {
		return fmt.Errorf("cnet: StreamServer.MaxConns is %d; want 0 (no bound) or more", s.MaxConns)
	}
	network := s.Network
	switch network {
	case "":
		network = "tcp"
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return fmt.Errorf("cnet: StreamServer.Network %q; want tcp, tcp4, tcp6 or unix", network)
	}
	n := s.Hubs
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	single := s.SingleAcceptor || network == "unix" || !reusePortBalances || !reusePortAvailable()
	s.started = true
	s.done = make(chan struct{})
	s.hubs = make([]*serverHub, n)
	for i := range s.hubs {
		s.hubs[i] = &serverHub{}
	}
	// With a listener per hub, hub 0 listens first and the others take the
	// port it got. With one acceptor, hub 0 accepts and starts last, once
	// the hubs it hands connections to are up.
	order := make([]int, 0, n)
	if single {
		for i := 1; i < n; i++ {
			order = append(order, i)
		}
		order = append(order, 0)
	} else {
		for i := range n {
			order = append(order, i)
		}
	}
	addr := s.Addr
	var wg sync.WaitGroup
	errs := make([]error, n)
	for _, i := range order {
		sh := s.hubs[i]
		var serve func(ctx context.Context, up chan<- error) error
		switch {
		case !single:
			limit := 0
			if s.MaxConns > 0 {
				limit = max(1, (s.MaxConns+n-1)/n)
			}
			serve = func(ctx context.Context, up chan<- error) error {
				return s.serveListener(ctx, sh, network, addr, limit, up)
			}
		case i == 0:
			serve = func(ctx context.Context, up chan<- error) error {
				return s.serveAcceptor(ctx, sh, network, addr, up)
			}
		default:
			serve = func(ctx context.Context, up chan<- error) error {
				return s.serveHandedOver(ctx, sh, up)
			}
		}
		up := make(chan error, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = corio.Run(context.Background(), func(ctx context.Context) error { return serve(ctx, up) })
			select {
			case up <- errs[i]: // it ended before it was up
			default:
			}
		}()
		if err := <-up; err != nil {
			s.stopLocked()
			s.mu.Unlock()
			wg.Wait()
			s.mu.Lock()
			s.err = err
			close(s.done)
			return err
		}
		if sh.l != nil && s.addr == nil { // the others listen on the port the first one got
			s.addr = sh.l.Addr()
			addr = s.addr.String()
		}
	}
	go func() {
		wg.Wait()
		s.err = errors.Join(errs...)
		close(s.done)
	}()
	return nil
}

func (s *StreamServer) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// ListenAddr is the address the server listens on, once Start has
// returned (with the port the system picked for port 0).
func (s *StreamServer) ListenAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops accepting and waits for the handlers to end; when ctx
// ends first, it kills the handlers (their contexts are cancelled), waits
// for them and returns ctx's error. It may be called from any goroutine.
func (s *StreamServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return errors.New("cnet: StreamServer not started")
	}
	s.stopping = true
	for _, sh := range s.hubs {
		if sh.l != nil {
			sh.l.Close()
		}
	}
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close stops accepting and kills the handlers at once, and returns when
// every hub has ended. It may be called from any goroutine.
func (s *StreamServer) Close() error {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return errors.New("cnet: StreamServer not started")
	}
	s.stopLocked()
	s.mu.Unlock()
	<-s.done
	return nil
}

// stopLocked closes the listeners and kills the handlers of every hub.
// A connection being handed over now is refused (see handOver): it runs
// after killed is set, or before the kill submitted here.
func (s *StreamServer) stopLocked() {
	s.stopping = true
	s.killed.Store(true)
	for _, sh := range s.hubs {
		if sh.l != nil {
			sh.l.Close()
		}
		sh.noMore.Set(struct{}{}) // no-op if the acceptor set it
		if sh.hub != nil {
			conns := sh.conns
			sh.hub.Submit(func(context.Context) { conns.Kill() })
		}
	}
}

// Wait waits until the server has stopped and returns ErrServerClosed
// after Shutdown or Close, or the error that stopped a hub.
func (s *StreamServer) Wait() error {
	<-s.done
	if s.err != nil {
		return fmt.Errorf("cnet: server: %w", s.err)
	}
	return ErrServerClosed
}
