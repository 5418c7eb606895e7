package chttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/corio-go/corio"
)

// A response is the http.ResponseWriter of one request. Like net/http's,
// it holds the first 2 KiB of the body before sending the header: a body
// that ends within them gets a Content-Length (and a sniffed
// Content-Type); a longer one is sent chunked (HTTP/1.1) or to the
// connection's close (HTTP/1.0).
type response struct {
	sc        *serverConn
	req       *http.Request
	body      *requestBody
	bodyStore requestBody // body's, in the same allocation
	// While the handler runs, a watch on the connection learns of the
	// client going away, which ends the request's context (see
	// watchPeer).
	watch    corio.ReadWatch
	watching bool
	bw       *bufio.Writer
	br       *bufio.Reader
	header   http.Header
	sent     http.Header // the header as WriteHeader saw it, once the handler may change it after
	cancel   context.CancelFunc

	status          int
	wroteHeader     bool   // the status is set
	sentHeader      bool   // the header is written
	buf             []byte // the body before the header is sent
	chunking        bool
	contentLength   int64 // declared or computed; -1: unknown
	written         int64 // body bytes written
	trailers        []string
	handlerDone     bool
	wants10Keep     bool
	wantsClose      bool
	hijacked        bool
	panicked        bool
	closeAfterReply bool // the connection ends after this response
}

// bufferBeforeChunking is how much body the header waits for (net/http's).
const bufferBeforeChunking = 2048

// maxPostHandlerRead is how much of a body its handler left unread is
// read, to keep the connection, before giving up on it (net/http's).
const maxPostHandlerRead = 256 << 10

func (sc *serverConn) newResponse(ctx context.Context, req *http.Request, br *bufio.Reader, bw *bufio.Writer) (*response, error) {
	var parent context.Context = ctx
	if sc.ctx != nil {
		parent = valuesFrom{ctx, sc.ctx}
	}
	// Cancel first, then the value: a cancelCtx under the task's context
	// (which has AfterFunc) costs no goroutine; under a value context it
	// would start one per request to watch its parent.
	rctx, cancel := context.WithCancel(parent)
	rctx = context.WithValue(rctx, http.LocalAddrContextKey, sc.c.LocalAddr())
	req = req.WithContext(rctx)
	req.RemoteAddr = sc.remoteAddr()
	if tc, ok := sc.rwc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		req.TLS = &st
	}
	w := &response{sc: sc, req: req, br: br, bw: bw, header: make(http.Header), cancel: cancel, contentLength: -1,
		wants10Keep: wantsHTTP10KeepAlive(req), wantsClose: req.Close}
	w.bodyStore = requestBody{rc: req.Body, w: w}
	w.body = &w.bodyStore
	req.Body = w.body
	if hasToken(req.Header.Get("Expect"), "100-continue") {
		if req.ProtoAtLeast(1, 1) && req.ContentLength != 0 {
			w.body.expectContinue, w.body.continueAsked = true, true
		}
	} else if req.Header.Get("Expect") != "" {
		w.sendExpectationFailed()
		cancel()
		return nil, errCloseConn
	}
	return w, nil
}

// valuesFrom is ctx (its cancellation, its deadline) with the values of
// vals first: the request's task's context with BaseContext's values.
type valuesFrom struct {
	context.Context
	vals context.Context
}

// AfterFunc is the task's context's own (a hub context has one, which
// runs f as the context ends, on the hub): a context made under
// valuesFrom (the request's, cancellable) then ends with the task at once,
// as it would directly under it. Without it, context.WithCancel would
// start a goroutine per request to watch the parent, and the request's
// context would end only when that goroutine ran.
func (v valuesFrom) AfterFunc(f func()) (stop func() bool) {
	if a, ok := v.Context.(interface{ AfterFunc(func()) func() bool }); ok {
		return a.AfterFunc(f)
	}
	return context.AfterFunc(v.Context, f)
}

func (v valuesFrom) Value(key any) any {
	if x := v.vals.Value(key); x != nil {
		return x
	}
	return v.Context.Value(key)
}

func wantsHTTP10KeepAlive(r *http.Request) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor != 0 {
		return false
	}
	return hasToken(r.Header.Get("Connection"), "keep-alive")
}

