//go:build linux

package poll

import (
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A Poller waits on an epoll instance. An eventfd registered in it carries
// wake-ups from other goroutines.
type Poller struct {
	epfd   int
	wakefd int
	woken  atomic.Bool // a wake-up is written and not yet consumed
	events []unix.EpollEvent
	closed bool
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
	return &Poller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, 256)}, nil
}

// Wait blocks until an event arrives, a wake-up comes or timeout passes
// (negative: no timeout; zero: just look), and appends the events of
// registered descriptors to ready. A wake-up is consumed and not reported.
func (p *Poller) Wait(timeout time.Duration, ready []Event) ([]Event, error) {
	if p.closed {
		return ready, ErrClosed
	}
	n, err := unix.EpollWait(p.epfd, p.events, timeoutMillis(timeout))
	if err == unix.EINTR {
		return ready, nil
	}
	if err != nil {
		return ready, fmt.Errorf("poll: epoll_wait: %w", err)
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
	err2 := unix.Close(p.epfd)
	if err1 != nil {
		return fmt.Errorf("poll: close eventfd: %w", err1)
	}
	if err2 != nil {
		return fmt.Errorf("poll: close epoll: %w", err2)
	}
	return nil
}
