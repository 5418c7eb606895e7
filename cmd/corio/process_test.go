package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/corio-go/corio/internal/fixture/demosite"
)

// The tests of signals and exit statuses run corio as a process of its
// own: this test binary, run again with CORIO_MAIN_ARGS set, is corio
// with those arguments (one per line).

const (
	mainArgsEnv = "CORIO_MAIN_ARGS"
	noFileEnv   = "CORIO_NOFILE" // the process's descriptor limit, if set
)

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(mainArgsEnv); ok {
		if n, err := strconv.ParseUint(os.Getenv(noFileEnv), 10, 64); err == nil {
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(3)
			}
		}
		os.Exit(run(os.Stdout, os.Stderr, strings.Split(args, "\n")))
	}
	// The parallel tests here start processes and servers and mostly wait
	// for them: more of them at once than the cores (go test's default)
	// keeps the suite short. A -parallel given on the command line wins.
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}

// corioProcess starts corio with args, its stdout a pipe the test reads.
func corioProcess(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\n"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(stdout), &stderr
}

// exitStatusOfProcess waits for cmd and returns its exit status.
func exitStatusOfProcess(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("corio did not exit within 30 s")
	}
	return cmd.ProcessState.ExitCode()
}

// Ctrl-C in the middle of a crawl: what was fetched is printed, then the
// summary marked interrupted, every line whole, and the status is 130.
func TestCrawlInterrupted(t *testing.T) {
	t.Parallel() // a process, or a browser, that mostly waits
	base := startSlowSite(t)
	cmd, out, stderr := corioProcess(t, "crawl", "-c", "4", "--depth", "10", "--json", base+"/")
	var lines []string
	for len(lines) < 5 { // some pages are in
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d lines: %v; stderr %s", len(lines), err, stderr)
		}
		lines = append(lines, line)
	}
	cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(out)
	if status := exitStatusOfProcess(t, cmd); status != 130 {
		t.Fatalf("exit status %d, want 130; stderr %s", status, stderr)
	}
	all := append(lines, strings.SplitAfter(strings.TrimSuffix(string(rest), "\n"), "\n")...)
	var last map[string]any
	for i, line := range all {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d is not a JSON object: %q (%v)", i+1, line, err)
		}
		last = obj
	}
	if last["interrupted"] != true || last["pages"].(float64) != float64(len(all)-1) {
		t.Fatalf("last line %v of %d: want the summary of the %d pages before it, interrupted", last, len(all), len(all)-1)
	}
	if !strings.Contains(stderr.String(), "crawl: interrupted by interrupt") {
		t.Errorf("stderr %q", stderr)
	}
}

// A second Ctrl-C stops at once, whatever the first is waiting for: here
// the output, a pipe nobody reads, which the first cannot get past.
func TestCrawlSecondInterruptStopsAtOnce(t *testing.T) {
	t.Parallel() // a process, or a browser, that mostly waits
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		fmt.Fprintf(w, `<a href="/%d">a</a> <a href="/%d">b</a>`, 2*n, 2*n+1)
	}))
	defer srv.Close()
	cmd, stderr := startWithStuckStdout(t, "crawl", "-c", "8", "--depth", "30", srv.URL+"/")
	// Once the pipe (64 KiB) is full, the crawl is stuck in a write and
	// asks for no more pages: wait until the count stops moving.
	for last := int32(-1); ; {
		time.Sleep(300 * time.Millisecond)
		n := requests.Load()
		if n == last && n > 0 {
			break
		}
		last = n
	}
	cmd.Process.Signal(syscall.SIGINT)
	// The second only once the first is in: two at once may reach the
	// process as one.
	line, err := stderr.ReadString('\n')
	if err != nil || line != "corio: interrupt: finishing (once more stops at once)\n" {
		t.Fatalf("after the first SIGINT, stderr %q, %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if status := exitStatusOfProcess(t, cmd); status != 130 {
		t.Fatalf("exit status %d, want 130", status)
	}
}

// A crawl asked for more pages at once than the open-file limit allows
// fetches as many as it can and waits for a descriptor for the rest: no
// page fails with "too many open files".
func TestCrawlAboveTheDescriptorLimit(t *testing.T) {
	t.Parallel() // a process, or a browser, that mostly waits
	base, stop, err := demosite.Start(demosite.Site{Pages: 600, Fanout: 600, Latency: 20 * time.Millisecond, Size: 100}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join([]string{"crawl", "-c", "1000", "--depth", "1", "--ignore-robots", base + "/"}, "\n"), noFileEnv+"=128")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr: %s\nlast lines: %s", err, stderr.String(), tail(stdout.String(), 5))
	}
	if !strings.Contains(stdout.String(), "pages 601  ok 601  failed 0") || !strings.Contains(stderr.String(), "-c 1000 is more than the open-file limit allows") {
		t.Fatalf("stderr: %s\nlast lines: %s", stderr.String(), tail(stdout.String(), 3))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// startWithStuckStdout starts corio with args, its stdout a pipe nobody
// reads, and returns it and a reader of its stderr.
func startWithStuckStdout(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\n"))
	stdout, err := cmd.StdoutPipe() // never read
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdout.Close() })
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(stderr)
}

