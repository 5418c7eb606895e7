package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio/internal/fixture/syncbuf"
)

// syncBuffer is a log the hubs write while the test reads it.
type syncBuffer = syncbuf.Buffer

func TestServe(t *testing.T) {
	for _, model := range []string{"bursts", "tasks"} {
		t.Run(model, func(t *testing.T) { testServe(t, model) })
	}
}

func testServe(t *testing.T, model string) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error)
	go func() {
		done <- serve(ctx, &stdout, &stderr, []string{"--addr", "127.0.0.1:0", "--hubs", "2", "--verbose", "--model", model},
			func(addr string) { addrs <- addr })
	}()
	addr := <-addrs
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("hello corio"))
	reply := make([]byte, 11)
	if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "HELLO CORIO" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	local := c.LocalAddr().String()
	if !strings.Contains(stdout.String(), "client "+local+" msg: hello corio\n") {
		t.Errorf("stdout %q", stdout.String())
	}
	for _, want := range []string{"corio serve: listening on " + addr + " with 2 hubs, serving " + model, "shutting down", "corio serve: stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %q", want, stderr.String())
		}
	}
}

// corio load against corio serve: every reply checked, figures printed.
func TestLoadAgainstServe(t *testing.T) {
	var serveOut, serveErr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error)
	go func() {
		done <- serve(ctx, &serveOut, &serveErr, []string{"--addr", "127.0.0.1:0", "--hubs", "1"},
			func(addr string) { addrs <- addr })
	}()
	addr := <-addrs
	defer func() {
		cancel()
		<-done
	}()
	var stdout, stderr bytes.Buffer
	status := run(&stdout, &stderr, []string{"load", "--addr", addr, "-c", "50", "-n", "2000", "--size", "100", "--json"})
	if status != 0 {
		t.Fatalf("status %d, stderr %q", status, stderr.String())
	}
	var r struct {
		Conns      int     `json:"conns"`
		Msgs       int     `json:"msgs"`
		MsgsPerS   float64 `json:"msgs_per_s"`
		Errors     int     `json:"errors"`
		Mismatches int     `json:"mismatches"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("%v: %q", err, stdout.String())
	}
	for _, key := range []string{`"p50_us":`, `"p99_us":`, `"msgs_per_s":`} {
		if !strings.Contains(stdout.String(), key) {
			t.Errorf("no %s in %q", key, stdout.String())
		}
	}
	if r.Conns != 50 || r.Msgs != 2000 || r.Errors != 0 || r.Mismatches != 0 || r.MsgsPerS <= 0 {
		t.Fatalf("result %+v", r)
	}
	stdout.Reset()
	if status := run(&stdout, &stderr, []string{"load", "--addr", addr, "-c", "5", "-d", "100ms"}); status != 0 {
		t.Fatalf("text run: status %d, %q", status, stderr.String())
	}
	if !strings.Contains(stdout.String(), "errors 0  mismatches 0") || !strings.Contains(stdout.String(), "latency p50") {
		t.Fatalf("text output %q", stdout.String())
	}
}
