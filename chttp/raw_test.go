package chttp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// answerOnce accepts one connection on l, reads one request and writes
// answer, then closes the connection.
func answerOnce(ctx context.Context, l *cnet.Listener, answer []byte) {
	answerAndHold(ctx, l, answer, 0)
}

// answering listens on loopback in the hub of ctx and answers its first
// request with answer (answerOnce); the listener closes with the hub. It
// returns the listener's address.
func answering(ctx context.Context, answer string) (addr string, err error) {
	l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	answerOnce(ctx, l, []byte(answer))
	return l.Addr().String(), nil
}

// answerAndHold is answerOnce keeping the connection open for hold
// after the answer.
func answerAndHold(ctx context.Context, l *cnet.Listener, answer []byte, hold time.Duration) {
	corio.Spawn(ctx, func(ctx context.Context) error {
		c, err := l.AcceptConn()
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return err
		}
		if _, err = c.Write(answer); err != nil {
			return err
		}
		return corio.Sleep(ctx, hold)
	})
}

// Answers that are not plain responses: informational ones skipped, and
// each malformed one refused with an error that says what was wrong.
func TestUnusualAnswers(t *testing.T) {
	leakcheck.Check(t)
	for _, tc := range []struct {
		name, answer string
		body         string // the body read, if the response is accepted
		err          string // else (or when reading the body) a part of the error
		is           error
	}{
		{"informational", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", "", nil},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", "", "switched protocols (101), which this client does not support", nil},
		{"header too large", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 2000) + "\r\n\r\n", "", "response header too large (over 1024 bytes", chttp.ErrHeaderTooLarge},
		{"garbage", "SMTP ready\r\n\r\n", "", `chttp: reading response from`, nil},
		{"bad gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope", "", "decompressing the gzip body", nil},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "short", "reading response body from", io.ErrUnexpectedEOF},
		{"closed at once", "", "", "the server closed the connection", io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := &http.Client{Transport: &chttp.Transport{MaxResponseHeaderBytes: 1024}}
			virtualHub(t, func(ctx context.Context) error {
				addr, err := answering(ctx, tc.answer)
				if err != nil {
					return err
				}
				status, body, err := get(ctx, client, "http://"+addr+"/")
				if tc.err == "" {
					if err != nil || status != 200 || body != tc.body {
						t.Errorf("%d %q %v, want 200 %q", status, body, err, tc.body)
					}
					return nil
				}
				if err == nil || !strings.Contains(err.Error(), tc.err) || tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("err = %v, want one with %q (is %v)", err, tc.err, tc.is)
				}
				if tc.body != "" && body != tc.body {
					t.Errorf("body %q, want %q before the error", body, tc.body)
				}
				return nil
			})
		})
	}
}

// A request on a kept-alive connection that the server closes without
// answering (as a server does when its idle timeout and the request
// cross) is sent again on a new connection if it may be, as net/http
// decides: idempotent (by method or an Idempotency-Key) with no body or
// one that GetBody gives again. Any other fails with what happened.
func TestStaleConnectionRetry(t *testing.T) {
	leakcheck.Check(t)
	for _, tc := range []struct {
		name    string
		method  string
		body    func() (io.ReadCloser, func() (io.ReadCloser, error))
		retried bool
	}{
		{"GET", "GET", nil, true},
		{"POST with an Idempotency-Key", "POST", func() (io.ReadCloser, func() (io.ReadCloser, error)) {
			get := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("data")), nil }
			b, _ := get()
			return b, get
		}, true},
		{"POST", "POST", func() (io.ReadCloser, func() (io.ReadCloser, error)) {
			get := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("data")), nil }
			b, _ := get()
			return b, get
		}, false},
		{"GET with a body that cannot be read again", "GET", func() (io.ReadCloser, func() (io.ReadCloser, error)) {
			return io.NopCloser(strings.NewReader("data")), nil
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dials atomic.Int32
			client := &http.Client{Transport: countingTransport(&dials)}
			virtualHub(t, func(ctx context.Context) error {
				l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
				if err != nil {
					return err
				}
				defer l.Close()
				corio.Spawn(ctx, func(ctx context.Context) error {
					for first := true; ; first = false {
						c, err := l.AcceptConn()
						if err != nil {
							return nil
						}
						corio.Spawn(ctx, func(ctx context.Context) error {
							defer c.Close()
							br := bufio.NewReader(c)
							for n := 0; ; n++ {
								req, err := http.ReadRequest(br)
								if err != nil {
									return nil
								}
								io.Copy(io.Discard, req.Body)
								if first && n == 1 {
									return nil // the second request on the first connection: no answer
								}
								c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
							}
						})
					}
				})
				url := "http://" + l.Addr().String() + "/"
				if status, body, err := get(ctx, client, url); err != nil || status != 200 || body != "ok" {
					return fmt.Errorf("first request: %d %q %v", status, body, err)
				}
				req, _ := http.NewRequestWithContext(ctx, tc.method, url, nil)
				if tc.body != nil {
					req.Body, req.GetBody = tc.body()
				}
				if strings.Contains(tc.name, "Idempotency-Key") {
					req.Header.Set("Idempotency-Key", "k1")
				}
				body := req.Body
				resp, err := client.Do(req)
				if req.Body != body {
					t.Error("the caller's request was changed")
				}
				wantDials := int32(1)
				if tc.retried {
					wantDials = 2
					if err != nil {
						return fmt.Errorf("the request to retry: %v", err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(b) != "ok" {
						t.Errorf("retried request: body %q", b)
					}
				} else if err == nil || !strings.Contains(err.Error(), "the server closed the connection") || !errors.Is(err, io.EOF) {
					t.Errorf("err = %v, want the server's close", err)
				}
				if n := dials.Load(); n != wantDials {
					t.Errorf("%d dials, want %d", n, wantDials)
				}
				return nil
			})
		})
	}
}

