// Package upper is the seed's socket server, shared by corio serve, the
// tour and the tests: read up to 1024 bytes, answer them upper-cased, until
// EOF. Upper-casing is ASCII only and in place, as Python's bytes.upper()
// in the seed: a read may end in the middle of a UTF-8 sequence, and the
// reply keeps the message's length, which is what the load generator
// checks.
package upper

import "net"

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
func Serve(c net.Conn, seen func(msg []byte)) {
	buf := make([]byte, BufferSize)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return // EOF, or the connection broke: the seed's loop ends too
		}
		if seen != nil {
			seen(buf[:n])
		}
		InPlace(buf[:n])
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}
