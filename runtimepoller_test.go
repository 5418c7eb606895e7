package corio_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A hub whose tasks have taken every descriptor must not bring the
// process down at its first Go timer: the runtime starts its own poller
// lazily, then, and aborts if no descriptor is left for it. Run makes sure
// it exists first. The check is a program of its own
// (internal/fixture/fdprobe), as a test binary starts that poller early.
func TestDescriptorsRunOutBeforeAGoTimer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	out, err := exec.Command("go", "run", "./internal/fixture/fdprobe").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("fdprobe: %v\n%s", err, out)
	}
}
