package cnet

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// listenBacklog is the queue of connections not yet accepted; the kernel
// caps it at its own limit (net.core.somaxconn on Linux).
const listenBacklog = 4096

// A Listener is a cooperative stream listener (TCP or Unix): a
// net.Listener whose Accept makes the calling task wait.
type Listener struct {
	fd      *corio.FD
	network string
	addr    net.Addr
	unlink  string // the socket file a Unix listener removes on Close
}

var _ net.Listener = (*Listener)(nil)

// ListenConfig is how Listen sets a listener up.
type ListenConfig struct {
	// ReusePort sets SO_REUSEPORT, so that several listeners (one per hub)
	// share one address and the kernel spreads connections among them.
	// Any process of the same user that sets it too shares the port as
	// well, silently: StreamServer sets it only after making sure that
	// nobody listens there (see StreamServer).
	ReusePort bool
}

// Listen listens on address for network ("tcp", "tcp4", "tcp6" or
// "unix") on the hub of ctx, like net.Listen. A TCP address with no host
// listens on every local address; port 0 picks a free port (see Addr).
func Listen(ctx context.Context, network, address string) (*Listener, error) {
	return ListenConfig{}.Listen(ctx, network, address)
}

// Listen is the package's Listen with lc's settings.
func (lc ListenConfig) Listen(ctx context.Context, network, address string) (*Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	if n := simnet.From(ctx); n != nil {
		return listenSim(ctx, n, network, address)
	}
	how := bindListen
	if lc.ReusePort {
		how = bindListenShared
	}
	fd, _, laddr, err := bindSocket(ctx, network, address, unix.SOCK_STREAM, how)
	if err != nil {
		return nil, err
	}
	l := &Listener{fd: fd, network: network, addr: laddr}
	if network == "unix" {
		l.unlink = address
	}
	return l, nil
}

// How a socket is bound (see bindOn).
type bindHow int

const (
	bindListen       bindHow = iota // bind and, for a stream socket, listen
	bindListenShared                // the same with SO_REUSEPORT: other such sockets may listen on the port too
	bindOnly                        // bind without SO_REUSEPORT and do not listen: a port claimed for shared listeners (see claimPort)
)

// bindSocket makes a socket of kind (unix.SOCK_STREAM or SOCK_DGRAM) on
// the hub of ctx, bound to address as how says, for the IP or Unix
// network, already checked by the caller to be of that kind. It returns
// the socket, its address family and the address it is bound to, or an
// error as package net words a failed listen: naming the address, and
// wrapping the system's error (syscall.EADDRINUSE for a port in use).
func bindSocket(ctx context.Context, network, address string, kind int, how bindHow) (*corio.FD, int, net.Addr, error) {
	var where net.Addr
	fail := func(err error) (*corio.FD, int, net.Addr, error) {
		return nil, 0, nil, &net.OpError{Op: "listen", Net: network, Addr: where, Err: err}
	}
	var fam int
	var sa unix.Sockaddr
	if network == "unix" || network == "unixgram" {
		fam, sa = unix.AF_UNIX, &unix.SockaddrUnix{Name: address}
		where = &net.UnixAddr{Name: address, Net: network}
	} else {
		ap, err := listenAddr(ctx, network, address)
		if err != nil {
			return fail(err)
		}
		if fam, err = family(network, ap.Addr()); err != nil {
			return fail(err)
		}
		sa = sockaddr(fam, ap)
		where = netAddr(network, sa)
	}
	fd, err := socket(ctx, fam, kind)
	if err != nil {
		return fail(err)
	}
	if err := bindOn(fd.Sysfd(), fam, kind, sa, how); err != nil {
		fd.Close()
		return fail(err)
	}
	if fam == unix.AF_UNIX {
		return fd, fam, &net.UnixAddr{Name: address, Net: network}, nil
	}
	var laddr net.Addr
	if s, err := unix.Getsockname(fd.Sysfd()); err == nil {
		laddr = netAddr(network, s)
	}
	return fd, fam, laddr, nil
}

