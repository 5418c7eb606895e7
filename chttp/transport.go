package chttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// DefaultMaxIdleConnsPerHost is the number of idle connections a
// Transport keeps per host when MaxIdleConnsPerHost is 0, as in net/http.
const DefaultMaxIdleConnsPerHost = 2

// DefaultMaxResponseHeaderBytes bounds a response header when
// MaxResponseHeaderBytes is 0.
const DefaultMaxResponseHeaderBytes = 1 << 20

// A Transport is an http.RoundTripper for tasks of corio hubs (see the
// package documentation). Its zero value works, with no proxy and no
// timeouts beyond the request's context. Set its fields before its first
// request and do not change them after; a Transport is safe for use by
// tasks of many hubs at once.
type Transport struct {
	// Proxy returns the proxy for a request, or nil for none, as in
	// net/http (http.ProxyFromEnvironment reads HTTP_PROXY, HTTPS_PROXY
	// and NO_PROXY). Proxies with the http and https schemes are spoken;
	// https:// targets go through them with CONNECT. Nil: no proxy.
	Proxy func(*http.Request) (*url.URL, error)

	// Dial makes the connections, to the server or to the proxy. Nil:
	// cnet.Dial.
	Dial func(ctx context.Context, network, addr string) (*cnet.Conn, error)

	// TLSClientConfig configures TLS; nil: the defaults of crypto/tls,
	// which verify the server against the system's roots. ServerName is
	// set from the request when empty, and only http/1.1 is offered.
	TLSClientConfig *tls.Config

	// DialTimeout bounds a connection's dial, with its proxy CONNECT if
	// any. TLSHandshakeTimeout bounds the TLS handshake.
	// ResponseHeaderTimeout bounds the wait for the response's header
	// once the request is written (once it is being written, for a
	// request with a body). Zero means no bound beyond the request's
	// context, which bounds the whole request.
	DialTimeout           time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration

	// IdleConnTimeout closes a connection idle for that long; zero keeps
	// idle connections until the server closes them or the hub ends.
	IdleConnTimeout time.Duration

	// MaxIdleConns bounds the idle connections of a hub's pool, all hosts
	// together (zero: no bound). MaxIdleConnsPerHost bounds them per host
	// (zero: DefaultMaxIdleConnsPerHost). MaxConnsPerHost bounds the
	// connections per host, dialling, busy and idle (zero: no bound); a
	// request over it waits for one.
	MaxIdleConns        int
	MaxIdleConnsPerHost int
	MaxConnsPerHost     int

	// DisableKeepAlives uses each connection for one request only.
	DisableKeepAlives bool

	// DisableCompression keeps the Transport from asking for gzip on its
	// own. When it asks (the request has no Accept-Encoding or Range of
	// its own and is not HEAD), a gzip response is decompressed and its
	// Content-Encoding and Content-Length removed, as net/http does.
	DisableCompression bool

	// MaxResponseHeaderBytes bounds the bytes read for a response's
	// header; zero means DefaultMaxResponseHeaderBytes.
	MaxResponseHeaderBytes int64

	mu    sync.Mutex
	pools map[*corio.Hub]*pool
}

// DefaultTransport is a Transport with net/http's defaults: proxies from
// the environment, 30 s to dial, 10 s for the TLS handshake, idle
// connections kept for 90 s, at most 100 of them per hub.
var DefaultTransport = &Transport{
	Proxy:               http.ProxyFromEnvironment,
	DialTimeout:         30 * time.Second,
	TLSHandshakeTimeout: 10 * time.Second,
	IdleConnTimeout:     90 * time.Second,
	MaxIdleConns:        100,
}

var _ http.RoundTripper = (*Transport)(nil)

// RoundTrip sends req and returns its response, as http.RoundTripper
// says: an error only when no response was received; the body, if any,
// always closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := validate(req); err != nil {
		closeBody(req)
		return nil, err
	}
	ctx := req.Context()
	if err := corio.InTask(ctx); err != nil {
		closeBody(req)
		return nil, fmt.Errorf("chttp: RoundTrip outside a task of a hub: %w", err)
	}
	key, err := t.connKeyFor(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	p := t.poolOf(corio.HubOf(ctx))
	// One hub context for the request: its waits watch it rather than a
	// context of the standard library each (http.Client's deadline).
	rctx, cancel := corio.WithCancel(ctx)
	out, viaProxy := t.outgoing(req, key)
	for {
		pc, err := p.get(rctx, key)
		if err != nil {
			closeBody(out)
			cancel()
			return nil, asTimeout(err)
		}
		resp, err := pc.roundTrip(rctx, cancel, req, out, viaProxy)
		if err == nil {
			return resp, nil
		}
		var retry *retryableError
		if !errors.As(err, &retry) {
			cancel()
			return nil, asTimeout(err)
		}
		// A reused connection the server had closed: send again on
		// another, if the request may be sent twice (with a body of its
		// own: the caller's request is not to be changed).
		if out == req {
			cp := *req
			out = &cp
		}
		if out.Body, err = rewind(req); err != nil {
			cancel()
			return nil, retry.err
		}
	}
}

