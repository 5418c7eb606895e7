package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServe(t *testing.T) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error)
	go func() {
		done <- serve(ctx, &stdout, &stderr, []string{"--addr", "127.0.0.1:0", "--hubs", "2", "--verbose"},
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
	for _, want := range []string{"corio serve: listening on " + addr + " with 2 hubs", "shutting down", "corio serve: stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %q", want, stderr.String())
		}
	}
}
