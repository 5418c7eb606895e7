//go:build linux

package cnet

// reusePortBalances: Linux spreads the connections of one port among the
// SO_REUSEPORT listeners bound to it, so each hub can accept its own.
const reusePortBalances = true
