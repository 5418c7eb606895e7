//go:build linux

package cnet

import "golang.org/x/sys/unix"

// accept takes a connection, non-blocking and close-on-exec in one call.
func accept(s int) (int, unix.Sockaddr, error) {
	return unix.Accept4(s, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
