package httpload

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// A load connection is driven the way wrk drives one: the request is
// written from bytes made once for the run, and the response is framed
// by readResponse in the connection's buffer and discarded. Against an
// http.Client or chttp's Transport this leaves out a Request, a Response,
// a header map and a context per request: the generator's own CPU goes to
// the server's load, not to itself (BENCHMARKS.md, "corio load").

// A target is what every connection of a run sends, and where.
type target struct {
	addr       string      // host:port to dial
	tls        *tls.Config // nil for http://
	request    []byte      // the whole request, header and body, as sent
	head       bool        // a HEAD request: its answers have no body
	idempotent bool        // a request net/http would send again on a fresh connection
}

// newTarget makes the request's bytes once: cfg's method, URL, header
// fields and body, written as net/http writes a request.
func newTarget(cfg Config) (*target, error) {
	req, err := template(cfg)
	if err != nil {
		return nil, err
	}
	if len(cfg.Body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(cfg.Body))
	}
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		return nil, fmt.Errorf("the request: %v", err)
	}
	port := req.URL.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[req.URL.Scheme]
	}
	t := &target{
		addr:    net.JoinHostPort(req.URL.Hostname(), port),
		request: buf.Bytes(),
		head:    req.Method == http.MethodHead,
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		t.idempotent = true
	}
	if req.URL.Scheme == "https" {
		t.tls = &tls.Config{ServerName: req.URL.Hostname(), InsecureSkipVerify: cfg.Insecure, NextProtos: []string{"http/1.1"}}
	}
	return t, nil
}

// template is the request the target's bytes are written from.
func template(cfg Config) (*http.Request, error) {
	method := cfg.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range cfg.Header {
		req.Header[k] = vs
	}
	if host := req.Header.Get("Host"); host != "" { // -H 'Host: name', as wrk's
		req.Host = host
		req.Header.Del("Host")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "corio-load")
	}
	req.ContentLength = int64(len(cfg.Body))
	return req, nil
}

// A wireConn is one connection of the load, kept alive between requests.
type wireConn struct {
	conn net.Conn // a *cnet.Conn, or a *tls.Conn over one
	br   *bufio.Reader
	used bool // it has carried a whole exchange: a peer's close may be an idle timeout
}

// readBuffer holds a response's header, which must fit, and as much of
// its body as one read brings.
const readBuffer = 16 << 10

// dialWire connects to t, within timeout (0: none), the TLS handshake
// included.
func dialWire(ctx context.Context, t *target, timeout time.Duration) (*wireConn, error) {
	dialCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		dialCtx, cancel = corio.WithTimeout(ctx, timeout)
		defer cancel()
	}
	raw, err := cnet.Dial(dialCtx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	var conn net.Conn = raw
	if t.tls != nil {
		if timeout > 0 {
			raw.SetDeadline(raw.Now().Add(timeout))
		}
		tc := tls.Client(raw, t.tls)
		if err := tc.Handshake(); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", t.addr, err)
		}
		raw.SetDeadline(time.Time{})
		conn = tc
	}
	return &wireConn{conn: conn, br: bufio.NewReaderSize(conn, readBuffer)}, nil
}

// exchange sends t's request and reads its response, both before deadline
// (zero: none). Its ErrorKind says which half failed.
func (w *wireConn) exchange(t *target, deadline time.Time) (response, ErrorKind, error) {
	if !deadline.IsZero() {
		w.conn.SetDeadline(deadline)
	}
	if _, err := w.conn.Write(t.request); err != nil {
		return response{}, Write, err
	}
	r, err := readResponse(w.br, t.head)
	if err != nil {
		return r, Read, explainRead(err)
	}
	w.used = true
	return r, 0, nil
}

// explainRead says what a read that ended at the server's close means.
func explainRead(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("the server closed the connection without an answer: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("the server closed the connection in the middle of its answer: %w", err)
	}
	return err
}

// closedWhileIdle reports whether err is a kept-alive connection's peer
// having closed it before this request (an idle timeout, a restart):
// nothing of an answer came, and the request may be sent again on a new
// connection, as net/http's client does.
func (w *wireConn) closedWhileIdle(err error) bool {
	return w.used && w.br.Buffered() == 0 &&
		(errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}

func (w *wireConn) close() { w.conn.Close() }

// kindOf is the kind of a failed exchange's error: a deadline that passed
// is a timeout whichever half it stopped.
func kindOf(k ErrorKind, err error) ErrorKind {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return k
}
