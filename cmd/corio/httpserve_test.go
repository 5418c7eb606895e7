package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPServesADirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from corio http\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(ctx, &stdout, &stderr, []string{"--addr", "127.0.0.1:0", "--hubs", "2", "--dir", dir, "--verbose"},
			func(addr string) { addrs <- addr })
	}()
	addr := <-addrs
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/hello.txt", 200, "hello from corio http\n"},
		{"/", 200, `<a href="hello.txt">hello.txt</a>`},
		{"/missing", 404, "404 page not found\n"},
	} {
		resp, err := http.Get("http://" + addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("GET %s = %d %q, want %d with %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /hello.txt 200", "GET / 200", "GET /missing 404"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q: %q", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "corio http: stopped") {
		t.Errorf("stderr %q", stderr.String())
	}
}
