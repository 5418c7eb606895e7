//go:build darwin || freebsd || dragonfly

package cnet

// reusePortBalances: here SO_REUSEPORT lets listeners share a port but
// does not spread connections among them (the last one bound gets them),
// so a StreamServer runs with a single acceptor.
const reusePortBalances = false
