// Package upper is the seed's socket server, shared by corio serve, the
// tour and the tests: read up to 1024 bytes, answer them upper-cased, until
// EOF. Upper-casing is ASCII only and in place, as Python's bytes.upper()
// in the seed: a read may end in the middle of a UTF-8 sequence, and the
// reply keeps the message's length, which is what the load generator
// checks.
package upper

import (
	"net"
	"sync"
)

// BufferSize is the most one read takes, as the seed's conn.recv(1024).
const BufferSize = 1024

// InPlace upper-cases the ASCII letters of b.
func InPlace(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}

// Matches reports whether reply is msg upper-cased.
func Matches(reply, msg []byte) bool {
	if len(reply) != len(msg) {
		return false
	}
	for i, c := range msg {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if reply[i] != c {
			return false
		}
	}
	return true
}

// Serve answers c until EOF or an error, calling seen (if not nil) with
// each message as it arrived, before it is upper-cased.
//
// A connection that can wait until it is readable without reading (a
// cnet.Conn) is served with a buffer taken from a pool for each message and
// given back after the reply: an idle connection then holds no buffer.
// Any other net.Conn keeps one buffer for its life, as the seed does.
func Serve(c net.Conn, seen func(msg []byte)) {
	r, ok := c.(readable)
	if !ok {
		buf := make([]byte, BufferSize)
		for exchange(c, buf, seen) {
		}
		return
	}
	for r.WaitReadable() == nil {
		buf := buffers.Get().(*[]byte)
		ok := exchange(c, *buf, seen)
		buffers.Put(buf)
		if !ok {
			return
		}
	}
}

// readable is what cnet.Conn adds for Serve.
type readable interface{ WaitReadable() error }

var buffers = sync.Pool{New: func() any {
	b := make([]byte, BufferSize)
	return &b
}}

// exchange reads one message into buf and writes it back upper-cased; it
// reports false at EOF or on an error (the seed's loop ends then too).
func exchange(c net.Conn, buf []byte, seen func(msg []byte)) bool {
	n, err := c.Read(buf)
	if err != nil {
		return false
	}
	if seen != nil {
		seen(buf[:n])
	}
	InPlace(buf[:n])
	_, err = c.Write(buf[:n])
	return err == nil
}
