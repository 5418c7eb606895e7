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

// connectSim makes one connection attempt over the simulated network.
func connectSim(ctx context.Context, n *simnet.Network, network string, ap netip.AddrPort) (*Conn, error) {
	s, err := n.Dial(ctx, ap)
	if err != nil {
		if errno, ok := err.(unix.Errno); ok {
			return nil, os.NewSyscallError("connect", errno)
		}
		return nil, mapContextError(err)
	}
	return simConn(s, network), nil
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

// simBindAddr reads a listening address for the simulated network, as
// for the kernel's (listenAddr); Unix sockets are not simulated.
func simBindAddr(ctx context.Context, network, address string) (netip.AddrPort, error) {
	if network == "unix" || network == "unixgram" {
		return netip.AddrPort{}, &net.OpError{Op: "listen", Net: network, Addr: &net.UnixAddr{Name: address, Net: network}, Err: errSimUnix}
	}
	ap, err := listenAddr(ctx, network, address)
	if err != nil {
		return netip.AddrPort{}, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	return ap, nil
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

// The socket calls, to the kernel or, for a virtual FD (negative Sysfd),
// to the simulated network. The FD is acquired (see corio.FD.Acquire), so
// a virtual one is still in the hub's table. Reads and writes test the
// kernel's case first: they are every connection's hot path.

func sysRead(fd *corio.FD, b []byte) (int, error) {
	if fd.Sysfd() >= 0 {
		return unix.Read(fd.Sysfd(), b)
	}
	return fd.Virtual().(*simnet.Stream).Read(b)
}

func sysWrite(fd *corio.FD, b []byte) (int, error) {
	if fd.Sysfd() >= 0 {
		return unix.Write(fd.Sysfd(), b)
	}
	return fd.Virtual().(*simnet.Stream).Write(b)
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
