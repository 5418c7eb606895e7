package corio

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// An FD is a non-blocking file descriptor registered with a hub's poller:
// the building block of cooperative I/O (package cnet's sockets are made
// of FDs). Its owner tries a read or write first; when the system call
// says EAGAIN, it calls WaitRead or WaitWrite, which return at once if the
// poller reported the descriptor ready since the last wait (try again), or
// park the running task until it does (the poller reports edges),
// its deadline passes (os.ErrDeadlineExceeded), it is closed
// (net.ErrClosed) or the task is killed (context.Canceled).
//
// An FD belongs to the hub it was made on: WaitRead and WaitWrite are for
// that hub's tasks. Close and the deadline setters are safe from any
// goroutine; what they change reaches waiting tasks through the hub.
// System calls on the descriptor are bracketed by Acquire and Release, so
// that a Close from another goroutine never closes it under a call in
// progress (and its number is never reused under one).
type FD struct {
	h      *hub
	fd     int
	state  atomic.Uint64 // fdClosed, fdSysClosed, plus the number of calls in progress
	watch  *ReadWatch    // told of the next edge while no task reads (WatchRead)
	rd, wr fdDir
}

// The bits of FD.state above the count of calls in progress: fdClosed is
// set by Close, fdSysClosed once the descriptor itself is closed. They
// share a word with the count so that an FD stays in its size class.
const (
	fdClosed    = 1 << 63
	fdSysClosed = 1 << 62
)

// fdDir is one direction of an FD.
type fdDir struct {
	f *FD
	// The flags share one word (an FD is in every connection: its size
	// class counts).
	ready    bool         // an edge came while no task waited (hub only)
	drained  bool         // the owner saw the kernel's buffer emptied (hub only)
	final    bool         // the peer closed: reads end without another edge (hub only)
	watched  bool         // FD.watch waits for the next edge (reads only; hub only)
	waiting  atomic.Bool  // a task waits, or a watch: deadline changes must reach the hub
	deadline atomic.Int64 // hub clock; noDeadline if none
	waiters  taskList     // hub only
	// timer fires at the deadline while a task or a watch waits (hub
	// only). Made the first time a wait has a deadline: most connections'
	// writes never do, and a server's idle queue bounds its reads without
	// it; held inline, the two timers were a fifth of every FD.
	timer *timer
}

// armTimer schedules d's deadline at dl.
func (d *fdDir) armTimer(dl int64) {
	if d.timer == nil {
		d.timer = &timer{target: d}
	}
	d.f.h.timers.push(d.timer, dl)
}

// disarmTimer unschedules d's deadline, if it is scheduled.
func (d *fdDir) disarmTimer() {
	if d.timer != nil {
		d.f.h.timers.remove(d.timer)
	}
}

// NewFD registers fd, which must already be non-blocking, with the hub of
// ctx. It must be called from a task of that hub, or from a function that
// Hub.Submit runs on it (to take over a descriptor another hub accepted,
// say). The FD owns fd from now on: Close closes it.
func NewFD(ctx context.Context, fd int) (*FD, error) {
	if h := hubOf(ctx); h != nil && h.inCallback.Load() && h.current == nil {
		return h.register(fd)
	}
	t, err := running(ctx)
	if err != nil {
		return nil, err
	}
	return t.hub.register(fd)
}

func (h *hub) register(fd int) (*FD, error) {
	if h.seeded() {
		return nil, nondeterministic("corio.NewFD", fmt.Sprintf("descriptor %d is the kernel's, whose timing the seed does not decide (run over package sim's network)", fd))
	}
	if err := h.poller.Add(fd); err != nil {
		return nil, err
	}
	f := &FD{h: h, fd: fd}
	for _, d := range []*fdDir{&f.rd, &f.wr} {
		d.f = f
		d.deadline.Store(noDeadline)
	}
	for fd >= len(h.fds) {
		h.fds = append(h.fds, nil)
	}
	h.fds[fd] = f
	return f, nil
}

// Sysfd is the descriptor, for system calls on it. It must not be used
// after Close.
func (f *FD) Sysfd() int { return f.fd }

// Closed reports whether Close has been called.
func (f *FD) Closed() bool { return f.state.Load()&fdClosed != 0 }

