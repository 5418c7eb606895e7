package corio

import (
	"errors"
	"net"
	"os"
)

// Watches: an FD told of its next edge with no task waiting on it. A
// server that holds many mostly idle connections arms a watch on each
// between bursts of data instead of parking a task (and its goroutine
// and stack) in a read; the watch's report spawns the task that serves the
// burst. Package cnet's StreamServer.Bursts is built on them.

// A ReadWatcher is told when a watched FD may be read (see FD.WatchRead).
type ReadWatcher interface {
	// ReadReady is called once per watch, on the hub's goroutine and
	// outside any task, as a function given to Hub.Submit runs: it may
	// spawn tasks, set Events, put into Queues, but not wait. err is nil
	// when the FD may be read (data, the peer's close or an error waits to
	// be read), os.ErrDeadlineExceeded when its read deadline passed
	// first, and net.ErrClosed when it was closed (also when its hub
	// ends).
	ReadReady(f *FD, err error)
}

// A ReadWatch is a watch as an FD keeps it. Its owner embeds one in the
// record of the connection it serves, so that arming a watch allocates
// nothing and an FD spends one pointer on it.
type ReadWatch struct{ Watcher ReadWatcher }

// ErrWatched is what WatchRead and a read wait return when the FD is
// watched already, or (for WatchRead) a task waits to read it: a misuse,
// since one edge would have two owners.
var ErrWatched = errors.New("corio: FD watched for reading (WatchRead): it cannot be waited on for reading or watched twice")

// WatchRead makes f tell w.Watcher, once, the next time it may be read
// while no task waits to read it. Until then the FD costs its owner no
// task, goroutine or buffer: only the FD and w.
//
// It arms nothing and reports false when there is no need to wait: f may
// be read already (an edge came since a read last emptied it, or no read
// has emptied it; see SetReadDrained), or a read would fail now, which
// err then says (net.ErrClosed, os.ErrDeadlineExceeded). With a read
// deadline set (now or later, from any goroutine), the watch ends with
// os.ErrDeadlineExceeded when it passes.
//
// WatchRead must be called on f's hub: from one of its tasks, or from a
// function run outside tasks (a Submit function, a ReadReady). No task may
// wait to read f while it is watched.
func (f *FD) WatchRead(w *ReadWatch) (armed bool, err error) {
	d := &f.rd
	switch {
	case w == nil || w.Watcher == nil:
		panic("corio: WatchRead with no ReadWatcher")
	case d.watched || !d.waiters.empty():
		return false, ErrWatched
	}
	if err := f.expired(d); err != nil {
		return false, err
	}
	if !f.ReadDrained() {
		return false, nil
	}
	f.watch, d.watched = w, true
	d.waiting.Store(true) // before reading the deadline: see setDeadline
	f.h.ioWaits++
	if dl := d.deadline.Load(); dl != noDeadline {
		if dl <= f.h.clock.read() {
			d.endWatch()
			return false, os.ErrDeadlineExceeded
		}
		d.armTimer(dl)
	}
	return true, nil
}

// UnwatchRead disarms the watch WatchRead armed, if it has not reported
// yet, and reports whether it had not: its watcher will not be told. On
// f's hub only.
func (f *FD) UnwatchRead() bool {
	if !f.rd.watched {
		return false
	}
	f.rd.endWatch()
	return true
}

// Watched reports whether a watch armed by WatchRead waits for its report.
func (f *FD) Watched() bool { return f.rd.watched }

// endWatch disarms d's watch and returns it.
func (d *fdDir) endWatch() *ReadWatch {
	f := d.f
	w := f.watch
	f.watch, d.watched = nil, false
	d.waiting.Store(false)
	f.h.ioWaits--
	d.disarmTimer()
	return w
}

// fireWatch ends d's watch and reports err to its watcher, as a callback
// (on the hub's fiber: edges, timers, submitted functions).
func (d *fdDir) fireWatch(err error) {
	h := d.f.h
	w := d.endWatch()
	was := h.inCallback.Load()
	h.inCallback.Store(true)
	w.Watcher.ReadReady(d.f, err)
	h.inCallback.Store(was)
}

// expire ends, at its deadline, what waits on d: its tasks, or its watch.
func (d *fdDir) expire() {
	if d.watched {
		d.fireWatch(os.ErrDeadlineExceeded)
		return
	}
	d.wakeAll(os.ErrDeadlineExceeded)
}

// closedWatch ends a watch on a closed FD.
func (d *fdDir) closedWatch() {
	if d.watched {
		d.fireWatch(net.ErrClosed)
	}
}
