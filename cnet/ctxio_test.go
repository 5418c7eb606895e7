package cnet_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// ReadContext and WriteContext end with their context, and the
// connection stays usable for the next call.
func TestReadWriteContext(t *testing.T) {
	runPair(t, "tcp", "127.0.0.1:0", func(ctx context.Context, c, s *cnet.Conn) error {
		rctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		buf := make([]byte, 8)
		t0 := corio.Now(ctx)
		if _, err := c.ReadContext(rctx, buf); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ReadContext past its context = %v, want DeadlineExceeded", err)
		}
		if d := corio.Now(ctx).Sub(t0); d != time.Second {
			t.Errorf("ReadContext waited %v, want 1s", d)
		}
		if _, err := s.Write([]byte("hi")); err != nil {
			return err
		}
		if n, err := c.ReadContext(ctx, buf); err != nil || string(buf[:n]) != "hi" {
			t.Errorf("ReadContext after = %q, %v", buf[:n], err)
		}
		// Fill the socket until a write would wait, then let its context end.
		wctx, wcancel := corio.WithTimeout(ctx, time.Second)
		defer wcancel()
		big := make([]byte, 1<<20)
		var err error
		for err == nil {
			_, err = c.WriteContext(wctx, big)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WriteContext past its context = %v, want DeadlineExceeded", err)
		}
		return nil
	})
}

// Quiet tells an idle connection from one with data or an end of stream
// waiting.
func TestQuiet(t *testing.T) {
	runPair(t, "tcp", "127.0.0.1:0", func(ctx context.Context, c, s *cnet.Conn) error {
		if !c.Quiet() {
			t.Error("a fresh connection is not quiet")
		}
		if _, err := s.Write([]byte("x")); err != nil {
			return err
		}
		if err := c.WaitReadable(); err != nil {
			return err
		}
		if c.Quiet() {
			t.Error("a connection with data waiting is quiet")
		}
		buf := make([]byte, 4)
		if _, err := c.Read(buf); err != nil {
			return err
		}
		if !c.Quiet() {
			t.Error("a connection read empty is not quiet")
		}
		s.Close()
		if err := c.WaitReadable(); err != nil {
			return err
		}
		if c.Quiet() {
			t.Error("a connection closed by its peer is quiet")
		}
		if _, err := c.Read(buf); err != io.EOF {
			t.Errorf("Read after the peer closed = %v, want EOF", err)
		}
		return nil
	})
}
