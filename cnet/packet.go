package cnet

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// A PacketConn is a cooperative datagram socket (UDP or unixgram): a
// net.PacketConn whose ReadFrom and WriteTo make the calling task wait
// instead of blocking the hub.
type PacketConn struct {
	fd      *corio.FD
	network string
	fam     int // the socket's address family
	laddr   net.Addr
	unlink  string // the socket file a unixgram socket removes on Close
}

var _ net.PacketConn = (*PacketConn)(nil)

// ListenPacket opens a datagram socket on address for network ("udp",
// "udp4", "udp6" or "unixgram") on the hub of ctx, like net.ListenPacket.
func ListenPacket(ctx context.Context, network, address string) (*PacketConn, error) {
	switch network {
	case "udp", "udp4", "udp6", "unixgram":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	if n := simnet.From(ctx); n != nil {
		return listenPacketSim(ctx, n, network, address)
	}
	fd, fam, laddr, err := bindSocket(ctx, network, address, unix.SOCK_DGRAM, bindListen)
	if err != nil {
		return nil, err
	}
	p := &PacketConn{fd: fd, network: network, fam: fam, laddr: laddr}
	if network == "unixgram" {
		p.unlink = address
	}
	return p, nil
}

func (p *PacketConn) opError(op string, addr net.Addr, err error) error {
	if err == nil {
		return nil
	}
	return &net.OpError{Op: op, Net: p.network, Source: p.laddr, Addr: addr, Err: err}
}

// ReadFrom reads one datagram into b, waiting until one arrives, and
// returns its length (the rest of a datagram longer than b is dropped)
// and its sender.
func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		if err := p.fd.ReadExpired(); err != nil {
			return 0, nil, p.opError("read", nil, err)
		}
		n, sa, err := p.recvfrom(b)
		switch err {
		case nil:
			return n, netAddr(p.network, sa), nil
		case unix.EINTR:
		case unix.EAGAIN:
			if err := p.fd.WaitRead(); err != nil {
				return 0, nil, p.opError("read", nil, err)
			}
		case net.ErrClosed:
			return 0, nil, p.opError("read", nil, err)
		default:
			return 0, nil, p.opError("read", nil, os.NewSyscallError("recvfrom", err))
		}
	}
}

// WriteTo sends b as one datagram to addr (a *net.UDPAddr, or a
// *net.UnixAddr for unixgram), waiting while the socket's buffer is full.
func (p *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	sa, err := p.sockaddrOf(addr)
	if err != nil {
		return 0, p.opError("write", addr, err)
	}
	for {
		if err := p.fd.WriteExpired(); err != nil {
			return 0, p.opError("write", addr, err)
		}
		switch err := p.sendto(b, sa); err {
		case nil:
			return len(b), nil
		case unix.EINTR:
		case unix.EAGAIN:
			if err := p.fd.WaitWrite(); err != nil {
				return 0, p.opError("write", addr, err)
			}
		case net.ErrClosed:
			return 0, p.opError("write", addr, err)
		default:
			return 0, p.opError("write", addr, os.NewSyscallError("sendto", err))
		}
	}
}

func (p *PacketConn) sockaddrOf(addr net.Addr) (unix.Sockaddr, error) {
	if p.network == "unixgram" {
		ua, ok := addr.(*net.UnixAddr)
		if !ok {
			return nil, fmt.Errorf("cnet: unixgram needs a *net.UnixAddr, not %T", addr)
		}
		return &unix.SockaddrUnix{Name: ua.Name}, nil
	}
	ap, err := addrPortOf(addr)
	if err != nil {
		return nil, err
	}
	if p.fam == unix.AF_INET && !(ap.Addr().Is4() || ap.Addr().Is4In6()) {
		return nil, fmt.Errorf("cnet: an IPv4 socket cannot send to %v", ap.Addr())
	}
	// An IPv6 socket is dual-stack: it sends to IPv4 as mapped IPv6.
	return sockaddr(p.fam, ap), nil
}

func (p *PacketConn) recvfrom(b []byte) (int, unix.Sockaddr, error) {
	if err := p.fd.Acquire(); err != nil {
		return 0, nil, err
	}
	defer p.fd.Release()
	return sysRecvfrom(p.fd, b)
}

func (p *PacketConn) sendto(b []byte, sa unix.Sockaddr) error {
	if err := p.fd.Acquire(); err != nil {
		return err
	}
	defer p.fd.Release()
	return sysSendto(p.fd, b, sa)
}

// Close closes the socket; a ReadFrom waiting in a task fails with
// net.ErrClosed. A unixgram socket removes its file. It may be called from
// any goroutine.
func (p *PacketConn) Close() error {
	err := p.fd.Close()
	if err == nil && p.unlink != "" {
		os.Remove(p.unlink)
	}
	return p.opError("close", nil, err)
}

// LocalAddr is the socket's own address.
func (p *PacketConn) LocalAddr() net.Addr { return p.laddr }

// SetDeadline sets the read and write deadlines (see net.PacketConn).
func (p *PacketConn) SetDeadline(t time.Time) error {
	return p.opError("set", nil, p.fd.SetDeadline(t))
}

// SetReadDeadline sets the read deadline, also for a ReadFrom waiting now.
func (p *PacketConn) SetReadDeadline(t time.Time) error {
	return p.opError("set", nil, p.fd.SetReadDeadline(t))
}

// SetWriteDeadline sets the write deadline.
func (p *PacketConn) SetWriteDeadline(t time.Time) error {
	return p.opError("set", nil, p.fd.SetWriteDeadline(t))
}
