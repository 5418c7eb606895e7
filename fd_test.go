package corio_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// socketpair returns two connected non-blocking stream sockets.
func socketpair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		unix.SetNonblock(fd, true)
	}
	return fds[0], fds[1]
}

// readFD reads from f the way a socket type does: the system call first,
// a wait on EAGAIN.
func readFD(f *corio.FD, b []byte) (int, error) {
	for {
		if err := f.ReadExpired(); err != nil {
			return 0, err
		}
		if err := f.Acquire(); err != nil {
			return 0, err
		}
		n, err := unix.Read(f.Sysfd(), b)
		f.Release()
		if err != unix.EAGAIN {
			return n, err
		}
		if err := f.WaitRead(); err != nil {
			return 0, err
		}
	}
}

// runWithFD runs body on a hub with an FD for one end of a socket pair,
// the other end given as a plain descriptor; both are closed after.
func runWithFD(t *testing.T, body func(ctx context.Context, f *corio.FD, peer int) error) {
	t.Helper()
	a, b := socketpair(t)
	defer unix.Close(b)
	err := run(t, func(ctx context.Context) error {
		f, err := corio.NewFD(ctx, a)
		if err != nil {
			return err
		}
		defer f.Close()
		return body(ctx, f, b)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFDWaitsForData(t *testing.T) {
	a, b := socketpair(t)
	var r recorder
	err := run(t, func(ctx context.Context) error {
		fa, err := corio.NewFD(ctx, a)
		if err != nil {
			return err
		}
		fb, err := fa.RegisterSibling(b)
		if err != nil {
			return err
		}
		defer fa.Close()
		defer fb.Close()
		reader := corio.Spawn(ctx, func(ctx context.Context) error {
			buf := make([]byte, 10)
			n, err := readFD(fa, buf)
			r.add("read %q %v at %v", buf[:n], err, elapsed(ctx, time.Time{}.Add(0)) > 0)
			return err
		})
		corio.Sleep(ctx, time.Second) // the reader waits meanwhile
		r.add("writing")
		unix.Write(fb.Sysfd(), []byte("hello"))
		return reader.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "writing", `read "hello" <nil> at true`)
}

func TestFDDeadlinesAndClose(t *testing.T) {
	runWithFD(t, func(ctx context.Context, f *corio.FD, _ int) error {
		a := f.Sysfd()
		start := corio.Now(ctx)
		f.SetDeadline(start.Add(2 * time.Second))
		if _, err := readFD(f, make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read past the deadline = %v", err)
		}
		if d := elapsed(ctx, start); d != 2*time.Second {
			t.Errorf("deadline after %v", d)
		}
		if err := f.WriteExpired(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("WriteExpired = %v", err)
		}
		f.SetDeadline(time.Time{})
		waiter := corio.Spawn(ctx, func(ctx context.Context) error {
			_, err := readFD(f, make([]byte, 1))
			return err
		})
		corio.Sleep(ctx, time.Second)
		// Moving the deadline into the past wakes the waiting read.
		f.SetReadDeadline(start)
		if err := waiter.Join(ctx); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read whose deadline moved = %v", err)
		}
		f.SetReadDeadline(time.Time{})
		waiter = corio.Spawn(ctx, func(ctx context.Context) error {
			_, err := readFD(f, make([]byte, 1))
			return err
		})
		corio.Sleep(ctx, time.Second)
		closed := make(chan error)
		go func() { closed <- f.Close() }()
		if err := <-closed; err != nil {
			t.Errorf("Close = %v", err)
		}
		if err := waiter.Join(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read when closed = %v", err)
		}
		if !f.Closed() || f.Close() != net.ErrClosed || f.Acquire() != net.ErrClosed || f.SetDeadline(time.Time{}) != net.ErrClosed {
			t.Error("a closed FD still works")
		}
		if err := f.WaitWrite(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("WaitWrite on a closed FD = %v", err)
		}
		// The descriptor itself is closed.
		if _, err := unix.FcntlInt(uintptr(a), unix.F_GETFD, 0); err != unix.EBADF {
			t.Errorf("fcntl on the closed descriptor = %v", err)
		}
		return nil
	})
}

func TestFDWaitBoundedByContext(t *testing.T) {
	runWithFD(t, func(ctx context.Context, f *corio.FD, b int) error {
		tctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		if err := f.WaitReadContext(tctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitReadContext = %v", err)
		}
		// Writable from the start: the edge came before anyone waited, and the
		// wait returns at once.
		if err := f.WaitWriteContext(ctx); err != nil {
			t.Errorf("WaitWriteContext = %v", err)
		}
		// Outside a task it is an error, not a wait.
		var fromCallback error
		corio.AfterFunc(ctx, 0, func() { fromCallback = f.WaitRead() })
		corio.Sleep(ctx, time.Millisecond)
		if !errors.Is(fromCallback, corio.ErrNoTask) {
			t.Errorf("WaitRead from a callback = %v", fromCallback)
		}
		if _, err := corio.NewFD(context.Background(), b); !errors.Is(err, corio.ErrNoTask) {
			t.Errorf("NewFD outside a hub = %v", err)
		}
		// From a function submitted to the hub, NewFD takes a descriptor
		// over (a StreamServer's acceptor hands connections out so).
		c, d := socketpair(t)
		defer unix.Close(d)
		var taken corio.Future[*corio.FD]
		corio.HubOf(ctx).Submit(func(ctx context.Context) {
			f, err := corio.NewFD(ctx, c)
			if err != nil {
				taken.Fail(err)
				return
			}
			taken.Set(f)
		})
		g, err := taken.Get(ctx)
		if err != nil {
			t.Fatalf("NewFD from a submitted function: %v", err)
		}
		defer g.Close()
		unix.Write(d, []byte("x"))
		if err := g.WaitRead(); err != nil {
			t.Errorf("WaitRead on the FD taken over = %v", err)
		}
		return nil
	})
}

// TestFDWaitInRunInfo: a task waiting on a descriptor says which, in run
// info and in a deadlock report.
func TestFDWaitInRunInfo(t *testing.T) {
	runWithFD(t, func(ctx context.Context, f *corio.FD, b int) error {
		reader := corio.Spawn(ctx, func(ctx context.Context) error { return f.WaitRead() }, corio.Name("reader"))
		corio.Sleep(ctx, 0)
		want := fmt.Sprintf("read fd %d", f.Sysfd())
		var got string
		infos, err := corio.Tasks(ctx)
		if err != nil {
			return err
		}
		for _, i := range infos {
			if i.Name == "reader" {
				got = i.WaitsOn
			}
		}
		if got != want {
			t.Errorf("the reader waits on %q, want %q", got, want)
		}
		unix.Write(b, []byte("x"))
		return reader.Join(ctx)
	})
}
