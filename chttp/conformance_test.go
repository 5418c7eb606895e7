package chttp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/bothnets"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// The HTTP server and client are checked on both networks: each case runs
// a chttp.Server and an http.Client over chttp.Transport in one hub, over
// loopback TCP and over package sim's simulated network, with the same
// code and the same expectations. Both run on the virtual clock, so the
// timeouts are exact.

type httpCase struct {
	name    string
	handler http.HandlerFunc
	// server sets the server's fields (its timeouts) before it starts.
	server func(s *chttp.Server)
	// client runs against base ("http://host:port") with c.
	client func(ctx context.Context, c *http.Client, base string) error
}

// echoAddr answers with the connection the request came on.
func echoAddr(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.RemoteAddr) }

// echoPath answers with the request's path.
func echoPath(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) }

var httpCases = []httpCase{
	{name: "keep-alive: two requests on one connection", handler: echoAddr,
		client: func(ctx context.Context, c *http.Client, base string) error {
			_, first, err := get(ctx, c, base+"/")
			if err != nil {
				return err
			}
			_, second, err := get(ctx, c, base+"/")
			return bothnets.Expect(err == nil && first == second, "connections %q then %q (%v); want the same", first, second, err)
		}},
	{name: "Connection: close ends the connection", handler: echoAddr,
		client: func(ctx context.Context, c *http.Client, base string) error {
			var addrs []string
			for range 2 {
				req, _ := http.NewRequestWithContext(ctx, "GET", base+"/", nil)
				req.Close = true
				resp, err := c.Do(req)
				if err != nil {
					return err
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err := bothnets.Expect(err == nil && resp.Close, "response: close=%v, %v; want the server to close too", resp.Close, err); err != nil {
					return err
				}
				addrs = append(addrs, string(b))
			}
			return bothnets.Expect(addrs[0] != addrs[1], "both requests came on %s", addrs[0])
		}},
	{name: "a request body larger than the buffers",
		handler: func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%d %v %v", len(b), bytes.Equal(b, pattern(len(b))), err)
		},
		client: func(ctx context.Context, c *http.Client, base string) error {
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/", bytes.NewReader(pattern(1<<20)))
			_, body, err := do(c, req)
			return bothnets.Expect(err == nil && body == "1048576 true <nil>", "server read %q (%v)", body, err)
		}},
	{name: "a response larger than the buffers",
		handler: func(w http.ResponseWriter, r *http.Request) { w.Write(pattern(4 << 20)) },
		client: func(ctx context.Context, c *http.Client, base string) error {
			_, body, err := get(ctx, c, base+"/")
			return bothnets.Expect(err == nil && body == string(pattern(4<<20)), "read %d bytes (%v); want 4 MiB as sent", len(body), err)
		}},
	{name: "chunked: parts flushed with a wait between",
		handler: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "first ")
			w.(http.Flusher).Flush()
			corio.Sleep(r.Context(), 100*time.Millisecond)
			io.WriteString(w, "second")
		},
		client: func(ctx context.Context, c *http.Client, base string) error {
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/", nil)
			resp, b, err := do(c, req)
			if err != nil {
				return err
			}
			return bothnets.Expect(b == "first second" && len(resp.TransferEncoding) == 1 && resp.TransferEncoding[0] == "chunked",
				"read %q (%v), transfer encoding %q", b, err, resp.TransferEncoding)
		}},
	{name: "HEAD: the length and no body",
		handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		},
		client: func(ctx context.Context, c *http.Client, base string) error {
			req, _ := http.NewRequestWithContext(ctx, "HEAD", base+"/", nil)
			resp, b, err := do(c, req)
			if err != nil {
				return err
			}
			return bothnets.Expect(resp.ContentLength == 5 && len(b) == 0, "length %d, body %q (%v)", resp.ContentLength, b, err)
		}},
	{name: "pipelining: two requests in one write, answered in order", handler: echoPath,
		client: func(ctx context.Context, c *http.Client, base string) error {
			conn, err := cnet.Dial(ctx, "tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				return err
			}
			defer conn.Close()
			conn.Write([]byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
			r := bufio.NewReader(conn)
			var got []string
			for range 2 {
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(resp.Body)
				got = append(got, string(b))
			}
			return bothnets.Expect(fmt.Sprint(got) == "[/a /b]", "answers %q; want /a then /b", got)
		}},
	{name: "ReadHeaderTimeout closes a connection that sends nothing", handler: echoPath,
		server: func(s *chttp.Server) { s.ReadHeaderTimeout = 2 * time.Second },
		client: func(ctx context.Context, c *http.Client, base string) error {
			return closedAfter(ctx, base, "", 2*time.Second)
		}},
	{name: "IdleTimeout closes a connection between requests", handler: echoPath,
		server: func(s *chttp.Server) { s.IdleTimeout = 5 * time.Second },
		client: func(ctx context.Context, c *http.Client, base string) error {
			return closedAfter(ctx, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5*time.Second)
		}},
	{name: "a client's deadline ends a slow request",
		handler: func(w http.ResponseWriter, r *http.Request) { corio.Sleep(r.Context(), 10*time.Second) },
		client: func(ctx context.Context, c *http.Client, base string) error {
			ctx, cancel := corio.WithTimeout(ctx, time.Second)
			defer cancel()
			start := corio.Now(ctx)
			_, _, err := get(ctx, c, base+"/")
			waited := corio.Now(ctx).Sub(start)
			return bothnets.Expect(errors.Is(err, context.DeadlineExceeded) && waited == time.Second, "%v after %v; want the deadline after 1s", err, waited)
		}},
}

// closedAfter dials base, sends what, reads what comes (an answer, if
// what was a request) and checks that the server closes the connection
// after the timeout: on the kernel at once, on the simulated network
// after the FIN's latency.
func closedAfter(ctx context.Context, base, what string, timeout time.Duration) error {
	conn, err := cnet.Dial(ctx, "tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.Write([]byte(what))
	r := bufio.NewReader(conn)
	if what != "" {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return err
		}
		io.ReadAll(resp.Body)
	}
	start := corio.Now(ctx)
	_, err = r.ReadByte()
	waited := corio.Now(ctx).Sub(start)
	return bothnets.Expect(err == io.EOF && waited >= timeout && waited < timeout+50*time.Millisecond,
		"read %v after %v; want EOF after %v", err, waited, timeout)
}

// pattern is n bytes that a shifted or dropped byte would change.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func TestHTTPAsOnTheKernel(t *testing.T) {
	for _, nw := range bothnets.All {
		for _, tc := range httpCases {
			t.Run(nw.Name+"/"+tc.name, func(t *testing.T) {
				hubtest.Must(t, func(ctx context.Context) error {
					srv := &chttp.Server{Addr: nw.Listen(0), Handler: tc.handler}
					if tc.server != nil {
						tc.server(srv)
					}
					serving, stop := corio.WithCancel(ctx)
					defer stop()
					served := corio.Spawn(serving, func(ctx context.Context) error { return srv.ServeIn(ctx) })
					for srv.ListenAddr() == nil && !served.Done() {
						corio.Sleep(ctx, 0)
					}
					if served.Done() {
						return served.Err()
					}
					tr := &chttp.Transport{}
					defer tr.CloseIdleConnections()
					if err := tc.client(ctx, &http.Client{Transport: tr}, "http://"+srv.ListenAddr().String()); err != nil {
						return err
					}
					stop()
					if err := served.Join(ctx); !errors.Is(err, chttp.ErrServerClosed) {
						return fmt.Errorf("ServeIn: %v; want ErrServerClosed", err)
					}
					return nil
				}, nw.Option())
			})
		}
	}
}
