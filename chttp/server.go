package chttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// A Server serves HTTP/1.1 to any http.Handler on corio hubs: gevent's
// pywsgi, with net/http's interface. Each hub (one per core by default)
// has its own SO_REUSEPORT listener (shared with no other server: a port
// in use is an error wrapping syscall.EADDRINUSE, see cnet.StreamServer);
// each request's handler runs in a
// task of that hub, so handlers may use every cooperative call (Sleep,
// queues, a chttp client, cnet sockets) and share the hub's state without
// locks. Between requests a keep-alive connection holds no task, no
// goroutine and no buffer (cnet.StreamServer.Bursts).
//
// The fields mean what they mean on http.Server. What differs:
//   - A handler runs on a hub: while it runs without waiting, every other
//     request of the hub waits (see "What may block a hub" below), and
//     what it shares with other goroutines needs their usual
//     synchronization.
//   - Over TLS (ListenAndServeTLS) a connection keeps its task between
//     requests: crypto/tls holds records it has read but not yet given
//     out, which only a read can find. (Shutdown closes it while it waits
//     for its next request, as net/http closes idle connections.)
//   - An HTTP/1.1 request with an empty Host header is refused like one with
//     none (http.ReadRequest, which parses requests, leaves no way to tell
//     them apart); net/http accepts it.
//   - A request whose target is a URL ("GET http://h/p") has its Host
//     fields checked as net/http does (one, valid) only when its whole
//     header came in the first read (4 KiB); http.ReadRequest drops them.
//   - A chunked request's Trailer is an empty map, not nil, before its
//     body has been read: the trailer the body ends with is merged into
//     it, undeclared fields included, as net/http's handler sees them.
//   - A ResponseWriter, with its Header map, serves another request once
//     its handler has returned (net/http's contract forbids using it
//     then): a handler must not hand it to code that outlives the call.
//     The Request and its context may be kept.
//   - There is no HTTP/2.
//
// # What may block a hub
//
// A hub is one goroutine: a handler that blocks it (instead of waiting
// cooperatively) stops every other request of the hub until it returns.
// On a hub, these wait cooperatively and are safe: reading the request's
// body and writing the response; corio's Sleep, timers, queues, events
// and locks; chttp's client (an http.Client with a chttp.Transport) and
// cnet's sockets; anything over net.Conn from them (crypto/tls, bufio).
// These block the hub, and go through corio.Blocking, which runs them on
// a pool of goroutines while the task waits: file system calls (os.Open,
// os.ReadFile, os.Stat, reading a directory: http.FileServer makes them,
// chttp.FileServer makes them off the hub), time.Sleep, channel
// operations and sync.Mutex waits on other goroutines, net/http's own
// client, database drivers and other libraries that use package net,
// cgo calls. Long computations hold the hub too. Set Watchdog to have a
// handler that holds its hub longer than a threshold reported, with its
// stack, in ErrorLog.
//
// Requests are read as http.ReadRequest reads them. The usual request (no
// body, its whole header in the connection's buffer) is parsed in place,
// with a third of ReadRequest's allocations and the same *http.Request
// (see readRequest; a fuzz test compares the two); any other goes to
// ReadRequest, so every refusal is net/http's.
type Server struct {
	Addr    string       // host:port; default ":http" (":https" over TLS)
	Handler http.Handler // default http.DefaultServeMux
	Hubs    int          // default runtime.GOMAXPROCS(0)

	TLSConfig *tls.Config // for ListenAndServeTLS; its certificates are used if no files are given

	ReadHeaderTimeout time.Duration // reading a request's header (a new connection's first one counted from its start, so a connection that sends nothing is closed then); default ReadTimeout
	ReadTimeout       time.Duration // reading a whole request, body included
	WriteTimeout      time.Duration // writing a response, from the end of its request's header
	IdleTimeout       time.Duration // waiting for the next request; default ReadTimeout
	MaxHeaderBytes    int           // default http.DefaultMaxHeaderBytes (1 MiB)
	MaxConns          int           // connections at once (0: no bound); see cnet.StreamServer
	ErrorLog          *log.Logger   // default: the log package's standard logger
	// DisableGeneralOptionsHandler passes "OPTIONS *" requests to the
	// Handler instead of answering them with 200 (net/http's field).
	DisableGeneralOptionsHandler bool
	// Watchdog, if not 0, reports to ErrorLog, with its stack, a request
	// (or any task) that keeps its hub longer than this without switching:
	// a handler that blocks the hub's goroutine (a file system call, a
	// blocking library, time.Sleep) stops every other request of the hub
	// meanwhile, and should go through corio.Blocking. See corio.Watchdog.
	Watchdog time.Duration

	// BaseContext, if set, gives the context every request's context
	// derives from (its values reach the handlers); ConnContext, if set,
	// derives a connection's from it. Cancelling them does not stop the
	// server: Shutdown and Close do.
	BaseContext func() context.Context
	ConnContext func(ctx context.Context, c net.Conn) context.Context

	mu       sync.Mutex
	listener net.Listener // Serve's
	stream   *cnet.StreamServer
	shutdown bool
	// noKeepAlives: responses from now on end their connection (Shutdown
	// has begun, or SetKeepAlivesEnabled(false)). Written from any
	// goroutine, read by the hubs as they write a response's header.
	noKeepAlives atomic.Bool
	idleTLS      idleTLSConns // connections over TLS between requests, which Shutdown closes
}