// Under MaxConnsPerHost a request waits for a connection, and its context
// ends the wait; CloseIdleConnections closes the idle ones.
func TestConnLimitWaitAndCloseIdle(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	var dials atomic.Int32
	tr := countingTransport(&dials)
	tr.MaxConnsPerHost = 1
	client := &http.Client{Transport: tr}
	virtualHub(t, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		held, err := client.Do(req) // holds the only connection until its body is closed
		if err != nil {
			return err
		}
		wctx, cancel := corio.WithTimeout(ctx, time.Second)
		defer cancel()
		t0 := corio.Now(ctx)
		if _, _, err := get(wctx, client, srv.URL); !errors.Is(err, context.DeadlineExceeded) || corio.Now(ctx).Sub(t0) != time.Second {
			t.Errorf("waiting at the limit: %v after %v, want DeadlineExceeded after 1s", err, corio.Now(ctx).Sub(t0))
		}
		// A waiter gets the connection when the body is closed.
		waiter := corio.SpawnValue(ctx, func(ctx context.Context) (string, error) {
			_, body, err := get(ctx, client, srv.URL)
			return body, err
		})
		corio.Sleep(ctx, 0)
		io.ReadAll(held.Body)
		held.Body.Close()
		if body, err := waiter.Get(ctx); err != nil || body != "ok" {
			t.Errorf("waiter: %q %v", body, err)
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("%d dials, want 1", n)
		}
		done := make(chan struct{})
		go func() { tr.CloseIdleConnections(); close(done) }() // from another goroutine
		<-done
		corio.Sleep(ctx, time.Millisecond) // the hub runs what was submitted
		if _, _, err := get(ctx, client, srv.URL); err != nil {
			return err
		}
		if n := dials.Load(); n != 2 {
			t.Errorf("after CloseIdleConnections: %d dials, want 2", n)
		}
		return nil
	})
}

// A proxy that refuses CONNECT with a body it does not finish sending is
// not waited for: the connection is closed at once, the refusal reported.
func TestConnectRefusalNotDrained(t *testing.T) {
	leakcheck.Check(t)
	virtualHub(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		// The rest of the body does not come before an hour.
		answerAndHold(ctx, l, []byte("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 1000000\r\n\r\nonly the start"), time.Hour)
		proxyURL, _ := neturl.Parse("http://" + l.Addr().String())
		client := &http.Client{Transport: &chttp.Transport{Proxy: http.ProxyURL(proxyURL)}}
		t0 := corio.Now(ctx)
		_, _, err = get(ctx, client, "https://example.com/")
		if err == nil || !strings.Contains(err.Error(), "407 Proxy Authentication Required") {
			t.Errorf("err = %v, want the refusal", err)
		}
		if d := corio.Now(ctx).Sub(t0); d != 0 {
			t.Errorf("the refusal took %v, want no wait", d)
		}
		return nil
	})
}