// hasToken reports whether token is in v, case-insensitively, between
// spaces, commas or tabs: net/http's own test, which Connection and Expect
// headers are read with.
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if strings.EqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

func (w *response) sendExpectationFailed() {
	w.header.Set("Connection", "close")
	w.WriteHeader(http.StatusExpectationFailed)
	w.finish()
}

// Header is the response's header, to set before WriteHeader or Write.
// Changes made after them reach only the trailers (as with net/http, the
// header sent is the one WriteHeader saw).
func (w *response) Header() http.Header {
	if w.wroteHeader && !w.sentHeader && w.sent == nil {
		w.sent = w.header.Clone()
	}
	return w.header
}

// WriteHeader sets the status, as net/http's does (1xx statuses are
// written at once; a second call is logged and ignored).
func (w *response) WriteHeader(code int) {
	if w.hijacked {
		w.sc.cfg.logf("http: response.WriteHeader on hijacked connection")
		return
	}
	if w.wroteHeader {
		w.sc.cfg.logf("http: superfluous response.WriteHeader call")
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		if code == http.StatusContinue && w.body.expectContinue {
			w.body.expectContinue = false // the handler says it itself
		}
		writeStatusLine(w.bw, true, code)
		w.header.WriteSubset(w.bw, excludedFromInformational)
		w.bw.WriteString("\r\n")
		w.bw.Flush()
		return
	}
	w.wroteHeader, w.status = true, code
	if cl := w.header.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.contentLength = v
		} else {
			w.sc.cfg.logf("http: invalid Content-Length of %q", cl)
			w.header.Del("Content-Length")
		}
	}
}

var excludedFromInformational = map[string]bool{"Content-Length": true, "Transfer-Encoding": true}

func writeStatusLine(bw *bufio.Writer, is11 bool, code int) {
	if is11 {
		bw.WriteString("HTTP/1.1 ")
	} else {
		bw.WriteString("HTTP/1.0 ")
	}
	if text := http.StatusText(code); text != "" {
		bw.WriteString(strconv.Itoa(code))
		bw.WriteString(" ")
		bw.WriteString(text)
	} else {
		fmt.Fprintf(bw, "%03d status code %d", code, code)
	}
	bw.WriteString("\r\n")
}

// bodyAllowed reports whether a response with status code may have a body.
func bodyAllowed(code int) bool {
	switch {
	case code >= 100 && code <= 199:
		return false
	case code == 204, code == 304:
		return false
	}
	return true
}

