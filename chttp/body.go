package chttp

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/corio-go/corio"
)

// Draining: a body closed with at most maxDrain bytes left is read to its
// end so that its connection serves again, if that takes no longer than
// drainTimeout; with more left the connection is closed.
const (
	maxDrain     = 64 << 10
	drainTimeout = 100 * time.Millisecond // on the hub's clock
)

// A body is a response's body on a pooled connection: the body
// http.ReadResponse made (which knows the framing), plus what to do with
// the connection once it ends.
type body struct {
	pc     *persistConn
	ctx    context.Context // the request's
	cancel context.CancelFunc
	rc     io.ReadCloser
	left   int64 // bytes left by Content-Length, or -1 if unknown
	done   bool
	err    error // what reads return once done
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	if b.left >= 0 {
		b.left -= int64(n)
	}
	switch {
	case err == io.EOF:
		b.finish(io.EOF)
	case err != nil:
		err = asTimeout(b.pc.requestError(b.ctx, b.ctx, "reading response body from", err))
		b.pc.broken = true
		b.finish(err)
	}
	return n, err
}

// Close ends the body: drained and its connection reused if little is
// left, else the connection closed.
func (b *body) Close() error {
	if b.done {
		b.err = ErrBodyClosed
		return nil
	}
	if !b.pc.broken && b.left <= maxDrain && b.drain() {
		b.pc.endRecording(true)
		b.finish(ErrBodyClosed)
		return nil
	}
	b.pc.broken = true
	b.finish(ErrBodyClosed)
	return nil
}

// drain reads what is left of the body, within maxDrain and
// drainTimeout, and reports whether it reached the end.
func (b *body) drain() bool {
	if b.ctx.Err() != nil {
		return false
	}
	dctx, cancel := corio.WithTimeout(b.ctx, drainTimeout)
	defer cancel()
	b.pc.io.ctx = dctx
	defer func() { b.pc.io.ctx = b.ctx }()
	_, err := io.CopyN(io.Discard, b.rc, maxDrain+1)
	return err == io.EOF
}

// finish ends the body: later reads return err; the connection goes back
// to the pool or is closed; the request's context ends.
func (b *body) finish(err error) {
	b.done, b.err = true, err
	b.pc.endRecording(err == io.EOF)
	b.pc.host.p.put(b.ctx, b.pc) // broken already if a request body was still being written
	b.cancel()
}

// A gzipBody decompresses a body the Transport asked gzip for, from its
// first read on.
type gzipBody struct {
	body *body
	zr   *gzip.Reader
	err  error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		zr, err := gzip.NewReader(g.body)
		if err != nil {
			g.err = gzipError(g.body, err)
			return 0, g.err
		}
		g.zr = zr
	}
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(g.body, err)
		g.err = err
	}
	return n, err
}

func (g *gzipBody) Close() error {
	if g.err == nil || g.err == io.EOF {
		g.err = ErrBodyClosed
	}
	return g.body.Close()
}

// gzipError names a body that does not decompress; the connection is not
// reused, since where its response ends is not known.
func gzipError(b *body, err error) error {
	if b.done && b.err != io.EOF {
		return b.err // the connection failed, not the data
	}
	b.pc.broken = true
	return fmt.Errorf("chttp: decompressing the gzip body from %s: %w", b.pc.host.key.dialAddr(), err)
}
