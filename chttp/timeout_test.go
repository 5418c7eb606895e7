package chttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// stall answers nothing until the client goes away.
func stall(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// stallBody sends the header and part of the body, then nothing.
func stallBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100")
	io.WriteString(w, "first part")
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// silentListener accepts connections and never writes to them.
func silentListener(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
			go func() { // silent: reads, never writes, until the client goes
				io.Copy(io.Discard, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// Each step's timeout ends it after exactly its duration (virtual clock),
// with the step's error, which http.Client reports as a timeout.
func TestStepTimeouts(t *testing.T) {
	leakcheck.Check(t)
	silent := silentListener(t)
	stalled := server(t, stall)
	for _, tc := range []struct {
		name    string
		url     string
		tr      *chttp.Transport
		want    error
		elapsed time.Duration
	}{
		{"dial", "http://unreachable.test/", &chttp.Transport{
			DialTimeout: 2 * time.Second,
			Dial: func(ctx context.Context, network, addr string) (*cnet.Conn, error) {
				if err := corio.Sleep(ctx, time.Hour); err != nil {
					return nil, err
				}
				return nil, errors.New("slept an hour")
			},
		}, chttp.ErrDialTimeout, 2 * time.Second},
		{"TLS handshake", "https://" + silent + "/", &chttp.Transport{TLSHandshakeTimeout: 3 * time.Second},
			chttp.ErrTLSHandshakeTimeout, 3 * time.Second},
		{"response header", stalled.URL, &chttp.Transport{ResponseHeaderTimeout: 5 * time.Second},
			chttp.ErrResponseHeaderTimeout, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			virtualHub(t, func(ctx context.Context) error {
				t0 := corio.Now(ctx)
				_, _, err := get(ctx, &http.Client{Transport: tc.tr}, tc.url)
				if !errors.Is(err, tc.want) {
					t.Errorf("err = %v, want %v", err, tc.want)
				}
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("err = %v is not a timeout", err)
				}
				if d := corio.Now(ctx).Sub(t0); d != tc.elapsed {
					t.Errorf("failed after %v, want %v", d, tc.elapsed)
				}
				return nil
			})
		})
	}
}

// The request's context bounds every step, the body's reads included;
// cancelling it or killing the task ends the wait at once.
func TestRequestContext(t *testing.T) {
	leakcheck.Check(t)
	stalled := server(t, stall)
	client := &http.Client{Transport: &chttp.Transport{}}
	virtualHub(t, func(ctx context.Context) error {
		t0 := corio.Now(ctx)
		dctx, cancel := corio.WithTimeout(ctx, 7*time.Second)
		_, _, err := get(dctx, client, stalled.URL)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || corio.Now(ctx).Sub(t0) != 7*time.Second {
			t.Errorf("deadline: %v after %v, want DeadlineExceeded after 7s", err, corio.Now(ctx).Sub(t0))
		}

		cctx, cancel := corio.WithCancel(ctx)
		corio.AfterFunc(ctx, time.Second, cancel)
		_, _, err = get(cctx, client, stalled.URL)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v, want context.Canceled", err)
		}

		// Killing the task.
		task := corio.Spawn(ctx, func(ctx context.Context) error {
			_, _, err := get(ctx, client, stalled.URL)
			return err
		})
		corio.AfterFunc(ctx, time.Second, task.Kill)
		if err := task.Join(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("killed: %v, want context.Canceled", err)
		}
		return nil
	})
}

// http.Client's Timeout, whose timer runs on a goroutine of net/http's,
// ends a wait for the header and a read of the body (real clock). Either
// error is a timeout where callers look, at its top: url.Error's Timeout
// (and so os.IsTimeout) for the header, the body's error itself for the
// body. (http.Client words the message "Client.Timeout exceeded" only when
// its own timer wins the race with its context's, which it cannot tell
// for a RoundTripper not its own.)
func TestClientTimeout(t *testing.T) {
	leakcheck.Check(t)
	stalled := server(t, stall)
	stalledBody := server(t, stallBody)
	client := &http.Client{Transport: &chttp.Transport{}, Timeout: 200 * time.Millisecond}
	hub(t, func(ctx context.Context) error {
		_, _, err := get(ctx, client, stalled.URL)
		var ue *neturl.Error
		if !errors.As(err, &ue) || !ue.Timeout() {
			t.Errorf("header: err = %v, want a url.Error that is a timeout", err)
		}
		_, _, err = get(ctx, client, stalledBody.URL)
		if te, ok := err.(interface{ Timeout() bool }); !ok || !te.Timeout() {
			t.Errorf("body: err = %v (%T), want a timeout", err, err)
		}
		return nil
	})
}

// A deadline while the body is read ends the read (real clock: the server
// is on goroutines of its own, so the header must come first).
func TestBodyReadDeadline(t *testing.T) {
	leakcheck.Check(t)
	stalledBody := server(t, stallBody)
	client := &http.Client{Transport: &chttp.Transport{}}
	hub(t, func(ctx context.Context) error {
		bctx, cancel := corio.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(bctx, "GET", stalledBody.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "first part" || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("body: %q, %v; want the first part, then DeadlineExceeded", b, err)
		}
		return nil
	})
}
