package cnet

import (
	"testing"
	"unsafe"
)

// A Conn is in every connection a server holds, a burstConn in every one
// served by bursts, and an idleLink in every one of those with an idle
// timeout (BENCHMARKS.md, idle memory per connection): a field more moves
// one to the next allocation class (or grows an array of them), a change
// to make deliberately and measure.
func TestSizeClasses(t *testing.T) {
	for _, c := range []struct {
		name      string
		size      uintptr
		sizeClass uintptr
	}{
		{"Conn", unsafe.Sizeof(Conn{}), 96},
		{"burstConn", unsafe.Sizeof(burstConn{}), 144},
		{"idleLink", unsafe.Sizeof(idleLink{}), 16}, // a connection's place in the idle queue
	} {
		if c.size > c.sizeClass {
			t.Errorf("a %s takes %d bytes, more than the %d-byte class it was measured in", c.name, c.size, c.sizeClass)
		}
	}
}
