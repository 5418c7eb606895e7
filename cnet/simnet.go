package cnet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// Sockets on a simulated network: when a run's context carries package
// sim's network, Dial, Listen, ListenPacket and name resolution use it
// instead of the kernel. Its sockets are virtual FDs (corio.NewVirtualFD)
// that answer the socket calls below as the kernel would, so that the
// rest of the package (waits, deadlines, watches, errors) runs unchanged.

// errSimUnix is the error of a Unix socket on a simulated network.
var errSimUnix = errors.New("cnet: Unix sockets are not simulated: use TCP or UDP on the simulated network")

// dialSim connects over the simulated network.
func dialSim(ctx context.Context, n *simnet.Network, network, address string) (*Conn, error) {
	addrs, err := resolve(ctx, network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, ap := range addrs {
		s, err := n.Dial(ctx, ap)
		if err == nil {
			return simConn(s, network), nil
		}
		if errno, ok := err.(unix.Errno); ok {
			err = os.NewSyscallError("connect", errno)
		}
		err = &net.OpError{Op: "dial", Net: network, Addr: net.TCPAddrFromAddrPort(ap), Err: mapContextError(err)}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// simConn is the Conn of a simulated stream.
func simConn(s *simnet.Stream, network string) *Conn {
	return connOf(s.FD(), network, net.TCPAddrFromAddrPort(s.LocalAddr()), simSockaddr(s.RemoteAddr()))
}

// simSockaddr is the kernel's form of a simulated address (IPv4).
func simSockaddr(ap netip.AddrPort) unix.Sockaddr {
	return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
}

// listenSim listens on the simulated network.
func listenSim(ctx context.Context, n *simnet.Network, network, address string) (*Listener, error) {
	ap, err := simBindAddr(ctx, network, address)
	if err != nil {
		return nil, err
	}
	l, err := n.Listen(ctx, ap.Addr(), ap.Port())
	if err != nil {
		return nil, simBindError(network, ap, err)
	}
	return &Listener{fd: l.FD(), network: network, addr: net.TCPAddrFromAddrPort(l.Addr())}, nil
}

// listenPacketSim opens a packet socket on the simulated network.
func listenPacketSim(ctx context.Context, n *simnet.Network, network, address string) (*PacketConn, error) {
	ap, err := simBindAddr(ctx, network, address)
	if err != nil {
		return nil, err
	}
	p, err := n.ListenPacket(ctx, ap.Addr(), ap.Port())
	if err != nil {
		return nil, simBindError(network, ap, err)
	}
	return &PacketConn{fd: p.FD(), network: network, fam: unix.AF_INET, laddr: net.UDPAddrFromAddrPort(p.Addr())}, nil
}

// simBindAddr reads a listening address for the simulated network.
func simBindAddr(ctx context.Context, network, address string) (netip.AddrPort, error) {
	fail := func(err error) (netip.AddrPort, error) {
		return netip.AddrPort{}, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	if network == "unix" || network == "unixgram" {
		return fail(errSimUnix)
	}
	host, service, err := net.SplitHostPort(address)
	if err != nil {
		return fail(err)
	}
	port, err := lookupPort(ctx, network, service)
	if err != nil {
		return fail(err)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), port), nil
	}
	ips, err := simnet.From(ctx).Lookup(ctx, host)
	if err != nil {
		return fail(err)
	}
	return netip.AddrPortFrom(ips[0], port), nil
}

func simBindError(network string, ap netip.AddrPort, err error) error {
	if errno, ok := err.(unix.Errno); ok {
		err = os.NewSyscallError("bind", errno)
	}
	return &net.OpError{Op: "listen", Net: network, Addr: net.TCPAddrFromAddrPort(ap), Err: err}
}

// acceptSim waits for the next connection of a simulated listener and
// returns its FD and its peer's address.
func (l *Listener) acceptSim(sl *simnet.Listener) (*corio.FD, unix.Sockaddr, error) {
	for {
		if err := l.fd.ReadExpired(); err != nil {
			return nil, nil, l.opError(err)
		}
		s, err := sl.Accept()
		if err == nil {
			return s.FD(), simSockaddr(s.RemoteAddr()), nil
		}
		if err := l.fd.WaitRead(); err != nil {
			return nil, nil, l.opError(err)
		}
	}
}

// The socket calls, to the kernel or to the simulated network. The FD is
// acquired (see corio.FD.Acquire).

func sysRead(fd *corio.FD, b []byte) (int, error) {
	if s, ok := fd.Virtual().(*simnet.Stream); ok {
		return s.Read(b)
	}
	return unix.Read(fd.Sysfd(), b)
}

func sysWrite(fd *corio.FD, b []byte) (int, error) {
	if s, ok := fd.Virtual().(*simnet.Stream); ok {
		return s.Write(b)
	}
	return unix.Write(fd.Sysfd(), b)
}

func sysShutdown(fd *corio.FD, how int) error {
	if s, ok := fd.Virtual().(*simnet.Stream); ok {
		return s.Shutdown(how)
	}
	return unix.Shutdown(fd.Sysfd(), how)
}

// sysPeek reports whether data waits (more), or what a read would end
// with (io.EOF as n == 0 with no error); EAGAIN when nothing waits.
func sysPeek(fd *corio.FD) (more bool, err error) {
	if s, ok := fd.Virtual().(*simnet.Stream); ok {
		return s.Peek()
	}
	var one [1]byte
	n, _, err := unix.Recvfrom(fd.Sysfd(), one[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return n > 0, err
}

// sysSetInt sets a socket option; on the simulated network, options have
// no effect (it has no Nagle, no keep-alive, and its own buffer sizes).
func sysSetInt(fd *corio.FD, level, opt, v int) error {
	if fd.Sysfd() < 0 {
		return nil
	}
	return unix.SetsockoptInt(fd.Sysfd(), level, opt, v)
}

func sysLinger(fd *corio.FD, l *unix.Linger) error {
	if s, ok := fd.Virtual().(*simnet.Stream); ok {
		s.SetLinger0(l.Onoff == 1 && l.Linger == 0)
		return nil
	}
	return unix.SetsockoptLinger(fd.Sysfd(), unix.SOL_SOCKET, unix.SO_LINGER, l)
}

func sysRecvfrom(fd *corio.FD, b []byte) (int, unix.Sockaddr, error) {
	if p, ok := fd.Virtual().(*simnet.Packet); ok {
		return p.Recvfrom(b)
	}
	return unix.Recvfrom(fd.Sysfd(), b, 0)
}

func sysSendto(fd *corio.FD, b []byte, sa unix.Sockaddr) error {
	if p, ok := fd.Virtual().(*simnet.Packet); ok {
		return p.Sendto(b, sa)
	}
	return unix.Sendto(fd.Sysfd(), b, 0, sa)
}
