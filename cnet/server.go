package cnet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/corio-go/corio"
)

// A StreamServer serves stream connections with Handler, each in a task of
// its own (gevent's StreamServer: spawn(handle, conn) per connection), on
// several hubs at once: each hub has its own SO_REUSEPORT listener on the
// same address, and the kernel spreads connections among them.
//
// A handler that panics is logged and its connection closed; serving goes
// on. Accept errors such as running out of descriptors (EMFILE) back off,
// from 5 ms doubling to 1 s, instead of spinning.
type StreamServer struct {
	Network string // "tcp" (default), "tcp4", "tcp6"
	Addr    string // host:port; port 0 picks one (see ListenAddr)
	// Handler serves one connection; the connection is closed when it
	// returns. ctx is its task's: it ends when the server closes.
	Handler func(ctx context.Context, conn net.Conn)
	Hubs    int // how many hubs (goroutines); default runtime.GOMAXPROCS(0)
	// MaxConns bounds the connections served at once (0: no bound), split
	// evenly among the hubs: a hub at its share stops accepting, and new
	// connections wait in the kernel's queue.
	MaxConns int
	ErrorLog *log.Logger // default: the log package's standard logger

	mu       sync.Mutex
	started  bool
	hubs     []*serverHub
	addr     net.Addr
	done     chan struct{} // closed when every hub has ended
	err      error         // the first hub's error, once done
	stopping bool
}

// serverHub is one hub of a server.
type serverHub struct {
	hub   *corio.Hub
	l     *Listener
	conns *corio.Group
}

// ErrServerClosed is what Wait returns after Shutdown or Close.
var ErrServerClosed = errors.New("cnet: server closed")

// Start starts the hubs and their listeners and returns once every
// listener is up (or with the first error, nothing left running).
func (s *StreamServer) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("cnet: StreamServer started twice")
	}
	if s.Handler == nil {
		return errors.New("cnet: StreamServer has no Handler")
	}
	network := s.Network
	if network == "" {
		network = "tcp"
	}
	n := s.Hubs
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	perHub := 0
	if s.MaxConns > 0 {
		perHub = max(1, (s.MaxConns+n-1)/n)
	}
	s.started = true
	s.done = make(chan struct{})
	addr := s.Addr
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		up := make(chan error, 1)
		sh := &serverHub{}
		s.hubs = append(s.hubs, sh)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = corio.Run(context.Background(), func(ctx context.Context) error {
				return s.serveHub(ctx, sh, network, addr, perHub, up)
			})
			select {
			case up <- errs[i]: // it ended before its listener was up
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
		if i == 0 { // the others listen on the port the first one got
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

// serveHub is the main task of one hub: listen, then accept and spawn a
// handler task per connection until the listener closes, then wait for
// the handlers.
func (s *StreamServer) serveHub(ctx context.Context, sh *serverHub, network, addr string, limit int, up chan<- error) error {
	l, err := ListenConfig{ReusePort: true}.Listen(ctx, network, addr)
	if err != nil {
		return err
	}
	sh.hub, sh.l, sh.conns = corio.HubOf(ctx), l, corio.NewGroup()
	up <- nil
	var slots *corio.Semaphore
	if limit > 0 {
		slots = corio.NewSemaphore(limit)
	}
	backoff := time.Duration(0)
	for {
		if slots != nil {
			if err := slots.Acquire(ctx); err != nil {
				break
			}
		}
		c, err := l.AcceptConn()
		if err != nil {
			if slots != nil {
				slots.Release()
			}
			if errors.Is(err, net.ErrClosed) {
				break
			}
			// Out of descriptors (EMFILE, ENFILE) or another failure:
			// back off rather than spin on an error that will repeat.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logf("cnet: accept: %v; retrying in %v", err, backoff)
			if corio.Sleep(ctx, backoff) != nil {
				break
			}
			continue
		}
		backoff = 0
		sh.conns.Spawn(ctx, func(ctx context.Context) error {
			defer func() {
				c.Close()
				if slots != nil {
					slots.Release()
				}
			}()
			defer func() {
				if r := recover(); r != nil {
					s.logf("cnet: handler for %v panicked: %v", c.RemoteAddr(), r)
				}
			}()
			s.Handler(ctx, c)
			return nil
		})
	}
	l.Close()
	return sh.conns.Join(ctx)
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
func (s *StreamServer) stopLocked() {
	s.stopping = true
	for _, sh := range s.hubs {
		if sh.l != nil {
			sh.l.Close()
		}
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
