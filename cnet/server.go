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
	"time"

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
// The hubs of a server share its port with each other only: Start fails
// with an error that names the address and wraps syscall.EADDRINUSE, as
// net.Listen does, when anything listens there already, another corio
// process included (before its hubs listen, the first hub binds the port
// without SO_REUSEPORT, which fails if it is taken, and lets it go once
// it listens). For a restart without downtime, hand the new process the
// listening socket (systemd's socket activation, or os/exec's ExtraFiles
// and net.FileListener) and set Listener; the old process stops accepting
// with Shutdown while the new one serves.
//
// A handler that panics is logged and its connection closed; serving goes
// on. Accept errors such as running out of descriptors (EMFILE) back off,
// from 5 ms doubling to 1 s, instead of spinning.
type StreamServer struct {
	Network string // "tcp" (default), "tcp4", "tcp6" or "unix"
	Addr    string // host:port (port 0 picks one, see ListenAddr), or a Unix socket's path
	// Handler serves one connection in a task of its own, for the
	// connection's whole life; the connection is closed when it returns.
	// ctx is its task's: it ends when the server closes.
	Handler func(ctx context.Context, conn net.Conn)
	// Bursts, instead of Handler, serves connections burst by burst:
	// called as each connection is accepted, it returns the handler whose
	// Burst runs in a task each time data arrives, while between bursts
	// the connection holds no task, goroutine or buffer (see
	// BurstHandler). What Shutdown waits for is the bursts in progress:
	// connections waiting between bursts are closed at once.
	Bursts func(c *Conn) BurstHandler
	Hubs   int // how many hubs (goroutines); default runtime.GOMAXPROCS(0)
	// MaxConns bounds the connections served at once (0: no bound). With a
	// listener per hub it is split evenly among the hubs: a hub at its
	// share stops accepting. Either way, connections beyond it wait in the
	// kernel's queue.
	MaxConns int
	// IdleTimeout closes a connection from which nothing has come for
	// that long: every wait of the handler for data (Read, WaitReadable)
	// fails with os.ErrDeadlineExceeded after it (see Conn.SetIdleTimeout),
	// and a handler that returns on an error frees the connection. 0: no
	// bound. Without one, idle clients can hold every descriptor. With
	// Bursts, the connections waiting between bursts share one hub timer
	// (the first to time out is the first that began to wait), which costs
	// each 16 bytes, not a timer of its own.
	IdleTimeout time.Duration
	// Listener, if set, is a listener from package net to serve instead of
	// listening on Addr: one hub accepts on (a duplicate of) its socket
	// and hands connections to the others (see AdoptListener). The server
	// does not close it.
	Listener net.Listener
	// SingleAcceptor makes one hub accept every connection and hand it to
	// the hub serving the fewest, even where a listener per hub would do.
	SingleAcceptor bool
	ErrorLog       *log.Logger // default: the log package's standard logger
	// RunOptions are given to each hub's corio.Run: corio.Watchdog, to
	// find a handler that blocks its hub, say.
	RunOptions []corio.Option

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
	srv   *StreamServer
	hub   *corio.Hub
	ctx   context.Context // the hub's main task's: burst tasks are spawned under it
	l     *Listener       // nil on a hub that serves what the acceptor hands it
	conns *corio.Group
	// With Bursts: the connections open (in a burst or waiting for one),
	// each knowing its index; draining once the hub accepts no more, and
	// burstsGone set when the last has ended then.
	bursts     []*burstConn
	draining   bool
	burstsGone corio.Event
	// idle holds those that wait between bursts under the server's idle
	// timeout (see server_idle.go).
	idle idleQueue
	// The bursts' workers (see server_workers.go): the connections whose
	// data has come, from readyHead on; the workers waiting for one; and
	// whether one has been spawned that has not started yet.
	ready          []*burstConn
	readyHead      int
	idleWorkers    []*burstWorker
	workerStarting bool
	// connDone is the server's bookkeeping when a connection served by
	// bursts ends (one function per hub, not one per connection).
	connDone func()
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
	hubs, err := s.start()
	if err != nil && hubs != nil {
		// The hubs started before the failure are stopped: wait for them
		// outside the lock (their ends may take it), then report.
		hubs.Wait()
		close(s.done)
	}
	return err
}

// serverConfig is a StreamServer's configuration, checked, with defaults.
type serverConfig struct {
	network string
	hubs    int
	single  bool // one hub accepts and hands connections to the others
}

