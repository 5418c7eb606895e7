package corio_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// watchRecorder records each report of a watch, with the virtual time
// since start, and sets reported.
type watchRecorder struct {
	corio.ReadWatch
	ctx      context.Context
	start    time.Time
	r        *recorder
	reported corio.Event
	then     func(f *corio.FD, err error) // also run on a report, if set
}

func newWatchRecorder(ctx context.Context, r *recorder) *watchRecorder {
	w := &watchRecorder{ctx: ctx, start: corio.Now(ctx), r: r}
	w.Watcher = w
	return w
}

func (w *watchRecorder) ReadReady(f *corio.FD, err error) {
	w.r.add("report %v after %v", err, elapsed(w.ctx, w.start))
	w.reported.Set()
	if w.then != nil {
		w.then(f, err)
	}
}

func (w *watchRecorder) arm(f *corio.FD) {
	armed, err := f.WatchRead(&w.ReadWatch)
	w.r.add("armed %v %v", armed, err)
}

func TestWatchReadReportsDataToASpawnedTask(t *testing.T) {
	var r recorder
	runWithFD(t, func(ctx context.Context, f *corio.FD, peer int) error {
		w := newWatchRecorder(ctx, &r)
		var reader *corio.Task[struct{}]
		w.then = func(f *corio.FD, err error) {
			// The report comes outside any task: it spawns one to read.
			reader = corio.Spawn(ctx, func(ctx context.Context) error {
				b := make([]byte, 8)
				n, err := readFD(f, b)
				r.add("read %q %v", b[:n], err)
				return err
			})
		}
		w.arm(f) // a new FD may be readable: no watch
		f.SetReadDrained()
		w.arm(f)
		if !f.Watched() {
			t.Error("Watched = false with a watch armed")
		}
		w.arm(f) // twice
		if err := f.WaitRead(); !errors.Is(err, corio.ErrWatched) {
			t.Errorf("WaitRead on a watched FD = %v, want ErrWatched", err)
		}
		corio.Sleep(ctx, time.Second)
		unix.Write(peer, []byte("hi"))
		if err := w.reported.Wait(ctx); err != nil {
			return err
		}
		if f.Watched() {
			t.Error("Watched = true after the report")
		}
		return reader.Join(ctx)
	})
	r.check(t,
		"armed false <nil>",
		"armed true <nil>",
		"armed false "+corio.ErrWatched.Error(),
		"report <nil> after 1s",
		`read "hi" <nil>`,
	)
}

func TestWatchReadReportsThePeersClose(t *testing.T) {
	var r recorder
	runWithFD(t, func(ctx context.Context, f *corio.FD, peer int) error {
		w := newWatchRecorder(ctx, &r)
		f.SetReadDrained()
		w.arm(f)
		unix.Close(peer)
		if err := w.reported.Wait(ctx); err != nil {
			return err
		}
		n, err := readFD(f, make([]byte, 8))
		r.add("read %d %v", n, err)
		return nil
	})
	r.check(t, "armed true <nil>", "report <nil> after 0s", "read 0 <nil>")
}

