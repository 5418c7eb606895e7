package cnet

import (
	"testing"
	"unsafe"
)

// A Conn is in every connection a server holds (BENCHMARKS.md, idle
// memory per connection): a field more moves it to the next allocation
// class, a change to make deliberately and measure.
func TestConnSizeClass(t *testing.T) {
	const sizeClass = 96
	if size := unsafe.Sizeof(Conn{}); size > sizeClass {
		t.Fatalf("a Conn takes %d bytes, more than the %d-byte class it was measured in", size, sizeClass)
	}
}
