package chttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// connConfig is what a server's connections share: its settings, checked
// and with defaults.
type connConfig struct {
	handler                                      http.Handler
	tls                                          *tls.Config
	readHeaderTimeout, readTimeout, writeTimeout time.Duration
	idleTimeout                                  time.Duration
	headerLimit                                  int64 // bytes a request's header may take
	errorLog                                     *log.Logger
	baseContext                                  func() context.Context
	connContext                                  func(ctx context.Context, c net.Conn) context.Context
	noKeepAlives                                 *atomic.Bool // the Server's: responses end their connection
	noOptionsHandler                             bool         // DisableGeneralOptionsHandler
	idleTLS                                      *idleTLSConns
}

func (s *Server) connConfig(tlsCfg *tls.Config) *connConfig {
	cfg := &connConfig{
		handler: s.Handler, tls: tlsCfg,
		readHeaderTimeout: s.ReadHeaderTimeout, readTimeout: s.ReadTimeout, writeTimeout: s.WriteTimeout,
		idleTimeout: s.IdleTimeout, errorLog: s.ErrorLog, baseContext: s.BaseContext, connContext: s.ConnContext,
		noKeepAlives: &s.noKeepAlives, noOptionsHandler: s.DisableGeneralOptionsHandler, idleTLS: &s.idleTLS,
	}
	if cfg.handler == nil {
		cfg.handler = http.DefaultServeMux
	}
	if cfg.readHeaderTimeout == 0 {
		cfg.readHeaderTimeout = s.ReadTimeout
	}
	if cfg.idleTimeout == 0 {
		cfg.idleTimeout = s.ReadTimeout
	}
	max := s.MaxHeaderBytes
	if max == 0 {
		max = http.DefaultMaxHeaderBytes
	}
	cfg.headerLimit = int64(max) + 4096 // as net/http: bufio's slack
	return cfg
}

