package corio

import (
	"testing"
	"unsafe"
)

// A spawn makes one allocation, the Task, whose size class is most of
// what a task costs beyond its goroutine (BENCHMARKS.md, the hub's
// memory). A field more moves it to the next class, 384 bytes: such a
// change must be deliberate, and measured.
func TestTaskFitsItsSizeClass(t *testing.T) {
	const sizeClass = 352
	if size := unsafe.Sizeof(Task[struct{}]{}); size > sizeClass {
		t.Fatalf("a Task takes %d bytes, more than the %d-byte class it was measured in", size, sizeClass)
	}
}
