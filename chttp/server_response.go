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
	"sync"
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
	wroteHeader     bool     // the status is set
	sentHeader      bool     // the header is written
	buf             []byte   // the body before the header is sent
	small           [64]byte // buf's first array: a small body needs no other
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

func (sc *serverConn) newResponse(ctx context.Context, parsed *http.Request, br *bufio.Reader, bw *bufio.Writer) (*response, error) {
	w := responses.Get().(*response)
	w.sc, w.br, w.bw, w.contentLength = sc, br, bw, -1
	// The request's context may outlive the response (a handler may hand
	// it on), so its parent is not part of it.
	rctx, cancel := corio.WithCancel(&requestParent{Context: ctx, sc: sc})
	if parsed.Trailer == nil && len(parsed.TransferEncoding) > 0 {
		// The body's reader merges the trailer into parsed's map at the
		// body's end; the handler's copy must share it to see trailers the
		// request did not declare (net/http's handler has parsed itself).
		parsed.Trailer = http.Header{}
	}
	req := parsed.WithContext(rctx) // parsed may be on the caller's stack: it must not escape
	req.RemoteAddr = sc.remoteAddr()
	if tc, ok := sc.rwc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		req.TLS = &st
	}
	w.req, w.cancel = req, cancel
	w.wants10Keep, w.wantsClose = wantsHTTP10KeepAlive(req), req.Close
	w.bodyStore = requestBody{rc: req.Body, w: w}
	w.body = &w.bodyStore
	req.Body = w.body
	if hasToken(fieldValue(req.Header, "Expect"), "100-continue") {
		if req.ProtoAtLeast(1, 1) && req.ContentLength != 0 {
			w.body.expectContinue, w.body.continueAsked = true, true
		}
	} else if fieldValue(req.Header, "Expect") != "" {
		w.sendExpectationFailed()
		cancel()
		w.release()
		return nil, errCloseConn
	}
	return w, nil
}

// responses keeps responses, with their header maps, for the requests to
// come: net/http's contract forbids using a ResponseWriter (and its Header)
// once ServeHTTP has returned, and not allocating both for each request
// saves about half of what a small request allocates, and the collections
// that go with it.
var responses = sync.Pool{New: func() any { return &response{header: make(http.Header)} }}

// release empties w and gives it back to responses, once its handler has
// returned and its response is written.
func (w *response) release() {
	h := w.header
	clear(h)
	*w = response{header: h}
	responses.Put(w)
}

// requestParent is what a request's context is made under: the context of
// the task serving it (its cancellation, its deadline), with the values
// net/http gives a request's context (http.LocalAddrContextKey) and those
// of BaseContext and ConnContext. corio.WithCancel makes a hub context
// under it (its Done is the task's): the request's context ends with the
// task, at once and with no goroutine watching.
type requestParent struct {
	context.Context
	sc *serverConn
}

func (p *requestParent) Value(key any) any {
	if key == http.LocalAddrContextKey {
		return p.sc.c.LocalAddr()
	}
	if p.sc.ctx != nil {
		if x := p.sc.ctx.Value(key); x != nil {
			return x
		}
	}
	return p.Context.Value(key)
}

