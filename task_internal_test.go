package corio

import (
	"testing"
	"unsafe"
)

// What every task and every connection allocates is measured in
// BENCHMARKS.md (the hub's memory, idle memory per connection); a field
// more moves one of these to the next allocation class. Such a change must
// be deliberate, and measured.
func TestSizeClasses(t *testing.T) {
	for _, c := range []struct {
		name      string
		size      uintptr
		sizeClass uintptr
	}{
		{"Task", unsafe.Sizeof(Task[struct{}]{}), 352},
		{"FD", unsafe.Sizeof(FD{}), 128},
	} {
		if c.size > c.sizeClass {
			t.Errorf("a %s takes %d bytes, more than the %d-byte class it was measured in", c.name, c.size, c.sizeClass)
		}
	}
}