// Acquire marks a system call on the descriptor in progress, or returns
// net.ErrClosed if the FD is closed. Each successful Acquire must be
// followed by one Release once the call has returned.
func (f *FD) Acquire() error {
	if f.state.Add(1)&fdClosed != 0 {
		f.Release()
		return net.ErrClosed
	}
	return nil
}

// Release ends what Acquire began; the last one after a Close closes the
// descriptor.
func (f *FD) Release() {
	if f.state.Add(^uint64(0)) == fdClosed {
		f.closeSys()
	}
}

// closeSys closes the descriptor, once (which also takes it out of the
// poller).
func (f *FD) closeSys() {
	if f.state.Or(fdSysClosed)&fdSysClosed == 0 {
		if f.fd < 0 {
			f.closeVirtual()
			return
		}
		unix.Close(f.fd)
	}
}

// WaitRead parks the running task until fd may be readable again. It
// returns nil when the caller should retry its read, or why not.
func (f *FD) WaitRead() error { return f.wait(&f.rd, nil) }

// WaitWrite parks the running task until fd may be writable again.
func (f *FD) WaitWrite() error { return f.wait(&f.wr, nil) }

// WaitWriteContext is WaitWrite that also ends, with ctx's error, when
// ctx does (a connect bounded by a dial's context, say). ctx must be the
// running task's or made from it.
func (f *FD) WaitWriteContext(ctx context.Context) error { return f.wait(&f.wr, ctx) }

// WaitReadContext is WaitRead that also ends when ctx does.
func (f *FD) WaitReadContext(ctx context.Context) error { return f.wait(&f.rd, ctx) }

// RegisterSibling registers another non-blocking descriptor with f's hub
// (not f itself, which is registered already), as NewFD does: an
// accepted connection beside its listener, say. It is for code that has
// an FD and no context of the hub's task; it must be called from a task
// of that hub.
func (f *FD) RegisterSibling(fd int) (*FD, error) {
	if f.h.current == nil {
		return nil, fmt.Errorf("%w (an FD is registered only from a task of its hub)", ErrNoTask)
	}
	return f.h.register(fd)
}

// SetReadDrained records that a read has just emptied the kernel's
// buffer (a stream socket's read returned less than asked): until the
// poller reports new data, ReadDrained says so, and the owner can wait
// first instead of paying a read that would fail with EAGAIN.
//
// An edge recorded before that read is spent: the read took what it
// reported (the hub runs nothing between a task's read and this call).
func (f *FD) SetReadDrained() { f.rd.drained, f.rd.ready = true, false }

// ReadDrained reports whether the last read emptied the buffer and no
// data has been reported since. Once the peer has closed its side it is
// always false: the EOF behind the data must be read, and no edge will
// announce it again.
func (f *FD) ReadDrained() bool { return f.rd.drained && !f.rd.ready && !f.rd.final }

// ReadExpired reports, without waiting, the error a read should fail with
// now: net.ErrClosed, os.ErrDeadlineExceeded or nil.
func (f *FD) ReadExpired() error { return f.expired(&f.rd) }

// WriteExpired is ReadExpired for writes.
func (f *FD) WriteExpired() error { return f.expired(&f.wr) }

func (f *FD) expired(d *fdDir) error {
	if f.Closed() {
		return net.ErrClosed
	}
	if dl := d.deadline.Load(); dl != noDeadline && dl <= f.h.clock.read() {
		return os.ErrDeadlineExceeded
	}
	return nil
}

func (f *FD) wait(d *fdDir, ctx context.Context) error {
	h := f.h
	t := h.current
	if t == nil {
		return fmt.Errorf("%w (an FD waits only in a task of its hub)", ErrNoTask)
	}
	if ctx == nil {
		ctx = &t.ctx
	} else if _, err := running(ctx); err != nil {
		return err
	}
	if d.watched {
		return ErrWatched
	}
	d.waiting.Store(true) // before reading the deadline: see setDeadline
	defer d.waiting.Store(false)
	if err := f.expired(d); err != nil {
		return err
	}
	if d.ready { // an edge came since the caller's last try: try again
		d.ready = false
		return nil
	}
	if dl := d.deadline.Load(); dl != noDeadline && (d.timer == nil || !d.timer.pending()) {
		d.armTimer(dl)
	}
	// A virtual FD's readiness comes from the hub's own timers and tasks:
	// it is no I/O to poll for, nor to keep the virtual clock still.
	kernel := f.fd >= 0
	if kernel {
		h.ioWaits++
	}
	what := "read fd"
	if d == &f.wr {
		what = "write fd"
	}
	err := t.waitIn(ctx, &d.waiters, what)
	if kernel {
		h.ioWaits--
	}
	if d.waiters.empty() {
		d.disarmTimer()
	}
	return err
}

