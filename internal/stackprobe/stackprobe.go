// Package stackprobe measures, for the tests, how much goroutine stack a
// parked task holds, in a fresh process: the test binary runs itself
// again for each measure, so that stacks grown or cached by earlier tests
// cannot hide a change or fake one.
//
// A parked task's stack is most of what an idle connection or a waiting
// task costs. The runtime starts a goroutine with 2 KiB of stack and
// doubles it when a call would go past it, and a parked stack that uses
// more than a quarter of what it has is never shrunk back: one more frame
// on a wait path once doubled every idle connection's stack (BENCHMARKS.md,
// idle memory). The tests built on this package fail when a task parked in
// a wait holds more than MinStack.
package stackprobe

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// MinStack is the runtime's smallest goroutine stack.
const MinStack = 2048

// Limit is the most bytes of stack per parked task that a probe accepts:
// stacks come in powers of two, so a task whose stack doubled holds at
// least 2*MinStack; the margin covers the few goroutines of the runtime's
// own that come and go during a probe.
const Limit = MinStack * 5 / 4

const env = "CORIO_STACK_PROBE"

// Run runs the test named test again in a fresh process, with Name
// returning name there, and returns the figure that process reported with
// Report. The test must call Report when Name is not empty.
func Run(t *testing.T, test, name string) int {
	t.Helper()
	if Race {
		t.Skip("stacks are measured without the race detector (.ci/run does it)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("stack probe %s: %v\n%s", name, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "stack-per-task "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("stack probe %s printed %q", name, line)
			}
			return n
		}
	}
	t.Fatalf("stack probe %s printed no figure:\n%s", name, out)
	return 0
}

// Name is the probe this process was started for by Run, or "" in a test
// run of its own.
func Name() string { return os.Getenv(env) }

// Report prints the figure for Run to read.
func Report(bytesPerTask int) { fmt.Printf("stack-per-task %d\n", bytesPerTask) }

// InUse is the runtime's stack memory after two collections: stacks that
// grew for a moment but are mostly unused while parked have been shrunk
// back, so what it counts is what parking holds.
func InUse() int {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int(m.StackInuse)
}
