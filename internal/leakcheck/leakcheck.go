// Package leakcheck fails a test that leaves goroutines or open file
// descriptors behind: the tests of the socket and HTTP layers check
// with it that everything they opened is closed.
package leakcheck

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Check counts the goroutines and descriptors now and, when the test and
// the cleanups registered after this call are done, fails the test if
// there are more. Goroutines that are exiting get a second to go.
func Check(t testing.TB) {
	t.Helper()
	goroutines, fds := runtime.NumGoroutine(), OpenFDs()
	t.Cleanup(func() { Verify(t, goroutines, fds) })
}

// CheckGoroutines is Check for goroutines only, for tests whose
// descriptors are not theirs to count (the hub's own tests, which open a
// poller per Run, count goroutines).
func CheckGoroutines(t testing.TB) {
	t.Helper()
	goroutines := runtime.NumGoroutine()
	t.Cleanup(func() { VerifyGoroutines(t, goroutines) })
}

// VerifyGoroutines fails t if more goroutines than given are left.
func VerifyGoroutines(t testing.TB, goroutines int) {
	t.Helper()
	Verify(t, goroutines, math.MaxInt)
}

// Verify fails t if more goroutines or descriptors than given are left.
func Verify(t testing.TB, goroutines, fds int) {
	t.Helper()
	for i := 0; runtime.NumGoroutine() > goroutines || OpenFDs() > fds; i++ {
		if i == 200 {
			if n := OpenFDs(); n > fds {
				t.Errorf("%d descriptors open before, %d after:\n%s", fds, n, describeFDs())
			}
			if n := runtime.NumGoroutine(); n > goroutines {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutines before, %d after:\n%s", goroutines, n, buf[:runtime.Stack(buf, true)])
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// OpenFDs is the number of descriptors the process has open, or -1 where
// /proc/self/fd does not tell (the check is then skipped).
func OpenFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// describeFDs lists the open descriptors and what each is.
func describeFDs() string {
	entries, _ := os.ReadDir("/proc/self/fd")
	var b strings.Builder
	for _, e := range entries {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fmt.Fprintf(&b, "  %s -> %s\n", e.Name(), target)
	}
	return b.String()
}
