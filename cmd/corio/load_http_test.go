package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// corio load URL drives an HTTP server: -n bounds the requests, -m, -H
// (Host too, as wrk's) and --body shape them, and the JSON report counts them by status.
func TestLoadHTTP(t *testing.T) {
	var mu sync.Mutex // the handler runs on the server's goroutines
	var got struct {
		method, header, host, body string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(bytes.Buffer)
		b.ReadFrom(r.Body)
		mu.Lock()
		got.method, got.header, got.host, got.body = r.Method, r.Header.Get("X-Load"), r.Host, b.String()
		mu.Unlock()
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	status := run(&stdout, &stderr, []string{"load", "-c", "4", "-n", "200", "-m", "POST", "-H", "X-Load: yes", "-H", "Host: example.test", "--body", "hello", "--json", srv.URL + "/"})
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr.String())
	}
	var r struct {
		Requests int               `json:"requests"`
		Statuses map[string]int    `json:"statuses"`
		Errors   map[string]int    `json:"errors"`
		Latency  []json.RawMessage `json:"latency"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if r.Requests != 200 || r.Statuses["200"] != 200 || len(r.Latency) != 5 {
		t.Errorf("report %+v", r)
	}
	mu.Lock()
	if got.method != "POST" || got.header != "yes" || got.host != "example.test" || got.body != "hello" {
		t.Errorf("the server saw %+v", got)
	}
	mu.Unlock()
	stdout.Reset()
	if status := run(&stdout, &stderr, []string{"load", "-c", "2", "-n", "10", srv.URL + "/missing"}); status != 0 || !strings.Contains(stdout.String(), "status 404: 10") {
		t.Errorf("404s: status %d, %s", status, stdout.String())
	}
	for _, args := range [][]string{
		{"load", "-R", "10", "--addr", "127.0.0.1:1"},
		{"load", "-n", "1", "ftp://x/"},
		{"load", "-n", "1", "--body", "a", "--body-file", "b", srv.URL},
		{"load", "-n", "1", srv.URL, srv.URL},
	} {
		if status := run(&stdout, &stderr, args); status != 2 {
			t.Errorf("%q: status %d, want 2", args, status)
		}
	}
}

// Ctrl-C prints the report of what ran and exits 130, as corio crawl does.
func TestLoadHTTPInterrupted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	cmd, out, _ := corioProcess(t, "load", "-c", "2", "-d", "30s", "-R", "100", srv.URL+"/")
	if _, err := out.ReadString('\n'); err != nil { // the heading: it runs
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	rest := new(bytes.Buffer)
	rest.ReadFrom(out)
	if status := exitStatusOfProcess(t, cmd); status != 130 || !strings.Contains(rest.String(), "(interrupted)") || !strings.Contains(rest.String(), "status 200: ") {
		t.Errorf("status %d, output %q", status, rest.String())
	}
}

// The progress line says the time run, of the duration, the requests
// answered and the last second's rate; it is drawn on each tick and
// cleared at the end.
func TestLoadProgress(t *testing.T) {
	if got, want := progressLine(3*time.Second+400*time.Millisecond, 10*time.Second, 15000, 5000), "[3s/10s] 15000 requests, 5000/s"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := progressLine(2*time.Second, 0, 7, 3.5), "[2s] 7 requests, 4/s"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	var answered atomic.Uint64
	var out syncBuffer
	end := showLoadProgress(&out, &answered, 0, 20*time.Millisecond)
	answered.Store(42)
	for !strings.Contains(out.String(), " 42 requests") {
		time.Sleep(5 * time.Millisecond)
	}
	end()
	if s := out.String(); !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("the line is not cleared at the end: %q", s)
	}
}