// Write writes body bytes, as net/http's does.
func (w *response) Write(p []byte) (int, error) {
	switch {
	case w.hijacked:
		if len(p) > 0 {
			w.sc.cfg.logf("http: response.Write on hijacked connection")
		}
		return 0, http.ErrHijacked
	case !w.wroteHeader:
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if !w.sentHeader {
		// Held until it outgrows the buffer; then it goes out with the
		// header, which sniffs its type from it.
		w.buf = append(w.buf, p...)
		if len(w.buf) <= bufferBeforeChunking {
			return len(p), nil
		}
		if err := w.sendHeader(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return w.writeBody(p)
}

// WriteString is Write for a string.
func (w *response) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// writeBody writes p after the header: as a chunk when chunking.
func (w *response) writeBody(p []byte) (int, error) {
	if len(p) == 0 || w.req.Method == "HEAD" {
		return len(p), nil
	}
	if w.chunking {
		fmt.Fprintf(w.bw, "%x\r\n", len(p))
	}
	n, err := w.bw.Write(p)
	if err == nil && w.chunking {
		_, err = w.bw.WriteString("\r\n")
	}
	return n, err
}

// sendHeader writes the status line and header, deciding the framing and
// whether the connection is kept, as net/http's chunkWriter.writeHeader
// does; then the body held so far.
func (w *response) sendHeader() error {
	if w.sentHeader {
		return nil
	}
	w.sentHeader = true
	p := w.buf
	h := w.header
	if w.sent != nil {
		h = w.sent
	}
	isHEAD := w.req.Method == "HEAD"
	var extra extraHeader
	for _, v := range h["Trailer"] {
		for t := range strings.SplitSeq(v, ",") {
			if t = http.CanonicalHeaderKey(strings.TrimSpace(t)); t != "" {
				w.trailers = append(w.trailers, t)
			}
		}
	}
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			w.trailers = append(w.trailers, k)
		}
	}
	te := h.Get("Transfer-Encoding")
	hasTE := te != ""
	if w.handlerDone && len(w.trailers) == 0 && !hasTE && bodyAllowed(w.status) && h.Get("Content-Length") == "" && (!isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		extra.contentLength = strconv.Itoa(len(p))
	}
	closeAfter := false
	hasCL := w.contentLength != -1
	if w.wants10Keep && (isHEAD || hasCL || !bodyAllowed(w.status)) {
		if _, set := h["Connection"]; !set {
			extra.connection = "keep-alive"
		}
	} else if !w.req.ProtoAtLeast(1, 1) || w.wantsClose {
		closeAfter = true
	}
	if h.Get("Connection") == "close" {
		closeAfter = true
	}
	if w.body.continueAsked && !w.body.sawEOF {
		closeAfter = true
	}
	if w.req.ContentLength != 0 && !closeAfter && !w.body.sawEOF && !w.body.continueAsked {
		if w.body.closed {
			closeAfter = true
		} else {
			n, err := io.CopyN(io.Discard, w.body.rc, maxPostHandlerRead+1)
			switch {
			case err == nil && n > maxPostHandlerRead:
				closeAfter = true
				h.Del("Connection")
				extra.connection = "close"
			case err == io.EOF:
				w.body.sawEOF = true
			default:
				closeAfter = true
			}
		}
	}
	code := w.status
	if bodyAllowed(code) {
		_, haveType := h["Content-Type"]
		if h.Get("Content-Encoding") == "" && !haveType && !hasTE && len(p) > 0 {
			extra.contentType = http.DetectContentType(p)
		}
	} else {
		for _, k := range []string{"Content-Type", "Content-Length", "Transfer-Encoding"} {
			h.Del(k)
		}
	}
	if _, ok := h["Date"]; !ok {
		extra.date = httpDate()
	}
	if hasCL && hasTE && te != "identity" {
		w.sc.cfg.logf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d", te, w.contentLength)
		h.Del("Content-Length")
		hasCL = false
	}
	switch {
	case isHEAD || !bodyAllowed(code) || code == http.StatusNoContent:
		h.Del("Transfer-Encoding")
	case hasCL:
		h.Del("Transfer-Encoding")
	case w.req.ProtoAtLeast(1, 1):
		if hasTE && te == "identity" {
			closeAfter = true
			h.Del("Transfer-Encoding")
		} else {
			w.chunking = true
			extra.transferEncoding = "chunked"
			if hasTE && te == "chunked" {
				h.Del("Transfer-Encoding")
			}
		}
	default:
		closeAfter = true
		h.Del("Transfer-Encoding")
	}
	if w.chunking {
		h.Del("Content-Length")
	}
	if closeAfter && !hasToken(h.Get("Connection"), "close") && !(code == http.StatusSwitchingProtocols && h.Get("Upgrade") != "") {
		h.Del("Connection")
		if w.req.ProtoAtLeast(1, 1) {
			extra.connection = "close"
		}
	}
	w.closeAfterReply = closeAfter
	writeStatusLine(w.bw, w.req.ProtoAtLeast(1, 1), code)
	var exclude map[string]bool // the trailers given as Trailer:-prefixed keys
	for _, t := range w.trailers {
		if strings.HasPrefix(t, http.TrailerPrefix) {
			if exclude == nil {
				exclude = map[string]bool{}
			}
			exclude[t] = true
		}
	}
	h.WriteSubset(w.bw, exclude)
	extra.write(w.bw)
	w.bw.WriteString("\r\n")
	w.buf = nil
	if len(p) > 0 {
		if _, err := w.writeBody(p); err != nil {
			return err
		}
	}
	return nil
}

// finish ends the response once the handler has returned: the header if
// not yet sent (with a Content-Length), the body held, the last chunk
// and trailers; then writes it out.
func (w *response) finish() error {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if err := w.sendHeader(); err != nil {
		return err
	}
	if w.chunking {
		w.bw.WriteString("0\r\n")
		for _, k := range w.trailers {
			name := strings.TrimPrefix(k, http.TrailerPrefix)
			for _, v := range w.header[k] {
				if httpguts.ValidHeaderFieldName(name) && httpguts.ValidHeaderFieldValue(v) {
					fmt.Fprintf(w.bw, "%s: %s\r\n", name, v)
				}
			}
		}
		w.bw.WriteString("\r\n")
	}
	if w.contentLength != -1 && w.written < w.contentLength && w.req.Method != "HEAD" && bodyAllowed(w.status) {
		w.closeAfterReply = true // the body is shorter than declared: the peer must not wait for more
	}
	return w.bw.Flush()
}

// Flush sends what has been written so far (http.Flusher).
func (w *response) Flush() { w.FlushError() }

// FlushError is Flush reporting an error (http.ResponseController).
func (w *response) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if err := w.sendHeader(); err != nil {
		return err
	}
	return w.bw.Flush()
}

