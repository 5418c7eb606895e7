package simnet

import (
	"context"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// A Packet is a UDP-like socket: datagrams, each whole or not at all, in
// no promised order (each has its own latency), lost across a partition
// or to a host that is down or has no socket on the port.
type Packet struct {
	n      *Network
	host   *Host
	port   uint16
	fd     *corio.FD
	queue  []datagram
	closed bool
}

type datagram struct {
	from netip.AddrPort
	data []byte
}

// ListenPacket opens a packet socket on port of the host of ctx's task
// (0: a free one).
func (n *Network) ListenPacket(ctx context.Context, addr netip.Addr, port uint16) (*Packet, error) {
	taken := func(h *Host, p uint16) bool { _, ok := h.packets[p]; return ok }
	h, port, err := n.bindPort(ctx, addr, port, taken, taken)
	if err != nil {
		return nil, err
	}
	p := &Packet{n: n, host: h, port: port}
	fd, err := corio.NewVirtualFD(ctx, p)
	if err != nil {
		return nil, err
	}
	p.fd = fd
	h.packets[port] = p
	return p, nil
}

// FD is the socket's descriptor.
func (p *Packet) FD() *corio.FD { return p.fd }

// Addr is the socket's address.
func (p *Packet) Addr() netip.AddrPort { return netip.AddrPortFrom(p.host.addr, p.port) }

// Recvfrom takes the next datagram into b (the rest of a longer one is
// dropped), or EAGAIN if none waits.
func (p *Packet) Recvfrom(b []byte) (int, unix.Sockaddr, error) {
	if len(p.queue) == 0 {
		return 0, nil, unix.EAGAIN
	}
	d := p.queue[0]
	p.queue[0] = datagram{}
	p.queue = p.queue[1:]
	a := d.from.Addr().As4()
	return copy(b, d.data), &unix.SockaddrInet4{Port: int(d.from.Port()), Addr: a}, nil
}

// Sendto sends b to sa. Like UDP, it succeeds whether or not the datagram
// arrives.
func (p *Packet) Sendto(b []byte, sa unix.Sockaddr) error {
	var to netip.AddrPort
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		to = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		to = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	default:
		return unix.EAFNOSUPPORT
	}
	if !p.host.up {
		return unix.ENETDOWN
	}
	dst := p.n.hostAt(p.host, to.Addr())
	if dst == nil {
		return nil
	}
	d := datagram{from: p.Addr(), data: append([]byte(nil), b...)}
	deliver := func() {
		p.n.after(p.n.latency(p.host, dst), func() { dst.receive(to.Port(), d) })
	}
	if p.host != dst {
		l := p.n.linkOf(p.host, dst)
		switch {
		case l.held:
			l.datagrams = append(l.datagrams, deliver)
			return nil
		case l.partitioned:
			return nil
		}
	}
	deliver()
	return nil
}

// receive queues a datagram that reached port of h.
func (h *Host) receive(port uint16, d datagram) {
	p := h.packets[port]
	if !h.up || p == nil || p.closed || len(p.queue) >= h.n.cfg.DatagramQueue {
		return
	}
	p.queue = append(p.queue, d)
	p.fd.Ready(true, false, false)
}

// Close closes the socket.
func (p *Packet) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.host.packets[p.port] == p {
		delete(p.host.packets, p.port)
	}
	p.queue = nil
	return nil
}

// gone ends the socket with its host's crash.
func (p *Packet) gone() {
	p.Close()
	p.fd.Ready(true, true, true)
}
