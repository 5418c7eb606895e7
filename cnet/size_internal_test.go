package cnet

import (
	"testing"
	"unsafe"
)

// A Conn is in every connection a server holds, and a burstConn in every
// one served by bursts (BENCHMARKS.md, idle memory per connection): a
// field more moves one to the next allocation class, a change to make
// deliberately and measure.
func TestSizeClasses(t *testing.T) {
	for _, c := range []struct {
		name      string
		size      uintptr
		sizeClass uintptr
	}{
		{"Conn", unsafe.Sizeof(Conn{}), 96},
		{"burstConn", unsafe.Sizeof(burstConn{}), 144},
	} {
		if c.size > c.sizeClass {
			t.Errorf("a %s takes %d bytes, more than the %d-byte class it was measured in", c.name, c.size, c.sizeClass)
		}
	}
}
