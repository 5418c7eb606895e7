package chttp

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The response's header, from the handler's map to the bytes on the
// wire: sendHeader runs the steps in order, each deciding one thing, as
// net/http's chunkWriter.writeHeader decides them (and in its order,
// which the conformance tests against net/http check).

// A headerPlan is what sendHeader's steps decide about a response's
// header: the fields added to the handler's (extra) and how the body is
// framed and the connection kept.
type headerPlan struct {
	h          http.Header // the handler's fields: steps delete from it
	extra      extraHeader // fields the server adds
	isHEAD     bool
	te         string // the handler's Transfer-Encoding
	hasTE      bool
	hasCL      bool // the length is known (declared or computed)
	closeAfter bool // the connection ends after this response
}

// sendHeader writes the status line and header, deciding the framing and
// whether the connection is kept; then the body held so far.
func (w *response) sendHeader() error {
	if w.sentHeader {
		return nil
	}
	w.sentHeader = true
	p := w.buf
	hp := headerPlan{h: w.header, isHEAD: w.req.Method == "HEAD"}
	if w.sent != nil {
		hp.h = w.sent
	}
	w.collectTrailers(hp.h)
	hp.te = fieldValue(hp.h, "Transfer-Encoding")
	hp.hasTE = hp.te != ""
	w.lengthIfKnown(&hp, p)
	w.decideKeepAlive(&hp)
	w.contentFields(&hp, p)
	w.decideFraming(&hp)
	w.connectionField(&hp)
	w.closeAfterReply = hp.closeAfter
	w.writeHeaderBlock(&hp)
	w.buf = nil
	if len(p) > 0 {
		if _, err := w.writeBody(p, ""); err != nil {
			return err
		}
	}
	return nil
}

// collectTrailers lists the trailers the handler announced: in Trailer
// fields, or as keys with the Trailer: prefix.
func (w *response) collectTrailers(h http.Header) {
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
}

// lengthIfKnown gives a Content-Length to a response whose handler has
// returned with its whole body held (p), when nothing else frames it.
func (w *response) lengthIfKnown(hp *headerPlan, p []byte) {
	if w.handlerDone && len(w.trailers) == 0 && !hp.hasTE && bodyAllowed(w.status) && fieldValue(hp.h, "Content-Length") == "" && (!hp.isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		hp.extra.contentLength = strconv.Itoa(len(p))
	}
	hp.hasCL = w.contentLength != -1
}

// decideKeepAlive decides whether the connection ends after this
// response: HTTP/1.0 without keep-alive, a Connection: close either
// way, a 100-continue not taken up, a shutdown begun, or a request body
// the handler left unread that is too long to read through.
func (w *response) decideKeepAlive(hp *headerPlan) {
	h := hp.h
	if w.wants10Keep && (hp.isHEAD || hp.hasCL || !bodyAllowed(w.status)) {
		if _, set := h["Connection"]; !set {
			hp.extra.connection = "keep-alive"
		}
	} else if !w.req.ProtoAtLeast(1, 1) || w.wantsClose {
		hp.closeAfter = true
	}
	if fieldValue(h, "Connection") == "close" {
		hp.closeAfter = true
	}
	if w.body.continueAsked && !w.body.sawEOF || w.sc.cfg.noKeepAlives.Load() {
		hp.closeAfter = true // (the latter: Shutdown has begun, so the peer sends no more here)
	}
	if w.req.ContentLength != 0 && !hp.closeAfter && !w.body.sawEOF && !w.body.continueAsked {
		w.discardUnreadBody(hp)
	}
}

// discardUnreadBody reads what the handler left of the request's body,
// up to maxPostHandlerRead, so that the connection can serve the next
// request; past that, or on an error, the connection closes.
func (w *response) discardUnreadBody(hp *headerPlan) {
	if w.body.closed {
		hp.closeAfter = true
		return
	}
	n, err := io.CopyN(io.Discard, w.body.rc, maxPostHandlerRead+1)
	switch {
	case err == nil && n > maxPostHandlerRead:
		hp.closeAfter = true
		delete(hp.h, "Connection")
		hp.extra.connection = "close"
	case err == io.EOF:
		w.body.sawEOF = true
	default:
		hp.closeAfter = true
	}
}

// contentFields sniffs a Content-Type the handler did not set, drops the
// content fields of a status that has no body, and adds the Date.
func (w *response) contentFields(hp *headerPlan, p []byte) {
	h := hp.h
	if bodyAllowed(w.status) {
		_, haveType := h["Content-Type"]
		if fieldValue(h, "Content-Encoding") == "" && !haveType && !hp.hasTE && len(p) > 0 {
			hp.extra.contentType = http.DetectContentType(p)
		}
	} else {
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Transfer-Encoding")
	}
	if _, ok := h["Date"]; !ok {
		hp.extra.date = httpDate()
	}
}

// decideFraming decides how the body is delimited: by its length,
// chunked (HTTP/1.1), or by the connection's close.
func (w *response) decideFraming(hp *headerPlan) {
	h, code := hp.h, w.status
	if hp.hasCL && hp.hasTE && hp.te != "identity" {
		w.sc.cfg.logf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d", hp.te, w.contentLength)
		delete(h, "Content-Length")
		hp.hasCL = false
	}
	switch {
	case hp.isHEAD || !bodyAllowed(code) || code == http.StatusNoContent:
		delete(h, "Transfer-Encoding")
	case hp.hasCL:
		delete(h, "Transfer-Encoding")
	case w.req.ProtoAtLeast(1, 1):
		if hp.hasTE && hp.te == "identity" {
			hp.closeAfter = true
			delete(h, "Transfer-Encoding")
		} else {
			w.chunking = true
			hp.extra.transferEncoding = "chunked"
			if hp.hasTE && hp.te == "chunked" {
				delete(h, "Transfer-Encoding")
			}
		}
	default:
		hp.closeAfter = true
		delete(h, "Transfer-Encoding")
	}
	if w.chunking {
		delete(h, "Content-Length")
	}
}

// connectionField says Connection: close (HTTP/1.1) when the connection
// ends after this response and the handler did not say it, unless the
// response switches protocols.
func (w *response) connectionField(hp *headerPlan) {
	h := hp.h
	if hp.closeAfter && !hasToken(fieldValue(h, "Connection"), "close") && !(w.status == http.StatusSwitchingProtocols && fieldValue(h, "Upgrade") != "") {
		delete(h, "Connection")
		if w.req.ProtoAtLeast(1, 1) {
			hp.extra.connection = "close"
		}
	}
}

// writeHeaderBlock writes the status line, the handler's fields (less
// the trailers given as Trailer:-prefixed keys), the server's, and the
// blank line.
func (w *response) writeHeaderBlock(hp *headerPlan) {
	writeStatusLine(w.bw, w.req.ProtoAtLeast(1, 1), w.status)
	var exclude map[string]bool
	for _, t := range w.trailers {
		if strings.HasPrefix(t, http.TrailerPrefix) {
			if exclude == nil {
				exclude = map[string]bool{}
			}
			exclude[t] = true
		}
	}
	if exclude != nil {
		hp.h.WriteSubset(w.bw, exclude)
	} else {
		writeFields(w.bw, hp.h)
	}
	hp.extra.write(w.bw)
	w.bw.WriteString("\r\n")
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