// fieldValue is h.Get(name) for a name already canonical, which Get would
// canonicalize again on every call.
func fieldValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func wantsHTTP10KeepAlive(r *http.Request) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor != 0 {
		return false
	}
	return hasToken(fieldValue(r.Header, "Connection"), "keep-alive")
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
	if cl := fieldValue(w.header, "Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.contentLength = v
		} else {
			w.sc.cfg.logf("http: invalid Content-Length of %q", cl)
			delete(w.header, "Content-Length")
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
		// Three digits (WriteHeader refuses others), without a string.
		bw.WriteByte(byte('0' + code/100))
		bw.WriteByte(byte('0' + code/10%10))
		bw.WriteByte(byte('0' + code%10))
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
func (w *response) Write(p []byte) (int, error) { return w.write(p, "") }

// WriteString is Write for a string, without copying it to bytes first
// (io.WriteString calls it).
func (w *response) WriteString(s string) (int, error) { return w.write(nil, s) }

// write writes the body bytes p or s (one of them is empty).
func (w *response) write(p []byte, s string) (int, error) {
	n := len(p) + len(s)
	switch {
	case w.hijacked:
		if n > 0 {
			w.sc.cfg.logf("http: response.Write on hijacked connection")
		}
		return 0, http.ErrHijacked
	case !w.wroteHeader:
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(n)
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if !w.sentHeader {
		// Held until it outgrows the buffer; then it goes out with the
		// header, which sniffs its type from it.
		if w.buf == nil {
			w.buf = w.small[:0]
		}
		w.buf = append(append(w.buf, p...), s...)
		if len(w.buf) <= bufferBeforeChunking {
			return n, nil
		}
		if err := w.sendHeader(); err != nil {
			return 0, err
		}
		return n, nil
	}
	return w.writeBody(p, s)
}

// writeBody writes p or s after the header: as a chunk when chunking.
func (w *response) writeBody(p []byte, s string) (int, error) {
	n := len(p) + len(s)
	if n == 0 || w.req.Method == "HEAD" {
		return n, nil
	}
	if w.chunking {
		fmt.Fprintf(w.bw, "%x\r\n", n)
	}
	var err error
	if p != nil {
		n, err = w.bw.Write(p)
	} else {
		n, err = w.bw.WriteString(s)
	}
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
	te := fieldValue(h, "Transfer-Encoding")
	hasTE := te != ""
	if w.handlerDone && len(w.trailers) == 0 && !hasTE && bodyAllowed(w.status) && fieldValue(h, "Content-Length") == "" && (!isHEAD || len(p) > 0) {
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
	if fieldValue(h, "Connection") == "close" {
		closeAfter = true
	}
	if w.body.continueAsked && !w.body.sawEOF || w.sc.cfg.noKeepAlives.Load() {
		closeAfter = true // (the latter: Shutdown has begun, so the peer sends no more here)
	}
	if w.req.ContentLength != 0 && !closeAfter && !w.body.sawEOF && !w.body.continueAsked {
		if w.body.closed {
			closeAfter = true
		} else {
			n, err := io.CopyN(io.Discard, w.body.rc, maxPostHandlerRead+1)
			switch {
			case err == nil && n > maxPostHandlerRead:
				closeAfter = true
				delete(h, "Connection")
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
		if fieldValue(h, "Content-Encoding") == "" && !haveType && !hasTE && len(p) > 0 {
			extra.contentType = http.DetectContentType(p)
		}
	} else {
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Transfer-Encoding")
	}
	if _, ok := h["Date"]; !ok {
		extra.date = httpDate()
	}
	if hasCL && hasTE && te != "identity" {
		w.sc.cfg.logf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d", te, w.contentLength)
		delete(h, "Content-Length")
		hasCL = false
	}
	switch {
	case isHEAD || !bodyAllowed(code) || code == http.StatusNoContent:
		delete(h, "Transfer-Encoding")
	case hasCL:
		delete(h, "Transfer-Encoding")
	case w.req.ProtoAtLeast(1, 1):
		if hasTE && te == "identity" {
			closeAfter = true
			delete(h, "Transfer-Encoding")
		} else {
			w.chunking = true
			extra.transferEncoding = "chunked"
			if hasTE && te == "chunked" {
				delete(h, "Transfer-Encoding")
			}
		}
	default:
		closeAfter = true
		delete(h, "Transfer-Encoding")
	}
	if w.chunking {
		delete(h, "Content-Length")
	}
	if closeAfter && !hasToken(fieldValue(h, "Connection"), "close") && !(code == http.StatusSwitchingProtocols && fieldValue(h, "Upgrade") != "") {
		delete(h, "Connection")
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
	if exclude != nil {
		h.WriteSubset(w.bw, exclude)
	} else {
		writeFields(w.bw, h)
	}
	extra.write(w.bw)
	w.bw.WriteString("\r\n")
	w.buf = nil
	if len(p) > 0 {
		if _, err := w.writeBody(p, ""); err != nil {
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
func (w *response) SetReadDeadline(t time.Time) error  { return w.sc.setReadDeadline(t) }
func (w *response) SetWriteDeadline(t time.Time) error { return w.sc.setWriteDeadline(t) }

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
