package chttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/corio-go/corio"
)

// maxInformational bounds the 1xx responses skipped before the final one.
const maxInformational = 16

// A retryableError is the failure of a request on a reused connection
// that the server had closed before reading it: nothing came back, so
// the request may be sent again on another connection.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// roundTrip sends out (req as written) on pc and reads the response to
// req. On success the response's body owns pc and cancel; on failure pc is
// closed, and cancel is the caller's to call.
func (pc *persistConn) roundTrip(ctx context.Context, cancel context.CancelFunc, req, out *http.Request, viaProxy bool) (*http.Response, error) {
	pc.io.ctx = ctx
	pc.startRecording(ctx, req)
	// A body is written by a task of its own, so that a server that
	// answers before reading all of it is heard (a TLS connection writes
	// it in line: crypto/tls must not be entered by two tasks at once).
	var writer *corio.Task[struct{}]
	if hasBody(out) && pc.tls == nil {
		started := false
		writer = corio.SpawnValue(ctx, func(context.Context) (struct{}, error) {
			started = true
			return struct{}{}, pc.write(out, viaProxy) // Request.Write closes the body
		}, corio.Name("chttp: write request body"))
		writer.OnDone(func() {
			if !started { // killed before it ran: the body is still ours to close
				out.Body.Close()
			}
		})
	} else if err := pc.write(out, viaProxy); err != nil {
		pc.endRecording(false)
		pc.close()
		err = pc.requestError(ctx, ctx, "writing request to", err)
		if pc.reused && ctx.Err() == nil {
			return nil, &retryableError{err}
		}
		return nil, err
	}
	resp, err := pc.readResponse(ctx, req)
	if err != nil {
		if writer != nil && writer.Done() && writer.Err() != nil {
			werr := pc.requestError(ctx, ctx, "writing request to", writer.Err())
			var retry *retryableError
			if errors.As(err, &retry) {
				werr = &retryableError{werr}
			}
			err = werr
		}
		pc.endRecording(false)
		pc.close() // a writer still writing fails, and ends
		return nil, err
	}
	if writer != nil && !writer.Done() {
		// The server answered before reading the whole request: the
		// connection cannot serve another.
		pc.broken = true
	}
	pc.deliver(ctx, cancel, req, resp)
	return resp, nil
}

// write writes a request and flushes it, through a buffer of the pool's
// taken for the time.
func (pc *persistConn) write(out *http.Request, viaProxy bool) error {
	bufs := &pc.host.p.buffers
	var w io.Writer = pc.conn
	if pc.rec != nil {
		w = recordingWriter{pc}
	}
	bw := bufs.writer(w)
	defer bufs.putWriter(bw)
	var err error
	if viaProxy {
		err = out.WriteProxy(bw)
	} else {
		err = out.Write(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	return err
}

func hasBody(req *http.Request) bool { return req.Body != nil && req.Body != http.NoBody }

// readResponse reads the response's header, skipping 1xx responses, in
// ResponseHeaderTimeout and MaxResponseHeaderBytes.
func (pc *persistConn) readResponse(ctx context.Context, req *http.Request) (*http.Response, error) {
	t := pc.host.p.t
	hctx, cancel := stepContext(ctx, t.ResponseHeaderTimeout)
	defer cancel()
	pc.io.ctx = hctx
	defer func() { pc.io.ctx = ctx }()
	pc.headerLeft = t.maxHeaderBytes() // from the first byte: Peek may read it all
	if _, err := pc.br.Peek(1); err != nil {
		pc.headerLeft = -1
		err = pc.requestError(ctx, hctx, "reading response from", err)
		if pc.reused && ctx.Err() == nil && hctx.Err() == nil {
			return nil, &retryableError{err}
		}
		return nil, err
	}
	for i := range maxInformational {
		if i > 0 {
			pc.headerLeft = t.maxHeaderBytes()
		}
		resp, err := http.ReadResponse(pc.br, req)
		pc.headerLeft = -1
		if err != nil {
			return nil, pc.requestError(ctx, hctx, "reading response from", err)
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, fmt.Errorf("chttp: %s switched protocols (101), which this client does not support", pc.host.key.dialAddr())
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue // informational: the final response follows
		}
		return resp, nil
	}
	return nil, fmt.Errorf("chttp: %s sent more than %d informational (1xx) responses", pc.host.key.dialAddr(), maxInformational)
}

// requestError is the error of a read or write of a request's exchange.
func (pc *persistConn) requestError(ctx, stepCtx context.Context, doing string, err error) error {
	if errors.Is(err, ErrHeaderTooLarge) {
		return fmt.Errorf("%w (over %d bytes from %s)", ErrHeaderTooLarge, pc.host.p.t.maxHeaderBytes(), pc.host.key.dialAddr())
	}
	if err == io.EOF {
		err = fmt.Errorf("the server closed the connection: %w", io.EOF)
	}
	return stepError(ctx, stepCtx, ErrResponseHeaderTimeout, fmt.Errorf("chttp: %s %s: %w", doing, pc.host.key.dialAddr(), err))
}

// deliver makes resp's body the owner of pc: reading it to the end or
// closing it gives pc back to the pool (or closes it) and ends the
// request's context. A gzip body asked for by the Transport is
// decompressed.
func (pc *persistConn) deliver(ctx context.Context, cancel context.CancelFunc, req *http.Request, resp *http.Response) {
	resp.TLS = pc.tls
	if resp.Close || req.Close {
		pc.broken = true
	}
	b := &body{pc: pc, ctx: ctx, cancel: cancel, rc: resp.Body, left: resp.ContentLength}
	if resp.Body == http.NoBody {
		b.finish(io.EOF)
		return
	}
	resp.Body = b
	if pc.host.p.t.asksGzip(req) && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Body = &gzipBody{body: b}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
}