// SetKeepAlivesEnabled controls whether connections are kept open for
// more requests (on by default), as http.Server's: off, every response
// carries Connection: close and its connection ends after it. Only a
// server that is shutting down should turn it off, net/http says; it may
// be called from any goroutine.
func (s *Server) SetKeepAlivesEnabled(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noKeepAlives.Store(!v || s.shutdown)
}

// ErrServerClosed is what ListenAndServe returns after Shutdown or Close:
// http.ErrServerClosed, so that code written for net/http works as is.
var ErrServerClosed = http.ErrServerClosed

// ListenAndServe listens on s.Addr and serves until Shutdown or Close,
// then returns ErrServerClosed (or the error that kept it from serving).
func (s *Server) ListenAndServe() error {
	if err := s.Start(); err != nil {
		return err
	}
	return s.Wait()
}

// Serve serves the connections l accepts, as http.Server.Serve does: one
// hub accepts on (a duplicate of) l's socket and hands them to the others
// (cnet.AdoptListener: l must be a *net.TCPListener or *net.UnixListener).
// Shutdown and Close close l. It returns ErrServerClosed after them.
func (s *Server) Serve(l net.Listener) error {
	if err := s.start(nil, l); err != nil {
		return err
	}
	return s.Wait()
}

// ListenAndServeTLS is ListenAndServe over TLS, with the certificate and
// key in certFile and keyFile (PEM), or, if both are empty, those of
// TLSConfig.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if err := s.StartTLS(certFile, keyFile); err != nil {
		return err
	}
	return s.Wait()
}

// StartTLS is Start over TLS, with the certificate and key in certFile
// and keyFile as ListenAndServeTLS takes them: it returns once the server
// accepts connections.
func (s *Server) StartTLS(certFile, keyFile string) error {
	cfg, err := s.tlsConfig(certFile, keyFile)
	if err != nil {
		return err
	}
	return s.start(cfg, nil)
}

// tlsConfig is TLSConfig (cloned) with the files' certificate, offering
// HTTP/1.1 only.
func (s *Server) tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("chttp: server certificate: %w", err)
		}
		cfg.Certificates = append([]tls.Certificate{cert}, cfg.Certificates...)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errors.New("chttp: ListenAndServeTLS without a certificate: give certFile and keyFile, or TLSConfig.Certificates")
	}
	cfg.NextProtos = []string{"http/1.1"}
	return cfg, nil
}

// Start listens and starts serving, and returns once the server accepts
// connections (see ListenAddr); Wait waits for it to stop.
func (s *Server) Start() error { return s.start(nil, nil) }

func (s *Server) start(tlsCfg *tls.Config, l net.Listener) error {
	if err := s.check(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stream != nil:
		return errors.New("chttp: Server started twice")
	case s.shutdown:
		return ErrServerClosed
	}
	s.listener = l
	stream := s.streamServer(tlsCfg)
	if err := stream.Start(); err != nil {
		return fmt.Errorf("chttp: %w", err)
	}
	s.stream = stream
	return nil
}