// Now is the time on the clock of the FD's hub, which its deadlines are
// read on (virtual on a hub with VirtualClock). For the hub's tasks.
func (f *FD) Now() time.Time { return f.h.clock.wall(f.h.clock.read()) }

// SetDeadline sets both deadlines (see net.Conn).
func (f *FD) SetDeadline(t time.Time) error {
	if err := f.SetReadDeadline(t); err != nil {
		return err
	}
	return f.SetWriteDeadline(t)
}

// SetReadDeadline sets the time after which reads fail with
// os.ErrDeadlineExceeded, also a read waiting now; the zero time means
// none. It may be called from any goroutine.
func (f *FD) SetReadDeadline(t time.Time) error { return f.setDeadline(&f.rd, t) }

// SetWriteDeadline is SetReadDeadline for writes.
func (f *FD) SetWriteDeadline(t time.Time) error { return f.setDeadline(&f.wr, t) }

func (f *FD) setDeadline(d *fdDir, t time.Time) error {
	if f.Closed() {
		return net.ErrClosed
	}
	dl := int64(noDeadline)
	if !t.IsZero() {
		dl = f.h.clock.fromWall(t)
	}
	d.deadline.Store(dl)
	if d.waiting.Load() { // a task waits: the hub re-arms its timer
		f.h.submit(d.rearm)
	}
	return nil
}

// rearm applies a changed deadline to the tasks waiting (on the hub).
func (d *fdDir) rearm() {
	if d.waiters.empty() && !d.watched {
		return
	}
	h := d.f.h
	switch dl := d.deadline.Load(); {
	case dl == noDeadline:
		d.disarmTimer()
	case dl <= h.clock.read():
		d.expire()
	default:
		d.armTimer(dl)
	}
}

// edge records that the descriptor became ready in d's direction: the
// tasks waiting wake to retry, or, if none waits, the next wait returns at
// once (edges are reported once; one must not be lost) and a watch is
// told.
func (d *fdDir) edge() {
	d.drained = false
	if d.waiters.empty() {
		d.ready = true
		if d.watched {
			d.fireWatch(nil)
		}
		return
	}
	d.wakeAll(nil)
}

// wakeAll wakes the tasks waiting in d with err (nil: retry).
func (d *fdDir) wakeAll(err error) {
	d.waiters.wakeAll(err)
	d.disarmTimer()
}

// Close closes the FD: the descriptor at once (or as soon as a system
// call in progress on it returns), and tasks waiting on it wake with
// net.ErrClosed at the hub's next turn; later calls fail with it too.
// Close may be called from any goroutine; closing twice returns
// net.ErrClosed.
func (f *FD) Close() error {
	for {
		s := f.state.Load()
		if s&fdClosed != 0 {
			return net.ErrClosed
		}
		if f.state.CompareAndSwap(s, s|fdClosed) {
			if s == 0 {
				f.closeSys()
			}
			break
		}
	}
	f.h.submit(f.closeOnHub) // false once the hub has ended: nobody waits then
	return nil
}

// closeOnHub wakes the waiters of a closed FD and forgets it (on the
// hub).
func (f *FD) closeOnHub() {
	h := f.h
	f.rd.closedWatch()
	f.rd.wakeAll(net.ErrClosed)
	f.wr.wakeAll(net.ErrClosed)
	if f.fd < 0 {
		f.forgetVirtual()
	} else if f.fd < len(h.fds) && h.fds[f.fd] == f {
		h.fds[f.fd] = nil
	}
}

// dispatchIO wakes the tasks waiting on the descriptors the poller
// reported.
func (h *hub) dispatchIO() {
	for _, ev := range h.events {
		if ev.Fd >= len(h.fds) {
			continue
		}
		f := h.fds[ev.Fd]
		if f == nil {
			continue
		}
		if ev.PeerClosed {
			f.rd.final = true
		}
		if ev.Readable || ev.Hangup {
			f.rd.edge()
		}
		if ev.Writable || ev.Hangup {
			f.wr.edge()
		}
	}
	clear(h.events)
	h.events = h.events[:0]
}