// listenAddr resolves a TCP listening address; an empty host means every
// local address (IPv6 and IPv4 for "tcp", as package net does).
func listenAddr(ctx context.Context, network, address string) (netip.AddrPort, error) {
	host, service, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if host == "" {
		port, err := lookupPort(ctx, network, service)
		if err != nil {
			return netip.AddrPort{}, err
		}
		any := netip.IPv6Unspecified()
		if network == "tcp4" {
			any = netip.IPv4Unspecified()
		}
		return netip.AddrPortFrom(any, port), nil
	}
	addrs, err := resolve(ctx, network, address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return addrs[0], nil
}

// bindOn sets a new socket's options, binds it to sa and, for a stream
// socket, listens unless how is bindOnly.
func bindOn(s, fam, kind int, sa unix.Sockaddr, how bindHow) error {
	if fam != unix.AF_UNIX && kind == unix.SOCK_STREAM {
		if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if how == bindListenShared {
		if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if fam == unix.AF_INET6 {
		unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) // both families on "::"
	}
	if err := unix.Bind(s, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if kind == unix.SOCK_STREAM && how != bindOnly {
		if err := unix.Listen(s, listenBacklog); err != nil {
			return os.NewSyscallError("listen", err)
		}
	}
	return nil
}

// reusePortAvailable reports whether SO_REUSEPORT can be set on a TCP
// socket here (it cannot on kernels older than Linux 3.9, for one).
func reusePortAvailable() bool {
	s, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return false
	}
	defer unix.Close(s)
	return unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) == nil
}

// claimPort makes sure that nobody listens on address, and keeps it so
// while a server's hubs start listening there with SO_REUSEPORT: it binds
// a socket to address without SO_REUSEPORT, which fails with
// syscall.EADDRINUSE where any socket listens on it already (one of
// another corio process too, which SO_REUSEPORT alone would silently
// join), and does not listen, so that the hubs' sockets may bind beside
// it. It returns the address bound (with the port the system picked, for
// port 0), on which the hubs listen, and the socket, which the server
// closes once they do.
func claimPort(ctx context.Context, network, address string) (*corio.FD, net.Addr, error) {
	fd, _, laddr, err := bindSocket(ctx, network, address, unix.SOCK_STREAM, bindOnly)
	return fd, laddr, err
}

// Accept waits for the next connection and returns it.
func (l *Listener) Accept() (net.Conn, error) { return l.AcceptConn() }

// AcceptConn is Accept returning the *Conn.
func (l *Listener) AcceptConn() (*Conn, error) {
	if sl, ok := l.fd.Virtual().(*simnet.Listener); ok {
		fd, peer, err := l.acceptSim(sl)
		if err != nil {
			return nil, err
		}
		return l.conn(fd, peer), nil
	}
	s, peer, err := l.acceptSocket()
	if err != nil {
		return nil, err
	}
	fd, err := l.fd.RegisterSibling(s)
	if err != nil {
		unix.Close(s)
		return nil, l.opError(err)
	}
	return l.conn(fd, peer), nil
}

// conn makes the Conn of a connection this listener accepted. Its local
// address is the listener's, unless that is a wildcard (then the kernel
// says which address the peer reached).
func (l *Listener) conn(fd *corio.FD, peer unix.Sockaddr) *Conn {
	return connOf(fd, l.network, l.localAddr(), peer)
}

// localAddr is the local address of the connections accepted: the
// listener's, or nil (ask the kernel) if it listens on every address.
func (l *Listener) localAddr() net.Addr {
	if a, ok := l.addr.(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		return nil
	}
	return l.addr
}

// acceptSocket waits for the next connection and returns its descriptor,
// not yet registered with any hub.
func (l *Listener) acceptSocket() (int, unix.Sockaddr, error) {
	for {
		if err := l.fd.ReadExpired(); err != nil {
			return -1, nil, l.opError(err)
		}
		s, peer, err := l.accept()
		switch err {
		case nil:
			if strings.HasPrefix(l.network, "tcp") {
				// Nagle off, as package net does for every TCP connection:
				// with it, a response written in two parts waits for the
				// peer's delayed ACK (40 ms) between them.
				unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
			}
			return s, peer, nil
		case unix.EINTR, unix.ECONNABORTED:
		case unix.EAGAIN:
			if err := l.fd.WaitRead(); err != nil {
				return -1, nil, l.opError(err)
			}
		case net.ErrClosed:
			return -1, nil, l.opError(err)
		default:
			return -1, nil, l.opError(os.NewSyscallError("accept", err))
		}
	}
}

// accept is the system call, bracketed (see corio.FD.Acquire).
func (l *Listener) accept() (int, unix.Sockaddr, error) {
	if err := l.fd.Acquire(); err != nil {
		return -1, nil, err
	}
	defer l.fd.Release()
	return accept(l.fd.Sysfd())
}

func (l *Listener) opError(err error) error {
	return &net.OpError{Op: "accept", Net: l.network, Addr: l.addr, Err: err}
}

// Close stops listening; an Accept waiting in a task fails with
// net.ErrClosed. A Unix listener removes its socket file. It may be called
// from any goroutine.
func (l *Listener) Close() error {
	err := l.fd.Close()
	if err == nil && l.unlink != "" {
		os.Remove(l.unlink)
	}
	if err != nil {
		return &net.OpError{Op: "close", Net: l.network, Addr: l.addr, Err: err}
	}
	return nil
}

// Addr is the address the listener listens on (with the port the system
// picked, for port 0).
func (l *Listener) Addr() net.Addr { return l.addr }

// SetDeadline sets the time after which Accept fails with
// os.ErrDeadlineExceeded, also an Accept waiting now; the zero time means
// none. It may be called from any goroutine.
func (l *Listener) SetDeadline(t time.Time) error {
	if err := l.fd.SetReadDeadline(t); err != nil {
		return &net.OpError{Op: "set", Net: l.network, Addr: l.addr, Err: err}
	}
	return nil
}
