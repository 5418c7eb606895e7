//go:build darwin || freebsd || dragonfly

package cnet

import "golang.org/x/sys/unix"

// accept takes a connection and makes it non-blocking and close-on-exec.
func accept(s int) (int, unix.Sockaddr, error) {
	ns, sa, err := unix.Accept(s)
	if err != nil {
		return -1, nil, err
	}
	if err := prepare(ns); err != nil {
		unix.Close(ns)
		return -1, nil, err
	}
	return ns, sa, nil
}