func (cfg *connConfig) logf(format string, args ...any) {
	if cfg.errorLog != nil {
		cfg.errorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// serverConn serves one connection, request by request: a
// cnet.BurstHandler, so that between requests it holds nothing but
// itself.
type serverConn struct {
	cfg *connConfig
	c   *cnet.Conn
	rwc net.Conn // c, or the tls.Conn over it
	// limit bounds what a request's header may read: the reader's buffer
	// fills through it. All of it read (N <= 0) after a failed parse is
	// net/http's test for a header too large.
	limit io.LimitedReader
	ctx   context.Context // BaseContext and ConnContext's, or nil
	// Over TLS: the connection's reader and writer, kept between
	// requests (see Server); otherwise taken from pools for each burst.
	br *bufio.Reader
	bw *bufio.Writer
	// peer is the peer's address as a string, made at the first request
	// (every request carries it).
	peer string
	// readDeadline and writeDeadline: a deadline is set on the
	// connection. Without one, setting none again is skipped (a server
	// without timeouts would otherwise clear both at every request).
	readDeadline, writeDeadline bool
	// afterPost: the last request was a POST (see serveOne). (Beside the
	// other bools: an idle connection's memory counts every byte.)
	afterPost bool
	// firstHeader: the first request's header has yet to be read, with
	// the header timeout counted from the connection's start, as net/http
	// counts it: the read deadline set then bounds the wait for its first
	// byte too, so that a connection that never sends a byte is closed at
	// the header timeout, not the idle one. (A bool, not the deadline:
	// beside the others it costs no byte.)
	firstHeader bool
}

// leadingCRLF counts the CR and LF bytes that b starts with.
func leadingCRLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// setReadDeadline sets the connection's read deadline, unless it is
// cleared and already is.
func (sc *serverConn) setReadDeadline(t time.Time) error {
	if t.IsZero() && !sc.readDeadline {
		return nil
	}
	sc.readDeadline = !t.IsZero()
	return sc.rwc.SetReadDeadline(t)
}

// setWriteDeadline is setReadDeadline for writes.
func (sc *serverConn) setWriteDeadline(t time.Time) error {
	if t.IsZero() && !sc.writeDeadline {
		return nil
	}
	sc.writeDeadline = !t.IsZero()
	return sc.rwc.SetWriteDeadline(t)
}

func (sc *serverConn) remoteAddr() string {
	if sc.peer == "" {
		sc.peer = sc.c.RemoteAddr().String()
	}
	return sc.peer
}

func newServerConn(cfg *connConfig, c *cnet.Conn) *serverConn {
	sc := &serverConn{cfg: cfg, c: c, rwc: c}
	if cfg.tls != nil {
		sc.rwc = tls.Server(c, cfg.tls)
	}
	sc.limit.R = sc.rwc
	if d := cfg.readHeaderTimeout; d > 0 {
		sc.firstHeader = true
		sc.setReadDeadline(c.Now().Add(d))
	}
	if cfg.baseContext != nil || cfg.connContext != nil {
		ctx := context.Background()
		if cfg.baseContext != nil {
			ctx = cfg.baseContext()
		}
		if cfg.connContext != nil {
			ctx = cfg.connContext(ctx, sc.rwc)
		}
		sc.ctx = ctx
	}
	return sc
}

// unlimited lifts the bound once a request's header has been read.
const unlimited = 1<<63 - 1

var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
)

// errCloseConn ends a connection after its response (Connection: close, a
// bad request).
var errCloseConn = errors.New("chttp: connection closed after the response")

// errHandlerPanicked ends a connection whose handler panicked.
var errHandlerPanicked = errors.New("chttp: handler panicked")

// Burst answers the requests that have come; with plain HTTP it returns
// once no more of one is buffered, giving the buffers back, so that the
// connection waits for the next with none.
func (sc *serverConn) Burst(ctx context.Context, _ *cnet.Conn) error {
	br, bw := sc.br, sc.bw
	if br == nil {
		br = readers.Get().(*bufio.Reader)
		br.Reset(&sc.limit)
		bw = writers.Get().(*bufio.Writer)
		bw.Reset(sc.rwc)
		if sc.cfg.tls != nil {
			sc.br, sc.bw = br, bw
		}
	}
	err := sc.serveRequests(ctx, br, bw)
	if errors.Is(err, cnet.ErrDetach) { // hijacked: the handler has them
		return err
	}
	if sc.br == nil {
		br.Reset(nil)
		readers.Put(br)
		bw.Reset(nil)
		writers.Put(bw)
	}
	return err
}

// serveRequests answers requests until none is buffered (plain HTTP), or
// the connection must end.
func (sc *serverConn) serveRequests(ctx context.Context, br *bufio.Reader, bw *bufio.Writer) error {
	for {
		if err := sc.serveOne(ctx, br, bw); err != nil {
			return err
		}
		if br.Buffered() == 0 && sc.cfg.tls == nil {
			return nil
		}
		if br.Buffered() == 0 {
			if err := sc.waitIdleTLS(ctx, br); err != nil {
				return err
			}
		}
	}
}

// waitIdleTLS waits, over TLS, for the next request's first byte, bounded
// by the idle timeout (the connection's, see newServerConn), as an idle
// connection that Shutdown closes: a connection over TLS keeps its task
// between requests (see Server), which Shutdown would otherwise wait for.
func (sc *serverConn) waitIdleTLS(ctx context.Context, br *bufio.Reader) error {
	idle := sc.cfg.idleTLS
	idle.add(sc, corio.HubOf(ctx))
	defer idle.remove(sc)
	if sc.cfg.noKeepAlives.Load() { // checked once in the set: see idleTLSConns
		return errCloseConn
	}
	sc.setReadDeadline(time.Time{})
	_, err := br.Peek(1)
	return err
}

// idleTLSConns are the connections over TLS that wait for their next
// request (waitIdleTLS), for Shutdown to close. A connection puts itself
// in the set before it looks whether Shutdown has begun, and Shutdown
// says so before it looks at the set: each connection is either seen by
// Shutdown or sees it.
type idleTLSConns struct {
	mu    sync.Mutex
	conns map[*serverConn]*corio.Hub
}

func (ic *idleTLSConns) add(sc *serverConn, hub *corio.Hub) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.conns == nil {
		ic.conns = make(map[*serverConn]*corio.Hub)
	}
	ic.conns[sc] = hub
}