// CloseIdleConnections closes the idle connections of every hub's pool.
// It may be called from any goroutine; each hub closes its own.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	pools := make([]*pool, 0, len(t.pools))
	for _, p := range t.pools {
		pools = append(pools, p)
	}
	t.mu.Unlock()
	for _, p := range pools {
		p.hub.Submit(func(context.Context) { p.closeIdle() })
	}
}

// poolOf returns the pool of hb, made on first use and dropped when the
// hub's Run ends.
func (t *Transport) poolOf(hb *corio.Hub) *pool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.pools[hb]; p != nil {
		return p
	}
	if t.pools == nil {
		t.pools = make(map[*corio.Hub]*pool)
	}
	p := newPool(t, hb)
	err := hb.OnExit(func() {
		t.mu.Lock()
		delete(t.pools, hb)
		t.mu.Unlock()
		p.closeIdle()
	})
	if err == nil { // else the hub is ending: the pool serves this request only
		t.pools[hb] = p
	}
	return p
}

// validate rejects a request net/http's Transport would reject, with the
// reason.
func validate(req *http.Request) error {
	switch {
	case req == nil:
		return errors.New("chttp: nil Request")
	case req.URL == nil:
		return errors.New("chttp: nil Request.URL")
	case req.Header == nil:
		return errors.New("chttp: nil Request.Header")
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("chttp: unsupported protocol scheme %q in %q", s, req.URL.Redacted())
	}
	if req.URL.Host == "" {
		return fmt.Errorf("chttp: no host in request URL %q", req.URL.Redacted())
	}
	if req.Method != "" && !validToken(req.Method) {
		return fmt.Errorf("chttp: invalid method %q", req.Method)
	}
	for k, vs := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("chttp: invalid header field name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("chttp: invalid header field value for %q", k)
			}
		}
	}
	return nil
}

func validToken(s string) bool {
	for _, r := range s {
		if !httpguts.IsTokenRune(r) {
			return false
		}
	}
	return true
}

func closeBody(req *http.Request) {
	if req != nil && req.Body != nil {
		req.Body.Close()
	}
}

// outgoing is the request as written: req itself, or a copy with the
// headers the Transport adds (gzip, proxy credentials, Connection: close).
// The caller's request is never changed.
func (t *Transport) outgoing(req *http.Request, key connKey) (out *http.Request, viaProxy bool) {
	viaProxy = key.proxy != nil && key.scheme == "http"
	gzip := t.asksGzip(req)
	auth := ""
	if viaProxy {
		auth = proxyAuth(key.proxy)
	}
	closeConn := t.DisableKeepAlives && !req.Close
	if !gzip && auth == "" && !closeConn {
		return req, viaProxy
	}
	cp := *req
	// A new map sharing the values: Request.Write only reads them.
	cp.Header = make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		cp.Header[k] = v
	}
	if gzip {
		cp.Header.Set("Accept-Encoding", "gzip")
	}
	if auth != "" {
		cp.Header.Set("Proxy-Authorization", auth)
	}
	if closeConn {
		cp.Close = true
	}
	return &cp, viaProxy
}

// asksGzip reports whether the Transport asks for gzip for req, and so
// decompresses its response.
func (t *Transport) asksGzip(req *http.Request) bool {
	return !t.DisableCompression && req.Method != http.MethodHead &&
		req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == ""
}

// rewind gives a request's body again for a second attempt, or fails if
// the request may not be sent twice.
func rewind(req *http.Request) (io.ReadCloser, error) {
	if !idempotent(req) {
		return nil, errors.New("chttp: request is not idempotent")
	}
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("chttp: request body cannot be read again")
	}
	return req.GetBody()
}

// idempotent reports whether req may be sent twice (RFC 9110, 9.2.2),
// which is when net/http retries too.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, ok := req.Header["Idempotency-Key"]
	if !ok {
		_, ok = req.Header["X-Idempotency-Key"]
	}
	return ok
}

// maxHeaderBytes is the bound on a response header.
func (t *Transport) maxHeaderBytes() int64 {
	if t.MaxResponseHeaderBytes > 0 {
		return t.MaxResponseHeaderBytes
	}
	return DefaultMaxResponseHeaderBytes
}

// lower is strings.ToLower without an allocation for what is lower case
// already (host names nearly always are).
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