// config checks the server's fields and fills in the defaults.
func (s *StreamServer) config() (serverConfig, error) {
	switch {
	case s.started:
		return serverConfig{}, errors.New("cnet: StreamServer started twice")
	case s.Handler == nil && s.Bursts == nil:
		return serverConfig{}, errors.New("cnet: StreamServer has no Handler (nor Bursts)")
	case s.Handler != nil && s.Bursts != nil:
		return serverConfig{}, errors.New("cnet: StreamServer has both a Handler and Bursts; set one")
	case s.MaxConns < 0:
		return serverConfig{}, fmt.Errorf("cnet: StreamServer.MaxConns is %d; want 0 (no bound) or more", s.MaxConns)
	case s.IdleTimeout < 0:
		return serverConfig{}, fmt.Errorf("cnet: StreamServer.IdleTimeout is %v; want 0 (no bound) or more", s.IdleTimeout)
	}
	cfg := serverConfig{network: s.Network, hubs: s.Hubs}
	switch cfg.network {
	case "":
		cfg.network = "tcp"
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return serverConfig{}, fmt.Errorf("cnet: StreamServer.Network %q; want tcp, tcp4, tcp6 or unix", cfg.network)
	}
	if cfg.hubs <= 0 {
		cfg.hubs = runtime.GOMAXPROCS(0)
	}
	if s.Listener != nil {
		cfg.network = s.Listener.Addr().Network()
	}
	cfg.single = s.SingleAcceptor || s.Listener != nil || cfg.network == "unix" || !reusePortBalances || !reusePortAvailable()
	return cfg, nil
}

// startOrder is the order the hubs start in. With a listener per hub, hub
// 0 listens first and the others take the port it got. With one acceptor,
// hub 0 accepts and starts last, once the hubs it hands connections to
// are up.
func (cfg serverConfig) startOrder() []int {
	order := make([]int, 0, cfg.hubs)
	first := 0
	if cfg.single {
		first = 1
	}
	for i := first; i < cfg.hubs; i++ {
		order = append(order, i)
	}
	if cfg.single {
		order = append(order, 0)
	}
	return order
}

// start does Start's work under the lock. On an error after some hubs
// started, it stops them and returns their WaitGroup for Start to wait on.
func (s *StreamServer) start() (*sync.WaitGroup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	s.started = true
	s.done = make(chan struct{})
	s.hubs = make([]*serverHub, cfg.hubs)
	for i := range s.hubs {
		s.hubs[i] = &serverHub{srv: s}
	}
	var wg sync.WaitGroup
	errs := make([]error, cfg.hubs)
	for _, i := range cfg.startOrder() {
		if err := s.startHub(i, cfg, &wg, &errs[i]); err != nil {
			s.stopLocked()
			s.err = err
			return &wg, err
		}
	}
	go func() {
		wg.Wait()
		s.err = errors.Join(errs...)
		close(s.done)
	}()
	return &wg, nil
}

// startHub starts hub i on a goroutine of its own, whose end is recorded
// in *errp, and returns once it serves, or with the error that kept it
// from it.
func (s *StreamServer) startHub(i int, cfg serverConfig, wg *sync.WaitGroup, errp *error) error {
	serve := s.hubMain(i, cfg)
	up := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		*errp = corio.Run(context.Background(), func(ctx context.Context) error { return serve(ctx, up) }, s.RunOptions...)
		select {
		case up <- *errp: // it ended before it was up
		default:
		}
	}()
	if err := <-up; err != nil {
		return err
	}
	if l := s.hubs[i].l; l != nil && s.addr == nil {
		s.addr = l.Addr() // the others listen on the port the first one got
	}
	return nil
}

// hubMain is the main task of hub i: a listener of its own, the single
// acceptor, or a hub served by it. It sends nil on up once it serves.
func (s *StreamServer) hubMain(i int, cfg serverConfig) func(ctx context.Context, up chan<- error) error {
	sh := s.hubs[i]
	addr, first := s.Addr, s.addr == nil
	if !first {
		addr = s.addr.String()
	}
	switch {
	case !cfg.single:
		limit := 0
		if s.MaxConns > 0 {
			limit = max(1, (s.MaxConns+cfg.hubs-1)/cfg.hubs)
		}
		return func(ctx context.Context, up chan<- error) error {
			return s.serveListener(ctx, sh, cfg.network, addr, first, limit, up)
		}
	case i == 0:
		return func(ctx context.Context, up chan<- error) error {
			return s.serveAcceptor(ctx, sh, cfg.network, addr, up)
		}
	default:
		return func(ctx context.Context, up chan<- error) error {
			return s.serveHandedOver(ctx, sh, up)
		}
	}
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