// Hijack hands the connection to the handler (http.Hijacker): the server
// forgets it, and the handler's code, on the hub, reads, writes and
// closes it.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.unwatchPeer()
	if w.wroteHeader && w.sentHeader {
		return nil, nil, errors.New("chttp: Hijack after the response's header was sent")
	}
	w.hijacked = true
	w.sc.limit.N = unlimited
	return w.sc.rwc, bufio.NewReadWriter(w.br, w.bw), nil
}

// SetReadDeadline and SetWriteDeadline are http.ResponseController's.
func (w *response) SetReadDeadline(t time.Time) error  { return w.sc.rwc.SetReadDeadline(t) }
func (w *response) SetWriteDeadline(t time.Time) error { return w.sc.rwc.SetWriteDeadline(t) }

// requestBody is a request's Body: it answers 100-continue on the first
// read and records whether the body was read to its end or closed.
type requestBody struct {
	rc             io.ReadCloser
	w              *response
	expectContinue bool // a 100 Continue is due before the first read
	continueAsked  bool // the request asked for one
	sawEOF, closed bool
}

func (b *requestBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.expectContinue {
		b.expectContinue = false
		if !b.w.sentHeader {
			b.w.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := b.w.bw.Flush(); err != nil {
				return 0, err
			}
		}
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.sawEOF = true
	}
	return n, err
}

// Close stops the handler's reading; what is left is read after it (or
// the connection closed), as with net/http.
func (b *requestBody) Close() error {
	b.closed = true
	return nil
}

// extraHeader is what the server adds to a handler's header, written in
// net/http's order without a map of its own.
type extraHeader struct {
	contentType, connection, transferEncoding, date, contentLength string
}

func (e *extraHeader) write(bw *bufio.Writer) {
	for _, kv := range [...]struct{ k, v string }{
		{"Content-Type", e.contentType}, {"Connection", e.connection}, {"Transfer-Encoding", e.transferEncoding},
		{"Date", e.date}, {"Content-Length", e.contentLength},
	} {
		if kv.v != "" {
			bw.WriteString(kv.k)
			bw.WriteString(": ")
			bw.WriteString(kv.v)
			bw.WriteString("\r\n")
		}
	}
}

// dateCache is the Date header of the current second, shared by every
// hub: formatting it for each response would cost more than the rest of
// a small response's header.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec  int64
	text string
}

// httpDate is the Date header for now.
func httpDate() string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.text
	}
	d := &cachedDate{sec: now.Unix(), text: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}

// watchPeer, before the handler runs, watches the connection for the
// client's close, so that the request's context ends when it goes away (as
// net/http's background read does). Only when nothing of the request is
// left to read, over plain TCP: then the connection's next bytes are the
// next request's, or its end.
func (w *response) watchPeer() {
	sc := w.sc
	if sc.cfg.tls != nil || w.req.ContentLength != 0 || w.br.Buffered() != 0 {
		return
	}
	w.watch.Watcher = w
	if armed, _ := sc.c.WatchRead(&w.watch); armed {
		w.watching = true
	}
}

// unwatchPeer ends the watch before the connection is read again.
func (w *response) unwatchPeer() {
	if w.watching {
		w.watching = false
		w.sc.c.UnwatchRead()
	}
}

// ReadReady is the watch's report: the client closed (or reset) the
// connection, and the request's context ends; or its next request has
// come, which is read after this one.
func (w *response) ReadReady(_ *corio.FD, err error) {
	w.watching = false
	if err == nil {
		_, err = w.sc.c.Pending()
	}
	if err != nil {
		w.cancel()
	}
}
