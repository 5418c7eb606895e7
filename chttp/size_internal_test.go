package chttp

import (
	"testing"
	"unsafe"
)

// What a keep-alive connection holds between requests is its serverConn
// (and cnet's records): a field that takes it past its allocation class
// (112 bytes) adds 16 bytes to every idle connection.
func TestServerConnSize(t *testing.T) {
	if got := unsafe.Sizeof(serverConn{}); got != 112 {
		t.Fatalf("serverConn is %d bytes; want 112 (idle memory: see BENCHMARKS.md before changing this)", got)
	}
}
