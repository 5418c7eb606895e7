//go:build darwin || freebsd || dragonfly

package poll

import (
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A Poller waits on a kqueue. An EVFILT_USER event carries wake-ups from
// other goroutines.
type Poller struct {
	kq     int
	woken  atomic.Bool
	events []unix.Kevent_t
	closed bool
}

// wakeIdent is the identifier of the EVFILT_USER event.
const wakeIdent = 1

// New returns a Poller with its own kqueue.
func New() (*Poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, fmt.Errorf("poll: kqueue: %w", err)
	}
	unix.CloseOnExec(kq)
	ev := unix.Kevent_t{Ident: wakeIdent, Filter: unix.EVFILT_USER, Flags: unix.EV_ADD | unix.EV_CLEAR}
	if _, err := unix.Kevent(kq, []unix.Kevent_t{ev}, nil, nil); err != nil {
		unix.Close(kq)
		return nil, fmt.Errorf("poll: kevent add EVFILT_USER: %w", err)
	}
	return &Poller{kq: kq, events: make([]unix.Kevent_t, 256)}, nil
}

// Wait blocks until an event arrives, a wake-up comes or timeout passes
// (negative: no timeout; zero: just look), and appends the events of
// registered descriptors to ready. A wake-up is consumed and not reported.
func (p *Poller) Wait(timeout time.Duration, ready []Event) ([]Event, error) {
	if p.closed {
		return ready, ErrClosed
	}
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events, ts)
	if err == unix.EINTR {
		return ready, nil
	}
	if err != nil {
		return ready, fmt.Errorf("poll: kevent: %w", err)
	}
	for i := range n {
		ev := &p.events[i]
		if ev.Filter == unix.EVFILT_USER {
			p.woken.Store(false)
			continue
		}
		ready = append(ready, Event{
			Fd:         int(ev.Ident),
			Readable:   ev.Filter == unix.EVFILT_READ,
			Writable:   ev.Filter == unix.EVFILT_WRITE,
			Hangup:     ev.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0,
			PeerClosed: ev.Filter == unix.EVFILT_READ && ev.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0,
		})
	}
	return ready, nil
}

// Wake makes a Wait in progress, or the next one, return. It is safe to
// call from any goroutine, and cheap when a wake-up is already pending.
func (p *Poller) Wake() error {
	if p.woken.Swap(true) {
		return nil
	}
	ev := unix.Kevent_t{Ident: wakeIdent, Filter: unix.EVFILT_USER, Fflags: unix.NOTE_TRIGGER}
	if _, err := unix.Kevent(p.kq, []unix.Kevent_t{ev}, nil, nil); err != nil {
		return fmt.Errorf("poll: wake: %w", err)
	}
	return nil
}

// Add registers fd, which must be non-blocking, for edge-triggered
// readiness in both directions (EV_CLEAR): an Event comes each time fd
// becomes readable or writable, not while it stays so.
func (p *Poller) Add(fd int) error {
	evs := []unix.Kevent_t{
		{Ident: uint64(fd), Filter: unix.EVFILT_READ, Flags: unix.EV_ADD | unix.EV_CLEAR},
		{Ident: uint64(fd), Filter: unix.EVFILT_WRITE, Flags: unix.EV_ADD | unix.EV_CLEAR},
	}
	if _, err := unix.Kevent(p.kq, evs, nil, nil); err != nil {
		return fmt.Errorf("poll: kevent add fd %d: %w", fd, err)
	}
	return nil
}

// Remove unregisters fd. Closing fd also does, so Remove matters only
// for an fd that stays open.
func (p *Poller) Remove(fd int) error {
	evs := []unix.Kevent_t{
		{Ident: uint64(fd), Filter: unix.EVFILT_READ, Flags: unix.EV_DELETE},
		{Ident: uint64(fd), Filter: unix.EVFILT_WRITE, Flags: unix.EV_DELETE},
	}
	if _, err := unix.Kevent(p.kq, evs, nil, nil); err != nil {
		return fmt.Errorf("poll: kevent delete fd %d: %w", fd, err)
	}
	return nil
}

// Close releases the kqueue.
func (p *Poller) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if err := unix.Close(p.kq); err != nil {
		return fmt.Errorf("poll: close kqueue: %w", err)
	}
	return nil
}
