package chttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// A persistConn is one connection of the pool, to a server or a proxy,
// plain or TLS, with its buffers.
type persistConn struct {
	host *hostConns
	raw  *cnet.Conn
	io   ioConn        // raw, with the context of the request in progress
	conn net.Conn      // &io, or a tls.Conn over it
	br   *bufio.Reader // reads the persistConn itself (see Read); nil while idle
	tls  *tls.ConnectionState

	headerLeft int64      // while a header is read, the bytes it may still take; else -1
	rec        *recording // the exchange being recorded, if its request has a Recorder
	reused     bool       // served a request before this one
	broken     bool       // must not go back to the pool
	closed     bool

	isIdle               bool
	idleSince            time.Time
	olderIdle, newerIdle *persistConn
}

// An ioConn is a cnet.Conn whose reads and writes end with a context:
// that of the request the connection serves now. A call from a task
// other than the context's (a body read elsewhere, the task writing a
// request's body) waits with that task's own context instead.
type ioConn struct {
	*cnet.Conn
	ctx context.Context
}

func (c *ioConn) Read(b []byte) (int, error) {
	if corio.InTask(c.ctx) == nil {
		return c.Conn.ReadContext(c.ctx, b)
	}
	return c.Conn.Read(b)
}

func (c *ioConn) Write(b []byte) (int, error) {
	if corio.InTask(c.ctx) == nil {
		return c.Conn.WriteContext(c.ctx, b)
	}
	return c.Conn.Write(b)
}

// Read is what the buffered reader reads: the connection, bounded while a
// header is read.
func (pc *persistConn) Read(b []byte) (int, error) {
	if pc.headerLeft >= 0 {
		if pc.headerLeft == 0 {
			return 0, ErrHeaderTooLarge
		}
		if int64(len(b)) > pc.headerLeft {
			b = b[:pc.headerLeft]
		}
	}
	n, err := pc.conn.Read(b)
	if pc.headerLeft >= 0 {
		pc.headerLeft -= int64(n)
	}
	if pc.rec != nil {
		pc.rec.received(b[:n])
	}
	return n, err
}

// dial makes a connection for hc: to the server or the proxy, through
// CONNECT for https:// via a proxy, with TLS for https.
func (p *pool) dial(ctx context.Context, hc *hostConns) (*persistConn, error) {
	t, key := p.t, hc.key
	dctx, cancel := stepContext(ctx, t.DialTimeout)
	defer cancel()
	addr := key.dialAddr()
	dial := t.Dial
	if dial == nil {
		dial = cnet.Dial
	}
	raw, err := dial(dctx, "tcp", addr)
	if err != nil {
		return nil, stepError(ctx, dctx, ErrDialTimeout, fmt.Errorf("chttp: dial %s: %w", addr, err))
	}
	pc := &persistConn{host: hc, raw: raw, headerLeft: -1}
	pc.io = ioConn{Conn: raw, ctx: ctx}
	pc.conn = &pc.io
	pc.br = p.buffers.reader(pc)
	if key.proxy != nil && key.proxy.Scheme == "https" {
		if err := pc.startTLS(ctx, key.proxy.Hostname()); err != nil {
			return nil, err
		}
	}
	if key.proxy != nil && key.scheme == "https" {
		if err := pc.connect(ctx, dctx); err != nil {
			return nil, err
		}
	}
	if key.scheme == "https" {
		if err := pc.startTLS(ctx, hostOnly(key.addr)); err != nil {
			return nil, err
		}
	}
	pc.io.ctx = ctx
	return pc, nil
}

// startTLS runs the TLS handshake with serverName over what pc has now
// (the server, a proxy, or a tunnel through one).
func (pc *persistConn) startTLS(ctx context.Context, serverName string) error {
	t := pc.host.p.t
	hctx, cancel := stepContext(ctx, t.TLSHandshakeTimeout)
	defer cancel()
	var cfg *tls.Config
	if t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	cfg.NextProtos = []string{"http/1.1"} // never h2: this client speaks HTTP/1.1
	pc.io.ctx = hctx
	tc := tls.Client(pc.conn, cfg)
	// Handshake, not HandshakeContext: the latter watches its context on a
	// goroutine; here the reads and writes end with hctx themselves.
	if err := tc.Handshake(); err != nil {
		pc.raw.Close()
		return stepError(ctx, hctx, ErrTLSHandshakeTimeout, fmt.Errorf("chttp: TLS handshake with %s: %w", serverName, err))
	}
	pc.io.ctx = ctx
	state := tc.ConnectionState()
	pc.tls = &state
	pc.conn = tc
	return nil
}

// connect opens a tunnel to the target through the proxy (CONNECT).
func (pc *persistConn) connect(ctx, dctx context.Context) error {
	key := pc.host.key
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: key.addr},
		Host:   key.addr,
		Header: make(http.Header),
	}
	if auth := proxyAuth(key.proxy); auth != "" {
		req.Header.Set("Proxy-Authorization", auth)
	}
	pc.io.ctx = dctx
	fail := func(err error) error {
		pc.raw.Close()
		return stepError(ctx, dctx, ErrDialTimeout, fmt.Errorf("chttp: proxy CONNECT %s via %s: %w", key.addr, key.proxy.Redacted(), err))
	}
	if err := pc.write(req, false); err != nil {
		return fail(err)
	}
	pc.headerLeft = pc.host.p.t.maxHeaderBytes()
	resp, err := http.ReadResponse(pc.br, req)
	pc.headerLeft = -1
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		// Not resp.Body.Close, which reads the body to its end: fail
		// closes the connection, body and all.
		return fail(fmt.Errorf("the proxy answered %q", resp.Status))
	}
	if pc.br.Buffered() > 0 {
		return fail(errors.New("the proxy sent data before the tunnel was used"))
	}
	return nil
}

// close closes the connection and accounts for it in its host's pool.
func (pc *persistConn) close() {
	if pc.closed {
		return
	}
	pc.closed = true
	pc.raw.Close()
	pc.host.gone()
}

// sound reports whether an idle connection may serve a request: not
// expired, and nothing to read (put made sure nothing was buffered), so
// the peer has not closed it.
func (pc *persistConn) sound(expired bool) bool {
	return !expired && pc.raw.Quiet()
}

// stepContext is the context of a step that the Transport bounds by d:
// ctx itself when d is zero.
func stepContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return corio.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// stepError is the error of a step (dial, handshake, header) that failed
// with err: the request context's error if it ended, the step's timeout
// if the step's context did, else err.
func stepError(reqCtx, stepCtx context.Context, timeout, err error) error {
	if cerr := reqCtx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return err
		}
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	if stepCtx.Err() != nil {
		return timeout
	}
	return err
}

// hostOnly is the host of a host:port.
func hostOnly(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