func (ic *idleTLSConns) remove(sc *serverConn) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	delete(ic.conns, sc)
}

func (ic *idleTLSConns) has(sc *serverConn) bool {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	_, ok := ic.conns[sc]
	return ok
}

// closeAll ends the wait of every connection idle now, on its hub (where
// it stops waiting, so a connection whose request has begun meanwhile is
// left alone). It may be called from any goroutine.
func (ic *idleTLSConns) closeAll() {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	for sc, hub := range ic.conns {
		hub.Submit(func(context.Context) {
			if ic.has(sc) {
				sc.rwc.SetReadDeadline(time.Unix(1, 0)) // long past: the wait fails now
			}
		})
	}
}

// Closed lets the TLS state go.
func (sc *serverConn) Closed(*cnet.Conn, error) {
	sc.br, sc.bw = nil, nil
}

// serveOne reads a request, runs the handler and writes the response:
// the request's path, forward only, through the deadlines of its read,
// its reading and checking (server_parse.go), its handler with the peer
// watched (server_peer.go), and its response (server_response.go,
// server_header.go).
func (sc *serverConn) serveOne(ctx context.Context, br *bufio.Reader, bw *bufio.Writer) error {
	wholeDeadline, headerDeadline := sc.readDeadlines()
	if !sc.firstHeader { // (the first's was set at the start)
		sc.setReadDeadline(headerDeadline)
	}
	sc.limit.N = sc.cfg.headerLimit
	if sc.afterPost {
		// A CRLF after a POST's body, which old clients send (RFC 9112
		// section 2.2), is passed over, as net/http does.
		peek, _ := br.Peek(4) // what fails here fails the read below again
		br.Discard(leadingCRLF(peek))
	}
	var plain http.Request // a plain request's, on this stack
	req, hosts, err := readRequest(br, &plain)
	sc.afterPost = err == nil && req.Method == "POST"
	sc.firstHeader = false
	if err == nil {
		err = checkRequest(req, req == &plain, hosts)
	}
	if err != nil {
		if sc.refuse(bw, err) {
			sc.closeWriteAndWait(ctx)
		}
		return err
	}
	sc.limit.N = unlimited
	sc.setReadDeadline(wholeDeadline)
	if d := sc.cfg.writeTimeout; d > 0 {
		sc.setWriteDeadline(sc.c.Now().Add(d))
	}
	w, err := sc.newResponse(ctx, req, br, bw)
	if err != nil { // an Expect other than 100-continue
		return err
	}
	w.watchPeer()
	hijacked := sc.runHandler(w)
	w.unwatchPeer()
	if hijacked {
		return cnet.ErrDetach
	}
	return sc.endResponse(w)
}

// readDeadlines returns the deadlines of a request's read: of the whole
// request (ReadTimeout) and of its header (ReadHeaderTimeout, else the
// whole's); zero for none. A server without timeouts reads no clock.
func (sc *serverConn) readDeadlines() (whole, header time.Time) {
	if sc.cfg.readTimeout <= 0 && sc.cfg.readHeaderTimeout <= 0 {
		return time.Time{}, time.Time{}
	}
	now := sc.c.Now()
	if d := sc.cfg.readTimeout; d > 0 {
		whole = now.Add(d)
	}
	header = whole
	if d := sc.cfg.readHeaderTimeout; d > 0 {
		header = now.Add(d)
	}
	return whole, header
}

// endResponse ends the response once its handler has returned: written
// out (only what reached the connection's buffer, after a panic), its
// context ended, the write deadline cleared, and the response recycled.
// errCloseConn says the connection ends after it.
func (sc *serverConn) endResponse(w *response) error {
	if w.panicked {
		bw := w.bw
		w.cancel()
		w.recycle()
		bw.Flush()
		return errHandlerPanicked
	}
	err := w.finish()
	w.cancel()
	sc.setWriteDeadline(time.Time{})
	if err == nil && w.closeAfterReply {
		err = errCloseConn
	}
	w.recycle()
	return err
}

