package chttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
		w.recycle()
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

// recycle empties w and gives it back to responses, once its handler has
// returned and its response is written.
func (w *response) recycle() {
	h := w.header
	clear(h)
	*w = response{header: h}
	responses.Put(w)
}

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