// streamServer is the cnet server that serves s's connections.
func (s *Server) streamServer(tlsCfg *tls.Config) *cnet.StreamServer {
	addr := s.Addr
	if addr == "" {
		addr = ":http"
		if tlsCfg != nil {
			addr = ":https"
		}
	}
	cfg := s.connConfig(tlsCfg)
	return &cnet.StreamServer{
		Addr: addr, Hubs: s.Hubs, MaxConns: s.MaxConns, ErrorLog: s.ErrorLog,
		IdleTimeout: cfg.idleTimeout, Listener: s.listener, RunOptions: s.runOptions(cfg),
		Bursts: func(c *cnet.Conn) cnet.BurstHandler { return newServerConn(cfg, c) },
	}
}

// ServeIn listens on Addr and serves on the hub of ctx, from the calling
// task, until ctx ends (see cnet.StreamServer.ServeIn): for a server among
// other tasks of a hub, and for package sim's simulated network. It
// returns ErrServerClosed once ctx has ended and the requests in progress
// have been killed, or the error that kept it from serving. ListenAddr
// answers once it listens. Hubs and Watchdog do not apply (the hub is the
// caller's); Shutdown and Close are for servers started with Start.
func (s *Server) ServeIn(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	s.mu.Lock()
	switch {
	case s.stream != nil:
		s.mu.Unlock()
		return errors.New("chttp: Server started twice")
	case s.shutdown:
		s.mu.Unlock()
		return ErrServerClosed
	}
	stream := s.streamServer(nil)
	s.stream = stream
	s.mu.Unlock()
	err := stream.ServeIn(ctx)
	if errors.Is(err, cnet.ErrServerClosed) {
		return ErrServerClosed
	}
	if err != nil {
		return fmt.Errorf("chttp: %w", err)
	}
	return nil
}

// runOptions are the options of each hub's Run: the watchdog, if asked.
func (s *Server) runOptions(cfg *connConfig) []corio.Option {
	if s.Watchdog <= 0 {
		return nil
	}
	return []corio.Option{corio.Watchdog(s.Watchdog, func(st corio.Stall) { cfg.logf("chttp: %v", st) })}
}

// check refuses settings that make no sense.
func (s *Server) check() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ReadHeaderTimeout", s.ReadHeaderTimeout}, {"ReadTimeout", s.ReadTimeout}, {"WriteTimeout", s.WriteTimeout}, {"IdleTimeout", s.IdleTimeout}, {"Watchdog", s.Watchdog}} {
		if d.v < 0 {
			return fmt.Errorf("chttp: Server.%s is %v; want 0 (none) or more", d.name, d.v)
		}
	}
	if s.MaxHeaderBytes < 0 {
		return fmt.Errorf("chttp: Server.MaxHeaderBytes is %d; want 0 (the default) or more", s.MaxHeaderBytes)
	}
	if s.MaxConns < 0 {
		return fmt.Errorf("chttp: Server.MaxConns is %d; want 0 (no bound) or more", s.MaxConns)
	}
	return nil
}

// ListenAddr is the address the server listens on once started (with the
// port the system picked for port 0), or nil.
func (s *Server) ListenAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream == nil {
		return nil
	}
	return s.stream.ListenAddr()
}

// Wait waits until the server has stopped and returns ErrServerClosed
// after Shutdown or Close, or the error that stopped it.
func (s *Server) Wait() error {
	s.mu.Lock()
	stream := s.stream
	s.mu.Unlock()
	if stream == nil {
		return errors.New("chttp: Server not started")
	}
	if err := stream.Wait(); !errors.Is(err, cnet.ErrServerClosed) {
		return err
	}
	return ErrServerClosed
}

// Shutdown stops the server gracefully: it stops accepting, closes the
// idle connections at once, and waits for the requests in flight to be
// answered; if ctx ends first, it closes them too and returns ctx's
// error. It may be called from any goroutine (not from a handler, which
// it would wait for).
func (s *Server) Shutdown(ctx context.Context) error {
	stream := s.stop()
	if stream == nil {
		return nil
	}
	s.idleTLS.closeAll() // after stop said no more keep-alives: see idleTLSConns
	return stream.Shutdown(ctx)
}

// Close stops the server at once: it stops accepting and closes every
// connection, cancelling the requests in flight.
func (s *Server) Close() error {
	stream := s.stop()
	if stream == nil {
		return nil
	}
	return stream.Close()
}

func (s *Server) stop() *cnet.StreamServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	s.noKeepAlives.Store(true) // the responses in flight say Connection: close
	if s.listener != nil {
		s.listener.Close()
	}
	return s.stream
}
