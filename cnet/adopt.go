package cnet

import (
	"context"

	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// AdoptListener makes a cooperative Listener of a listener from package
// net (a *net.TCPListener or *net.UnixListener, or any whose socket is
// reachable through syscall.Conn), for ctx's hub: it accepts on a
// duplicate of l's socket, made non-blocking. l itself is left as it is
// (close it when done with both; closing the Listener closes only the
// duplicate). A Unix socket's file is not removed by Close.
func AdoptListener(ctx context.Context, l net.Listener) (*Listener, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("cnet: adopt a %T: it gives no access to its socket (want a *net.TCPListener or *net.UnixListener)", l)
	}
	network := l.Addr().Network()
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, fmt.Errorf("cnet: adopt a listener on %q: want tcp or unix", network)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("cnet: adopt a listener: %w", err)
	}
	dup := -1
	var dupErr error
	if err := raw.Control(func(fd uintptr) {
		dup, dupErr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, fmt.Errorf("cnet: adopt a listener: %w", err)
	}
	if dupErr != nil {
		return nil, fmt.Errorf("cnet: adopt a listener: %w", os.NewSyscallError("fcntl", dupErr))
	}
	if err := unix.SetNonblock(dup, true); err != nil {
		unix.Close(dup)
		return nil, fmt.Errorf("cnet: adopt a listener: %w", os.NewSyscallError("fcntl", err))
	}
	fd, err := corio.NewFD(ctx, dup)
	if err != nil {
		unix.Close(dup)
		return nil, fmt.Errorf("cnet: adopt a listener: %w", err)
	}
	return &Listener{fd: fd, network: network, addr: l.Addr()}, nil
}
