package chttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// A body closed with little left is drained and its connection reused;
// with much left the connection is closed. Responses without a body free
// theirs at once.
func TestBodyCloseReuse(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			io.WriteString(w, strings.Repeat("s", 1000))
		case "/large":
			w.Header().Set("Content-Length", fmt.Sprint(1<<20))
			w.Write(bytes.Repeat([]byte("L"), 1<<20))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			io.WriteString(w, "ok")
		}
	})
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials)}
	hub(t, func(ctx context.Context) error {
		do := func(method, path string, read int) {
			req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
				return
			}
			io.CopyN(io.Discard, resp.Body, int64(read))
			resp.Body.Close()
			if resp.Body == http.NoBody { // as net/http gives for HEAD and 204
				return
			}
			if _, err := resp.Body.Read(make([]byte, 1)); err == nil || !strings.Contains(err.Error(), "read on closed response body") {
				t.Errorf("%s %s: read after Close = %v", method, path, err)
			}
		}
		for _, step := range []struct {
			method, path string
			read         int
			dials        int32
		}{
			{"GET", "/", 2, 1},
			{"GET", "/small", 10, 1}, // drained
			{"HEAD", "/small", 0, 1}, // no body
			{"GET", "/empty", 0, 1},  // 204
			{"GET", "/large", 10, 1}, // closed...
			{"GET", "/", 2, 2},       // ...so this one dials
			{"GET", "/large", 1 << 20, 2},
			{"GET", "/", 2, 2}, // read to its end: reused
		} {
			do(step.method, step.path, step.read)
			if n := dials.Load(); n != step.dials {
				t.Errorf("after %s %s (read %d): %d dials, want %d", step.method, step.path, step.read, n, step.dials)
			}
		}
		return nil
	})
}

// A server that closes its connections, politely or not, costs a dial per
// request and no failure.
func TestServerClosesConnections(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
			return
		case "/keep":
			io.WriteString(w, "kept")
			return
		}
		// Answer as keep-alive, then drop the connection.
		conn, rw, _ := w.(http.Hijacker).Hijack()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi!")
		rw.Flush()
		conn.Close()
	})
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials)}
	hub(t, func(ctx context.Context) error {
		for i, path := range []string{"/close", "/close", "/drop", "/drop", "/drop"} {
			status, body, err := get(ctx, client, srv.URL+path)
			if err != nil || status != 200 {
				t.Errorf("%d %s: %d %q %v", i, path, status, body, err)
			}
			if i > 2 {
				// Let the hub's poller see the drop before the next
				// request, as it would between real requests.
				corio.Sleep(ctx, 10*time.Millisecond)
			}
		}
		if n := dials.Load(); n != 5 {
			t.Errorf("%d dials, want 5", n)
		}
		// The dropped connection was the host's last: the connection made
		// in its place still serves the requests after it.
		for range 3 {
			if _, body, err := get(ctx, client, srv.URL+"/keep"); err != nil || body != "kept" {
				return fmt.Errorf("/keep: %q %v", body, err)
			}
		}
		if n := dials.Load(); n != 6 {
			t.Errorf("%d dials after three kept-alive requests, want 6", n)
		}
		return nil
	})
}

// A request body is sent, chunked when its length is unknown, and a server
// that answers before reading it all is heard.
func TestRequestBodies(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refuse" {
			w.Header().Set("Connection", "close")
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		b, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %d %q %d %v", r.Method, r.ContentLength, r.TransferEncoding, len(b), err)
	})
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials)}
	hub(t, func(ctx context.Context) error {
		post := func(path string, body io.Reader) (int, string) {
			req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+path, body)
			resp, b, err := do(client, req)
			if err != nil {
				t.Errorf("POST %s: %v", path, err)
				return 0, ""
			}
			return resp.StatusCode, b
		}
		if _, got := post("/", strings.NewReader("hello")); got != `POST 5 [] 5 <nil>` {
			t.Errorf("sized body: %q", got)
		}
		if _, got := post("/", io.MultiReader(strings.NewReader("hel"), strings.NewReader("lo"))); got != `POST -1 ["chunked"] 5 <nil>` {
			t.Errorf("unsized body: %q", got)
		}
		big := io.LimitReader(zeros{}, 64<<20) // more than the socket buffers hold
		if status, _ := post("/refuse", big); status != http.StatusRequestEntityTooLarge {
			t.Errorf("refused upload: status %d, want 413", status)
		}
		if _, got := post("/", strings.NewReader("again")); got != `POST 5 [] 5 <nil>` {
			t.Errorf("after the refusal: %q", got)
		}
		return nil
	})
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// Idle connections are bounded per host and closed after IdleConnTimeout
// (virtual clock).
func TestIdleLimits(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	var dials atomic.Int32
	tr := countingTransport(&dials)
	tr.MaxIdleConnsPerHost = 1
	tr.IdleConnTimeout = time.Minute
	client := &http.Client{Transport: tr}
	virtualHub(t, func(ctx context.Context) error {
		burst := func() {
			g := corio.NewGroup()
			for range 3 {
				g.Spawn(ctx, func(ctx context.Context) error { _, _, err := get(ctx, client, srv.URL); return err })
			}
			if err := g.Join(ctx); err != nil {
				t.Error(err)
			}
		}
		burst()
		if n := dials.Load(); n != 3 {
			return fmt.Errorf("3 concurrent requests: %d dials, want 3", n)
		}
		burst() // one idle connection was kept
		if n := dials.Load(); n != 5 {
			t.Errorf("the second burst: %d dials in all, want 5", n)
		}
		corio.Sleep(ctx, 2*time.Minute) // the idle one expires
		get(ctx, client, srv.URL)
		if n := dials.Load(); n != 6 {
			t.Errorf("after the idle timeout: %d dials in all, want 6", n)
		}
		return nil
	})
}

// One Transport serves several hubs at once, each with its own pool.
func TestManyHubs(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) })
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials)}
	var wg sync.WaitGroup
	for h := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hub(t, func(ctx context.Context) error {
				for i := range 5 {
					want := fmt.Sprintf("/%d/%d", h, i)
					if _, body, err := get(ctx, client, srv.URL+want); err != nil || body != want {
						t.Errorf("hub %d: %q %v", h, body, err)
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	if n := dials.Load(); n != 4 {
		t.Errorf("4 hubs dialled %d times, want 4 (a connection each)", n)
	}
}
