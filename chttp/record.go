package chttp

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/corio-go/corio"
)

// A Recorder keeps the bytes of a request's exchanges as they crossed the
// connection: what an archive of the web (WARC) must hold, which the
// http.Response, decoded, no longer is. Given to a request's context with
// WithRecorder, it gets an Exchange for each round trip the Transport
// makes for that context: one per redirect followed by an http.Client,
// one per attempt on another connection.
//
// A Recorder belongs to the task that makes the requests; it has no lock.
type Recorder struct {
	// Limit bounds the response bytes kept per exchange (0: no bound);
	// past it the exchange is Cut. The request's bytes are kept whole.
	Limit int64

	// Exchanges are the round trips that got a response, in the order
	// their responses ended (read to the end of the body, closed, or
	// failed).
	Exchanges []*Exchange
}

// An Exchange is one request and its response, as written and read on
// the connection, after TLS and before any decoding: the status line and
// the header as the server sent them, in its order and case, the body in
// its transfer coding (chunked) and content coding (gzip). Informational
// (1xx) responses that came first are in Response too.
type Exchange struct {
	URL        string    // the request's
	RemoteAddr net.Addr  // of the connection (a proxy's, through one)
	Start      time.Time // when the request was about to be written, on the hub's clock
	Request    []byte    // the request: header, and its body as framed
	Response   []byte    // the response, from its first byte

	// Complete says the response's body was read to its end (by the
	// caller, or drained when it was closed with little left). An
	// exchange that is not Complete holds what came before the body was
	// closed, or failed. Cut says Response stopped at Recorder.Limit.
	Complete bool
	Cut      bool
}

type recorderKey struct{}

// WithRecorder returns ctx with r: the Transport records in r the
// exchanges of the requests made with the context returned.
func WithRecorder(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

func recorderOf(ctx context.Context) *Recorder {
	r, _ := ctx.Value(recorderKey{}).(*Recorder)
	return r
}

// recording is the exchange in progress on a connection, and the
// recorder it goes to once its response ends.
type recording struct {
	r  *Recorder
	ex *Exchange
}

// startRecording starts an exchange of req on pc, if req's context has a
// Recorder.
func (pc *persistConn) startRecording(ctx context.Context, req *http.Request) {
	r := recorderOf(ctx)
	if r == nil {
		return
	}
	ex := &Exchange{URL: req.URL.String(), RemoteAddr: pc.raw.RemoteAddr(), Start: corio.Now(ctx)}
	pc.rec = &recording{r: r, ex: ex}
}

// sent records bytes written for the request.
func (rec *recording) sent(b []byte) { rec.ex.Request = append(rec.ex.Request, b...) }

// received records bytes read for the response, within the Limit.
func (rec *recording) received(b []byte) {
	ex := rec.ex
	if lim := rec.r.Limit; lim > 0 && int64(len(ex.Response))+int64(len(b)) > lim {
		b = b[:max(0, lim-int64(len(ex.Response)))]
		ex.Cut = true
	}
	ex.Response = append(ex.Response, b...)
}

// endRecording hands the exchange in progress on pc, if any, to its
// recorder: complete or not. Without a response there is nothing to keep.
func (pc *persistConn) endRecording(complete bool) {
	rec := pc.rec
	if rec == nil {
		return
	}
	pc.rec = nil
	if len(rec.ex.Response) == 0 {
		return
	}
	rec.ex.Complete = complete
	rec.r.Exchanges = append(rec.r.Exchanges, rec.ex)
}

// recordingWriter is the connection as a request is written to it while
// recorded: the bytes go to the recording too.
type recordingWriter struct {
	pc *persistConn
}

func (w recordingWriter) Write(b []byte) (int, error) {
	n, err := w.pc.conn.Write(b)
	if w.pc.rec != nil {
		w.pc.rec.sent(b[:n])
	}
	return n, err
}
