package cnet

import (
	"context"
	"os"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// socket makes a non-blocking, close-on-exec socket registered with the
// hub of ctx.
func socket(ctx context.Context, family, typ int) (*corio.FD, error) {
	s, err := newSocket(family, typ)
	if err != nil {
		return nil, err
	}
	fd, err := corio.NewFD(ctx, s)
	if err != nil {
		unix.Close(s)
		return nil, err
	}
	return fd, nil
}

// newSocket makes a non-blocking, close-on-exec socket.
func newSocket(family, typ int) (int, error) {
	s, err := unix.Socket(family, typ, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := prepare(s); err != nil {
		unix.Close(s)
		return -1, err
	}
	return s, nil
}

// prepare makes s non-blocking and close-on-exec.
func prepare(s int) error {
	unix.CloseOnExec(s)
	if err := unix.SetNonblock(s, true); err != nil {
		return os.NewSyscallError("setnonblock", err)
	}
	return nil
}
