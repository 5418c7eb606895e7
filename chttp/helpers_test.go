package chttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// hub runs main on a hub on the real clock (the servers here are net/http's,
// on goroutines of their own) and fails the test on its error. The
// Transport's pool ends with the hub: no connection may be left open.
func hub(t *testing.T, main func(ctx context.Context) error) {
	t.Helper()
	hubtest.Must(t, main)
}

// virtualHub is hub on the virtual clock: for waits that only a timeout
// ends (the server never answers), which then take no time.
func virtualHub(t *testing.T, main func(ctx context.Context) error) {
	t.Helper()
	hubtest.Virtual(t, main)
}

// server starts an httptest server for handler, closed when the test
// ends (tests call leakcheck.Check first, so the check comes after).
func server(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

// countingTransport is a Transport whose dials are counted.
func countingTransport(dials *atomic.Int32) *chttp.Transport {
	return &chttp.Transport{Dial: func(ctx context.Context, network, addr string) (*cnet.Conn, error) {
		dials.Add(1)
		return cnet.Dial(ctx, network, addr)
	}}
}

// get does a GET with ctx and returns the status and the whole body.
func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, body, err := do(c, req)
	if resp == nil {
		return 0, "", err
	}
	return resp.StatusCode, body, err
}

// do sends req and reads and closes the response's body, returned with
// the response (nil if none came) and the first error.
func do(c *http.Client, req *http.Request) (*http.Response, string, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}