// startServe starts corio serve with args, its stdout a pipe nobody reads,
// and returns the process, the address it listens on and its stderr.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string, *bufio.Reader) {
	t.Helper()
	cmd, stderr := startWithStuckStdout(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--hubs", "1"}, args...)...)
	line, err := stderr.ReadString('\n')
	addr, ok := strings.CutPrefix(line, "corio serve: listening on ")
	if err != nil || !ok {
		t.Fatalf("first line %q, %v", line, err)
	}
	return cmd, strings.Fields(addr)[0], stderr
}

// --verbose with a stdout nobody reads: the server goes on answering (the
// lines it cannot print are counted), and SIGTERM stops it in time.
func TestServeVerboseToAStuckPipe(t *testing.T) {
	t.Parallel() // a process, or a browser, that mostly waits
	cmd, addr, stderr := startServe(t, "--verbose", "--grace", "1s")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	reply := make([]byte, 64)
	for i := range 5000 { // about 300 KB of lines: far past a pipe's 64 KiB
		msg := fmt.Sprintf("message number %d of many", i)
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, reply[:len(msg)]); err != nil {
			t.Fatalf("message %d: %v: the server stopped answering", i, err)
		}
	}
	c.Close()
	restc := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(stderr); restc <- b }() // before Wait closes the pipe
	cmd.Process.Signal(syscall.SIGTERM)
	rest := <-restc
	if status := exitStatusOfProcess(t, cmd); status != 0 {
		t.Fatalf("exit status %d after SIGTERM", status)
	}
	if !regexp.MustCompile(`corio serve: \d+ messages not printed: stdout was too slow`).Match(rest) {
		t.Fatalf("stderr after the start: %s", rest)
	}
}

// A connection that sends nothing for --idle-timeout is closed.
func TestServeIdleTimeout(t *testing.T) {
	_, addr, _ := startServe(t, "--idle-timeout", "200ms")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read on an idle connection = %d, %v; want EOF when the server closes it", n, err)
	}
}

// A second SIGINT does not wait out the grace period. The connection is
// served by a task of its own (--model tasks), which a shutdown waits
// for; with bursts, a connection idle between messages is closed at once
// and the first SIGINT alone would end the process.
func TestServeSecondInterrupt(t *testing.T) {
	cmd, addr, stderr := startServe(t, "--grace", "1h", "--model", "tasks")
	c, err := net.Dial("tcp", addr) // open: the shutdown waits for it
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hi"))
	io.ReadFull(c, make([]byte, 2))
	cmd.Process.Signal(syscall.SIGINT)
	for {
		line, err := stderr.ReadString('\n')
		if err != nil {
			t.Fatalf("stderr ended: %v", err)
		}
		if strings.Contains(line, "shutting down") {
			break
		}
	}
	restc := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(stderr); restc <- b }() // before Wait closes the pipe
	cmd.Process.Signal(syscall.SIGINT)
	rest := <-restc
	if status := exitStatusOfProcess(t, cmd); status != 130 {
		t.Fatalf("exit status %d, want 130", status)
	}
	if !strings.Contains(string(rest), "corio: second interrupt: stopping now") {
		t.Fatalf("stderr after the shutdown began: %q", rest)
	}
}

// A port another corio process serves is an error for every server
// command, not shared with it: the second exits 1 naming the address.
func TestServersRefuseAPortInUse(t *testing.T) {
	_, addr, _ := startServe(t, "--hubs", "2")
	for _, args := range [][]string{
		{"serve", "--addr", addr, "--hubs", "2"},
		{"http", "--addr", addr, "--hubs", "2", "--dir", t.TempDir()},
		{"site", "--addr", addr},
	} {
		t.Run(args[0], func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\n"))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("corio %s started on %s, which another corio serves; stderr %q", args[0], addr, stderr.String())
			}
			want := fmt.Sprintf("listen tcp %s: bind: address already in use", addr)
			if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), want) {
				t.Fatalf("exit status %d, stderr %q; want 1 and %q", code, stderr.String(), want)
			}
		})
	}
}