func TestWatchReadDeadlines(t *testing.T) {
	var r recorder
	runWithFD(t, func(ctx context.Context, f *corio.FD, peer int) error {
		f.SetReadDrained()
		cases := []struct {
			name  string
			setup func(start time.Time)                      // before arming
			then  func(ctx context.Context, start time.Time) // after arming, from a task
		}{
			{"deadline set before", func(start time.Time) { f.SetReadDeadline(start.Add(2 * time.Second)) }, nil},
			{"deadline set after, from a task", func(time.Time) { f.SetReadDeadline(time.Time{}) }, func(ctx context.Context, start time.Time) {
				corio.Sleep(ctx, time.Second)
				f.SetReadDeadline(start.Add(3 * time.Second))
			}},
			{"deadline moved into the past", func(time.Time) { f.SetReadDeadline(time.Time{}) }, func(ctx context.Context, start time.Time) {
				corio.Sleep(ctx, time.Second)
				f.SetReadDeadline(start)
			}},
			{"deadline set from another goroutine", func(time.Time) { f.SetReadDeadline(time.Time{}) }, func(_ context.Context, start time.Time) {
				done := make(chan struct{})
				go func() { f.SetReadDeadline(start.Add(4 * time.Second)); close(done) }()
				<-done
			}},
			{"deadline removed", func(start time.Time) { f.SetReadDeadline(start.Add(time.Second)) }, func(ctx context.Context, start time.Time) {
				f.SetReadDeadline(time.Time{})
				corio.Sleep(ctx, 5*time.Second)
				unix.Write(peer, []byte("x"))
			}},
		}
		for _, c := range cases {
			r.add("%s", c.name)
			w := newWatchRecorder(ctx, &r)
			c.setup(w.start)
			w.arm(f)
			if c.then != nil {
				corio.Spawn(ctx, func(ctx context.Context) error { c.then(ctx, w.start); return nil })
			}
			if err := w.reported.Wait(ctx); err != nil {
				return err
			}
		}
		// An expired deadline arms nothing.
		f.SetReadDeadline(corio.Now(ctx))
		newWatchRecorder(ctx, &r).arm(f)
		return nil
	})
	r.check(t,
		"deadline set before", "armed true <nil>", "report i/o timeout after 2s",
		"deadline set after, from a task", "armed true <nil>", "report i/o timeout after 3s",
		"deadline moved into the past", "armed true <nil>", "report i/o timeout after 1s",
		"deadline set from another goroutine", "armed true <nil>", "report i/o timeout after 4s",
		"deadline removed", "armed true <nil>", "report <nil> after 5s",
		"armed false i/o timeout",
	)
}

func TestWatchReadEndsWithClose(t *testing.T) {
	var r recorder
	runWithFD(t, func(ctx context.Context, f *corio.FD, peer int) error {
		w := newWatchRecorder(ctx, &r)
		f.SetReadDrained()
		w.arm(f)
		closed := make(chan error)
		go func() { closed <- f.Close() }()
		<-closed
		if err := w.reported.Wait(ctx); err != nil {
			return err
		}
		w.arm(f)
		return nil
	})
	r.check(t, "armed true <nil>", "report "+net.ErrClosed.Error()+" after 0s", "armed false "+net.ErrClosed.Error())
}

func TestWatchReadEndsWithTheHub(t *testing.T) {
	a, b := socketpair(t)
	defer unix.Close(b)
	var r recorder
	var w *watchRecorder
	err := run(t, func(ctx context.Context) error {
		f, err := corio.NewFD(ctx, a)
		if err != nil {
			return err
		}
		w = newWatchRecorder(ctx, &r)
		f.SetReadDrained()
		w.arm(f)
		return nil // the FD is left open and watched
	})
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, "armed true <nil>", "report "+net.ErrClosed.Error()+" after 0s")
	if _, err := unix.FcntlInt(uintptr(a), unix.F_GETFD, 0); err != unix.EBADF {
		t.Errorf("the watched descriptor is still open after the hub: fcntl = %v", err)
	}
}

func TestWatchReadMisuse(t *testing.T) {
	runWithFD(t, func(ctx context.Context, f *corio.FD, peer int) error {
		f.SetReadDrained()
		waiter := corio.Spawn(ctx, func(ctx context.Context) error { return f.WaitRead() })
		corio.Sleep(ctx, 0) // the waiter waits
		w := newWatchRecorder(ctx, new(recorder))
		if armed, err := f.WatchRead(&w.ReadWatch); armed || !errors.Is(err, corio.ErrWatched) {
			t.Errorf("WatchRead while a task waits = %v, %v; want false, ErrWatched", armed, err)
		}
		defer func() {
			if recover() == nil {
				t.Error("WatchRead(nil) did not panic")
			}
		}()
		unix.Write(peer, []byte("x"))
		if err := waiter.Join(ctx); err != nil {
			return err
		}
		f.WatchRead(nil)
		return nil
	})
}
