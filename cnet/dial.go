package cnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// Dial connects to address on network ("tcp", "tcp4", "tcp6" or "unix")
// from a task of the hub of ctx, like net.Dialer.DialContext: host names
// are resolved without blocking the hub, each address is tried in turn,
// and ctx bounds the whole (its deadline, or the task being killed).
func Dial(ctx context.Context, network, address string) (*Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		return dialTCP(ctx, network, address)
	case "unix":
		return dialUnix(ctx, address)
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
}

func dialTCP(ctx context.Context, network, address string) (*Conn, error) {
	addrs, err := resolve(ctx, network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, ap := range addrs {
		c, err := connect(ctx, network, ap)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// connect makes one TCP connection attempt.
func connect(ctx context.Context, network string, ap netip.AddrPort) (*Conn, error) {
	raddr := net.TCPAddrFromAddrPort(ap)
	fail := func(err error) (*Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: err}
	}
	if n := simnet.From(ctx); n != nil {
		c, err := connectSim(ctx, n, network, ap)
		if err != nil {
			return fail(err)
		}
		return c, nil
	}
	fam, err := family(network, ap.Addr())
	if err != nil {
		return fail(err)
	}
	fd, err := socket(ctx, fam, unix.SOCK_STREAM)
	if err != nil {
		return fail(err)
	}
	unix.SetsockoptInt(fd.Sysfd(), unix.IPPROTO_TCP, unix.TCP_NODELAY, 1) // as package net does
	if err := waitConnect(ctx, fd, sockaddr(fam, ap)); err != nil {
		fd.Close()
		return fail(err)
	}
	return newConn(fd, network), nil
}

// waitConnect starts a connect and waits for its end, bounded by ctx.
func waitConnect(ctx context.Context, fd *corio.FD, sa unix.Sockaddr) error {
	for {
		err := unix.Connect(fd.Sysfd(), sa)
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		case unix.EINPROGRESS, unix.EALREADY:
		default:
			return os.NewSyscallError("connect", err)
		}
		break
	}
	for {
		if err := fd.WaitWriteContext(ctx); err != nil {
			return mapContextError(err)
		}
		soerr, err := unix.GetsockoptInt(fd.Sysfd(), unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		switch e := unix.Errno(soerr); e {
		case 0:
			// Writable and no error: connected, unless the wake-up was
			// for something else; the peer name tells.
			if _, err := unix.Getpeername(fd.Sysfd()); err == nil {
				return nil
			}
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
		default:
			return os.NewSyscallError("connect", e)
		}
	}
}

// mapContextError gives a dial cut short by its context's deadline the
// error package net gives it (a timeout: its net.OpError's Timeout is
// true, and it is os.ErrDeadlineExceeded), keeping cancellation as is.
func mapContextError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return dialTimeout{err}
	}
	return err
}

// dialTimeout is a dial's context deadline, as a net.Error timeout.
type dialTimeout struct{ ctxErr error }

func (e dialTimeout) Error() string   { return fmt.Sprintf("%v (%v)", os.ErrDeadlineExceeded, e.ctxErr) }
func (e dialTimeout) Timeout() bool   { return true }
func (e dialTimeout) Temporary() bool { return true }
func (e dialTimeout) Unwrap() []error { return []error{os.ErrDeadlineExceeded, e.ctxErr} }

func dialUnix(ctx context.Context, path string) (*Conn, error) {
	raddr := &net.UnixAddr{Name: path, Net: "unix"}
	fail := func(err error) (*Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "unix", Addr: raddr, Err: err}
	}
	if simnet.From(ctx) != nil {
		return fail(errSimUnix)
	}
	fd, err := socket(ctx, unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return fail(err)
	}
	if err := waitConnect(ctx, fd, &unix.SockaddrUnix{Name: path}); err != nil {
		fd.Close()
		return fail(err)
	}
	c := newConn(fd, "unix")
	if c.raddr == nil {
		c.raddr = raddr
	}
	return c, nil
}
