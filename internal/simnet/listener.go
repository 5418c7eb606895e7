package simnet

import (
	"context"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// A Listener takes the connections made to a port of its host.
type Listener struct {
	n       *Network
	host    *Host
	port    uint16
	fd      *corio.FD
	backlog []*Stream // connected, not yet accepted
	closed  bool
}

// errAddrInUse is bind's EADDRINUSE.
var errAddrInUse error = unix.EADDRINUSE

// Listen listens on port of the host of ctx's task (0: a free one). It
// fails with EADDRINUSE if the port is taken, EADDRNOTAVAIL if addr is
// not the host's.
func (n *Network) Listen(ctx context.Context, addr netip.Addr, port uint16) (*Listener, error) {
	h, port, err := n.bindPort(ctx, addr, port, func(h *Host, p uint16) bool {
		_, taken := h.listeners[p]
		return taken
	}, (*Host).streamPortTaken)
	if err != nil {
		return nil, err
	}
	l := &Listener{n: n, host: h, port: port}
	fd, err := corio.NewVirtualFD(ctx, l)
	if err != nil {
		return nil, err
	}
	l.fd = fd
	h.listeners[port] = l
	return l, nil
}

// bindPort finds the host of ctx's task and the port a socket binds
// there: port itself unless inUse says it is taken (EADDRINUSE), or, for
// port 0, the first that taken says is free. It fails as bindable does.
func (n *Network) bindPort(ctx context.Context, addr netip.Addr, port uint16, inUse, taken func(*Host, uint16) bool) (*Host, uint16, error) {
	if err := n.Bind(ctx); err != nil {
		return nil, 0, err
	}
	h := n.HostOf(ctx)
	if err := h.bindable(addr); err != nil {
		return nil, 0, err
	}
	if port != 0 {
		if inUse(h, port) {
			return nil, 0, errAddrInUse
		}
		return h, port, nil
	}
	port, err := h.ephemeralPort(func(p uint16) bool { return taken(h, p) })
	return h, port, err
}

// bindable checks that a socket of h may bind addr.
func (h *Host) bindable(addr netip.Addr) error {
	addr = addr.Unmap()
	if !h.up {
		return unix.ENETDOWN
	}
	if addr.IsValid() && !addr.IsUnspecified() && !addr.IsLoopback() && addr != h.addr {
		return unix.EADDRNOTAVAIL
	}
	return nil
}

// FD is the listener's descriptor: readable when a connection waits.
func (l *Listener) FD() *corio.FD { return l.fd }

// Addr is the address it listens on: its host's, with its port.
func (l *Listener) Addr() netip.AddrPort { return netip.AddrPortFrom(l.host.addr, l.port) }

// Accept takes the next connection, or EAGAIN if none waits.
func (l *Listener) Accept() (*Stream, error) {
	if len(l.backlog) == 0 {
		return nil, unix.EAGAIN
	}
	s := l.backlog[0]
	l.backlog[0] = nil
	l.backlog = l.backlog[1:]
	return s, nil
}

// Close stops listening: connections not yet accepted are reset.
func (l *Listener) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	if l.host.listeners[l.port] == l {
		delete(l.host.listeners, l.port)
	}
	for _, s := range l.backlog {
		s.linger0 = true
		s.fd.Close()
	}
	l.backlog = nil
	return nil
}

// gone ends the listener with its host's crash.
func (l *Listener) gone() {
	for _, s := range l.backlog {
		s.crash()
	}
	l.backlog = nil
	l.closed = true
	delete(l.host.listeners, l.port)
	l.fd.Ready(true, false, false)
}
