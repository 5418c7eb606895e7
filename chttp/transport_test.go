package chttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// Sequential requests share one connection; concurrent ones under
// MaxConnsPerHost share that many.
func TestKeepAliveReuse(t *testing.T) {
	leakcheck.Check(t)
	var remotes sync.Map
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		remotes.Store(r.RemoteAddr, true)
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})
	var dials atomic.Int32
	tr := countingTransport(&dials)
	tr.MaxConnsPerHost = 3
	tr.MaxIdleConnsPerHost = 3
	client := &http.Client{Transport: tr}
	hub(t, func(ctx context.Context) error {
		for i := range 10 {
			status, body, err := get(ctx, client, fmt.Sprintf("%s/%d", srv.URL, i))
			if err != nil || status != 200 || body != fmt.Sprintf("hello /%d", i) {
				t.Errorf("request %d: %d %q %v", i, status, body, err)
			}
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("10 sequential requests dialled %d times, want 1", n)
		}
		g := corio.NewGroup()
		for i := range 30 {
			g.Spawn(ctx, func(ctx context.Context) error {
				status, body, err := get(ctx, client, fmt.Sprintf("%s/c%d", srv.URL, i))
				if err != nil || status != 200 || body != fmt.Sprintf("hello /c%d", i) {
					return fmt.Errorf("request c%d: %d %q %v", i, status, body, err)
				}
				return nil
			})
		}
		if err := g.Join(ctx); err != nil {
			return err
		}
		if n := dials.Load(); n != 3 {
			t.Errorf("30 concurrent requests at MaxConnsPerHost 3 dialled %d in all, want 3", n)
		}
		return nil
	})
	n := 0
	remotes.Range(func(any, any) bool { n++; return true })
	if n != 3 {
		t.Errorf("the server saw %d client connections, want 3", n)
	}
}

func TestChunkedBody(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "part %d;", i)
			w.(http.Flusher).Flush() // no Content-Length: chunked
		}
	})
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials)}
	hub(t, func(ctx context.Context) error {
		for range 2 {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			resp, b, err := do(client, req)
			if err != nil || b != "part 0;part 1;part 2;part 3;part 4;" {
				return fmt.Errorf("body %q, %v", b, err)
			}
			if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Errorf("TransferEncoding = %q, want chunked", resp.TransferEncoding)
			}
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("dialled %d times, want 1 (the chunked body's end frees the connection)", n)
		}
		return nil
	})
}

func TestGzip(t *testing.T) {
	leakcheck.Check(t)
	const text = "compressible compressible compressible text"
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			w.Header().Set("X-Plain", "1")
			io.WriteString(w, text)
			return
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		io.WriteString(zw, text)
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
		w.Write(buf.Bytes())
	})
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials)}
	hub(t, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, b, err := do(client, req)
		if err != nil || b != text {
			return fmt.Errorf("gzip body = %q, %v", b, err)
		}
		if !resp.Uncompressed || resp.Header.Get("Content-Encoding") != "" || resp.ContentLength != -1 {
			t.Errorf("Uncompressed %v, Content-Encoding %q, ContentLength %d: want true, none, -1",
				resp.Uncompressed, resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		if req.Header.Get("Accept-Encoding") != "" {
			t.Error("the caller's request was changed")
		}
		// Asking for an encoding yourself gets the bytes as sent.
		req, _ = http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		req.Header.Set("Accept-Encoding", "identity")
		resp, b, err = do(client, req)
		if err != nil || resp.Uncompressed || resp.Header.Get("X-Plain") != "1" || b != text {
			t.Errorf("with Accept-Encoding of its own: Uncompressed %v, %q, %v", resp != nil && resp.Uncompressed, b, err)
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("dialled %d times, want 1", n)
		}
		return nil
	})
}

// http.Client follows redirects and keeps cookies through the Transport.
func TestRedirectsAndCookies(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret", Path: "/"})
			http.Redirect(w, r, "/step", http.StatusFound)
		case "/step":
			http.Redirect(w, r, "/home", http.StatusMovedPermanently)
		case "/home":
			c, err := r.Cookie("session")
			if err != nil {
				http.Error(w, "no session", http.StatusUnauthorized)
				return
			}
			fmt.Fprintf(w, "welcome %s", c.Value)
		}
	})
	jar, _ := cookiejar.New(nil)
	var dials atomic.Int32
	client := &http.Client{Transport: countingTransport(&dials), Jar: jar}
	hub(t, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/login", nil)
		resp, b, err := do(client, req)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || b != "welcome s3cret" || resp.Request.URL.Path != "/home" {
			t.Errorf("got %d %q at %s", resp.StatusCode, b, resp.Request.URL.Path)
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("three requests through redirects dialled %d times, want 1", n)
		}
		return nil
	})
}

// A request the Transport cannot send fails with an error naming why,
// and its body is closed.
func TestBadRequests(t *testing.T) {
	leakcheck.Check(t)
	tr := &chttp.Transport{}
	hub(t, func(ctx context.Context) error {
		for _, tc := range []struct {
			name, want string
			make       func() *http.Request
		}{
			{"nil URL", "nil Request.URL", func() *http.Request { return &http.Request{Header: http.Header{}} }},
			{"nil header", "nil Request.Header", func() *http.Request {
				r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
				r.Header = nil
				return r
			}},
			{"scheme", `unsupported protocol scheme "ftp"`, func() *http.Request {
				r, _ := http.NewRequestWithContext(ctx, "GET", "ftp://x/", nil)
				return r
			}},
			{"no host", "no host in request URL", func() *http.Request {
				r, _ := http.NewRequestWithContext(ctx, "GET", "http:///path", nil)
				return r
			}},
			{"header name", `invalid header field name "bad name"`, func() *http.Request {
				r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
				r.Header["bad name"] = []string{"v"}
				return r
			}},
			{"header value", `invalid header field value for "X"`, func() *http.Request {
				r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
				r.Header["X"] = []string{"a\r\nb"}
				return r
			}},
			{"method", `invalid method "G T"`, func() *http.Request {
				r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
				r.Method = "G T"
				return r
			}},
		} {
			req := tc.make()
			closed := false
			if req.URL != nil {
				req.Body = bodyCloser{strings.NewReader("x"), &closed}
			}
			_, err := tr.RoundTrip(req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "chttp: ") {
				t.Errorf("%s: err = %v, want one with %q", tc.name, err, tc.want)
			}
			if req.URL != nil && !closed {
				t.Errorf("%s: the body was not closed", tc.name)
			}
		}
		return nil
	})
	// Outside a task.
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, corio.ErrNoTask) {
		t.Errorf("RoundTrip outside a hub = %v, want ErrNoTask", err)
	}
}

type bodyCloser struct {
	io.Reader
	closed *bool
}

func (b bodyCloser) Close() error { *b.closed = true; return nil }
