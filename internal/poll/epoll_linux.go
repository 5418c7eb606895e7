//go:build linux

package poll

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A Poller waits on an epoll instance. An eventfd registered in it carries
// wake-ups from other goroutines.
//
// A Wait that must block does not block its thread in epoll_wait: it
// parks its goroutine on the runtime's own poller, in which the epoll
// instance is registered (an epoll descriptor is readable while events are
// ready in it). The hub's processor is then free at once, as with a
// goroutine waiting on a net.Conn: a goroutine of the process that would
// wake the hub (an offloaded call's, a client's) runs without waiting for
// the runtime to take the processor back from a blocked thread, and its
// wake-up is a goroutine's. That made an offloaded call's round trip 30
// times shorter; a hub that goes idle between every message pays for it
// with two more epoll_wait calls per wait (BENCHMARKS.md).
type Poller struct {
	epfd int
	file *os.File        // epfd, registered in the runtime's poller; owns it
	raw  syscall.RawConn // file's, to park on
	// lookReady (lookForRead) is what a Wait that may park gives Read.
	// Made once: a method value made per Wait would be an allocation each
	// time the hub parks. Its results go to n and err; deadline is the
	// Wait's, parking says no park has begun yet, deadlineSet that file
	// has a read deadline now.
	lookReady            func(uintptr) bool
	n                    int
	err                  error
	deadline             time.Time
	parking, deadlineSet bool
	wakefd               int
	woken                atomic.Bool // a wake-up is written and not yet consumed
	events               []unix.EpollEvent
	closed               bool
}

// New returns a Poller with its own epoll instance and eventfd.
func New() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("poll: epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("poll: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, fmt.Errorf("poll: epoll_ctl add eventfd: %w", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, 256)}
	if err := p.registerInRuntime(); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, err
	}
	return p, nil
}

// registerInRuntime gives epfd to an os.File, which the runtime's poller
// watches because the descriptor is non-blocking.
func (p *Poller) registerInRuntime() error {
	if err := unix.SetNonblock(p.epfd, true); err != nil {
		return fmt.Errorf("poll: set epoll non-blocking: %w", err)
	}
	p.file = os.NewFile(uintptr(p.epfd), "epoll")
	raw, err := p.file.SyscallConn()
	if err != nil {
		return fmt.Errorf("poll: epoll in the runtime's poller: %w", err)
	}
	p.raw = raw
	p.lookReady = p.lookForRead
	return nil
}

// Wait blocks until an event arrives, a wake-up comes or timeout passes
// (negative: no timeout; zero: just look), and appends the events of
// registered descriptors to ready. A wake-up is consumed and not reported.
func (p *Poller) Wait(timeout time.Duration, ready []Event) ([]Event, error) {
	if p.closed {
		return ready, ErrClosed
	}
	n, err := p.waitEvents(timeout)
	if err != nil {
		return ready, err
	}
	for i := range n {
		ev := &p.events[i]
		fd := int(ev.Fd)
		if fd == p.wakefd {
			p.drainWake()
			continue
		}
		ready = append(ready, Event{
			Fd:         fd,
			Readable:   ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0,
			Writable:   ev.Events&unix.EPOLLOUT != 0,
			Hangup:     ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0,
			PeerClosed: ev.Events&(unix.EPOLLRDHUP|unix.EPOLLERR|unix.EPOLLHUP) != 0,
		})
	}
	return ready, nil
}

// waitEvents fills p.events and says how many it holds: those ready now,
// or, if none is and timeout is not zero, the first to come within it,
// parked on the runtime's poller meanwhile (see Poller). An interrupted
// look reports none.
func (p *Poller) waitEvents(timeout time.Duration) (int, error) {
	if timeout == 0 {
		return p.look()
	}
	p.deadline = time.Time{}
	if timeout > 0 {
		p.deadline = time.Now().Add(timeout)
	}
	// Read forgets the readiness the runtime's poller has seen, then calls
	// lookReady, which looks; with nothing ready it sets the deadline and
	// Read parks until the descriptor is readable (an edge the runtime's
	// poller keeps if it comes after the look) or the deadline passes, and
	// calls lookReady again. A hub that finds events at once pays neither
	// a look more nor a deadline.
	p.parking = true
	werr := p.raw.Read(p.lookReady)
	n, err := p.n, p.err
	p.n, p.err = 0, nil
	switch {
	case err != nil:
		return 0, err
	case errors.Is(werr, os.ErrDeadlineExceeded):
		// Cleared at once: a passed deadline would fail the next Read
		// before it looks.
		if err := p.file.SetReadDeadline(time.Time{}); err != nil {
			return 0, fmt.Errorf("poll: epoll deadline: %w", err)
		}
		p.deadlineSet = false
		return 0, nil
	case werr != nil:
		return 0, fmt.Errorf("poll: park on epoll: %w", werr)
	}
	return n, nil
}

// lookForRead is lookReady: it looks for events into n and err, and
// reports whether Read should return; before Read first parks, it sets
// the deadline (see waitEvents).
func (p *Poller) lookForRead(uintptr) bool {
	p.n, p.err = p.look()
	if p.n > 0 || p.err != nil {
		return true
	}
	if p.parking {
		p.parking = false
		if !p.deadline.IsZero() || p.deadlineSet {
			if err := p.file.SetReadDeadline(p.deadline); err != nil {
				p.err = fmt.Errorf("poll: epoll deadline: %w", err)
				return true
			}
			p.deadlineSet = !p.deadline.IsZero()
		}
	}
	return false
}

// look takes the events ready now, without blocking.
func (p *Poller) look() (int, error) {
	n, err := unix.EpollWait(p.epfd, p.events, 0)
	switch {
	case err == unix.EINTR:
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("poll: epoll_wait: %w", err)
	}
	return n, nil
}

func (p *Poller) drainWake() {
	var buf [8]byte
	unix.Read(p.wakefd, buf[:]) // EAGAIN if already drained: harmless
	p.woken.Store(false)
}

// Wake makes a Wait in progress, or the next one, return. It is safe to
// call from any goroutine, and cheap when a wake-up is already pending.
func (p *Poller) Wake() error {
	if p.woken.Swap(true) {
		return nil
	}
	one := [8]byte{1}
	for {
		_, err := unix.Write(p.wakefd, one[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil && err != unix.EAGAIN { // EAGAIN: the counter is full, a wake-up is pending
			return fmt.Errorf("poll: wake: %w", err)
		}
		return nil
	}
}

// Add registers fd, which must be non-blocking, for edge-triggered
// readiness in both directions: an Event comes each time fd becomes
// readable or writable (or hangs up), not while it stays so. The caller
// tries its read or write first and waits for an event only after EAGAIN,
// so no edge is missed and no event repeats for a socket nobody waits on.
func (p *Poller) Add(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("poll: epoll_ctl add fd %d: %w", fd, err)
	}
	return nil
}

// Remove unregisters fd. Closing fd also does, so Remove matters only
// for an fd that stays open.
func (p *Poller) Remove(fd int) error {
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return fmt.Errorf("poll: epoll_ctl del fd %d: %w", fd, err)
	}
	return nil
}

// Close releases the epoll instance and the eventfd.
func (p *Poller) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	err1 := unix.Close(p.wakefd)
	err2 := p.file.Close()
	if err1 != nil {
		return fmt.Errorf("poll: close eventfd: %w", err1)
	}
	if err2 != nil {
		return fmt.Errorf("poll: close epoll: %w", err2)
	}
	return nil
}