// refuse answers a request that could not be read as net/http does, and
// the connection then ends. Nothing is answered to a peer that went away
// or a read that timed out. It reports whether the rest of what the peer
// sends should be left to come before the connection closes (see
// closeWriteAndWait).
func (sc *serverConn) refuse(bw *bufio.Writer, err error) (linger bool) {
	const errorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	var se statusError
	switch {
	case sc.limit.N <= 0:
		const publicErr = "431 Request Header Fields Too Large"
		bw.WriteString("HTTP/1.1 " + publicErr + errorHeaders + publicErr)
		linger = true
	case isUnsupportedTE(err):
		code := http.StatusNotImplemented
		fmt.Fprintf(bw, "HTTP/1.1 %d %s%sUnsupported transfer encoding", code, http.StatusText(code), errorHeaders)
	case isCommonNetReadError(err):
		return false
	case errors.As(err, &se):
		fmt.Fprintf(bw, "HTTP/1.1 %d %s: %s%s%d %s: %s", se.code, http.StatusText(se.code), se.text, errorHeaders, se.code, http.StatusText(se.code), se.text)
	default:
		const publicErr = "400 Bad Request"
		bw.WriteString("HTTP/1.1 " + publicErr + errorHeaders + publicErr)
	}
	bw.Flush()
	return linger
}

// lingerBeforeClose is how long a connection whose request was cut short
// stays half-open after the response (net/http's rstAvoidanceDelay): a
// close with unread data sends a reset, which may destroy the response
// before the peer has read it.
const lingerBeforeClose = 500 * time.Millisecond

// closeWriteAndWait ends the sending side, then waits a little before the
// connection closes, as net/http does.
func (sc *serverConn) closeWriteAndWait(ctx context.Context) {
	if err := sc.c.CloseWrite(); err == nil {
		corio.Sleep(ctx, lingerBeforeClose)
	}
}

// isUnsupportedTE reports whether http.ReadRequest refused a
// Transfer-Encoding it does not implement (an unknown coding, or more than
// one line of it), which net/http answers with 501: by the error's type,
// which net/http does not export.
func isUnsupportedTE(err error) bool {
	return reflect.TypeOf(err) == unsupportedTEType
}

// unsupportedTEType is the type of the error http.ReadRequest returns for
// a Transfer-Encoding it does not implement.
var unsupportedTEType = func() reflect.Type {
	_, err := http.ReadRequest(bufio.NewReader(strings.NewReader("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-unknown\r\n\r\n")))
	return reflect.TypeOf(err)
}()

// isCommonNetReadError is net/http's: the peer went away, or the read
// timed out.
func isCommonNetReadError(err error) bool {
	if err == io.EOF {
		return true
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return true
	}
	oe, ok := err.(*net.OpError)
	return ok && oe.Op == "read"
}

// runHandler runs the handler, and reports whether it hijacked the
// connection. A panic is logged (but for http.ErrAbortHandler) and the
// connection closed, as net/http does.
func (sc *serverConn) runHandler(w *response) (hijacked bool) {
	defer func() {
		if r := recover(); r != nil {
			if r != http.ErrAbortHandler {
				const size = 64 << 10
				buf := make([]byte, size)
				buf = buf[:runtime.Stack(buf, false)]
				sc.cfg.logf("http: panic serving %v: %v\n%s", sc.c.RemoteAddr(), r, buf)
			}
			w.panicked = true
		}
		hijacked = w.hijacked
	}()
	handler := sc.cfg.handler
	if w.req.RequestURI == "*" && w.req.Method == "OPTIONS" && !sc.cfg.noOptionsHandler {
		handler = optionsHandler{}
	}
	handler.ServeHTTP(w, w.req)
	return
}

// optionsHandler answers "OPTIONS *", which concerns the server, not a
// resource, with 200 and no body, as net/http's server does unless
// DisableGeneralOptionsHandler.
type optionsHandler struct{}

func (optionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		// A body (reserved for future use) is read up to 4 KiB; past that
		// the connection ends, as net/http's.
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
	}
}
