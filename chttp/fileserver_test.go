package chttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corio-go/corio/chttp"
)

// fileTree makes a directory to serve: small and large files, a
// dot-file and a dot-directory, a FIFO, links inside and outside.
func fileTree(t *testing.T) (dir string, large []byte) {
	t.Helper()
	top := t.TempDir()
	dir = filepath.Join(top, "served")
	large = bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320,000 bytes: read piece by piece
	files := map[string][]byte{
		"small.txt":        []byte("small file\n"),
		"large.bin":        large,
		"sub/inner.txt":    []byte("inner\n"),
		".env":             []byte("SECRET=1\n"),
		".git/config":      []byte("[core]\n"),
		"../outside.txt":   []byte("outside the tree\n"),
		"sub/.hidden.txt":  []byte("hidden\n"),
		"empty/.gitignore": nil,
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"in-link.txt": "sub/inner.txt", "out-link.txt": "../outside.txt", "abs-link.txt": filepath.Join(top, "outside.txt")} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	return dir, large
}

// startFileServer serves dir with FileServer(DirFS) on a chttp.Server of
// one hub, so that a request that froze the hub would freeze them all.
func startFileServer(t *testing.T, dir string, dotfiles bool) string {
	t.Helper()
	fsys, err := chttp.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys.Dotfiles = dotfiles
	t.Cleanup(func() { fsys.Close() })
	srv := &chttp.Server{Addr: "127.0.0.1:0", Hubs: 1, Handler: chttp.FileServer(fsys)}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return "http://" + srv.ListenAddr().String()
}

func TestFileServerServesATreeSafely(t *testing.T) {
	dir, large := fileTree(t)
	base := startFileServer(t, dir, false)
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		path, rangeHdr string
		status         int
		body           string // the whole body, or for a listing a part of it
		notInBody      string
	}{
		{"/small.txt", "", 200, "small file\n", ""},
		{"/small.txt", "bytes=2-5", 206, "all ", ""},
		{"/large.bin", "", 200, string(large), ""},
		{"/large.bin", "bytes=100000-100015", 206, "0123456789abcdef", ""},
		{"/sub/inner.txt", "", 200, "inner\n", ""},
		{"/in-link.txt", "", 200, "inner\n", ""},
		{"/out-link.txt", "", 403, "403 Forbidden\n", ""},
		{"/abs-link.txt", "", 403, "403 Forbidden\n", ""},
		{"/fifo", "", 403, "403 Forbidden\n", ""},
		{"/.env", "", 404, "404 page not found\n", ""},
		{"/.git/config", "", 404, "404 page not found\n", ""},
		{"/sub/.hidden.txt", "", 404, "404 page not found\n", ""},
		{"/missing", "", 404, "404 page not found\n", ""},
		{"/", "", 200, `<a href="small.txt">small.txt</a>`, ".env"},
		{"/sub/", "", 200, `<a href="inner.txt">inner.txt</a>`, ".hidden"},
		{"/empty/", "", 200, "<pre>\n</pre>", ".gitignore"},
	} {
		req, _ := http.NewRequest("GET", base+tc.path, nil)
		if tc.rangeHdr != "" {
			req.Header.Set("Range", tc.rangeHdr)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", tc.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ok := resp.StatusCode == tc.status
		if strings.HasSuffix(tc.path, "/") {
			ok = ok && strings.Contains(string(body), tc.body) && !strings.Contains(string(body), tc.notInBody)
		} else {
			ok = ok && string(body) == tc.body
		}
		if !ok {
			t.Errorf("GET %s (Range %q) = %d %.200q; want %d %.200q", tc.path, tc.rangeHdr, resp.StatusCode, body, tc.status, tc.body)
		}
	}
}

// Dot-files are served and listed with Dotfiles set.
func TestFileServerDotfiles(t *testing.T) {
	dir, _ := fileTree(t)
	base := startFileServer(t, dir, true)
	for path, want := range map[string]string{"/.env": "SECRET=1\n", "/": `<a href=".env">.env</a>`} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q; want 200 with %q", path, resp.StatusCode, body, want)
		}
	}
}

// A file system that blocks (a hung mount, say) stalls the request that
// reached it, not the hub: the next request on the same hub is answered,
// and the stalled one ends when its client gives up.
func TestFileServerBlockingFileSystemStallsOnlyItsRequest(t *testing.T) {
	release := make(chan struct{})
	srv := &chttp.Server{Addr: "127.0.0.1:0", Hubs: 1, Handler: chttp.FileServer(stallingFS{release: release, fs: http.Dir(t.TempDir())})}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		close(release) // the offloaded Open ends: the hub can
		srv.Close()
	}()
	base := "http://" + srv.ListenAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	stalled := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/stall", nil)
		_, err := http.DefaultClient.Do(req)
		stalled <- err
	}()
	for range 5 {
		resp, err := http.Get(base + "/missing")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if err := <-stalled; err == nil {
		t.Fatal("the stalled request was answered")
	}
}

// stallingFS blocks every Open of "/stall" until release is closed.
type stallingFS struct {
	release chan struct{}
	fs      http.FileSystem
}

func (s stallingFS) Open(name string) (http.File, error) {
	if name == "/stall" {
		<-s.release
		return nil, fmt.Errorf("released")
	}
	return s.fs.Open(name)
}
