// Package poll is a hub's window on the operating system: it waits, with a
// timeout, until a registered file descriptor is ready or another goroutine
// wakes it. One Poller belongs to one hub and is used by that hub's
// goroutine only, except Wake, which any goroutine may call.
//
// The backends are build-tagged files behind the same few methods: epoll
// with an eventfd for wake-ups on Linux (epoll_linux.go), whose Wait parks
// on the Go runtime's poller rather than block its thread; kqueue with an
// EVFILT_USER event on macOS, FreeBSD and DragonFly (kqueue_bsd.go), which
// blocks in kevent.
// Nothing outside this package speaks to the kernel's polling interfaces.
package poll

import (
	"errors"
	"time"
)

// ErrClosed is returned by a Poller used after Close.
var ErrClosed = errors.New("poll: poller is closed")

// An Event reports a registered descriptor's readiness.
type Event struct {
	Fd       int
	Readable bool
	Writable bool
	Hangup   bool // error or hang-up: both directions should be retried
	// PeerClosed: the peer shut down its sending side, so reads will end
	// in EOF (or an error) and no further edge will say so.
	PeerClosed bool
}

// timeoutMillis converts a Wait timeout to the milliseconds the kernel
// takes, rounding up so that a wait never ends before its timer is due
// (which would make the hub spin); negative means forever.
func timeoutMillis(d time.Duration) int {
	if d < 0 {
		return -1
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<30 {
		ms = 1 << 30
	}
	return int(ms)
}
