package chttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// The server's read timeouts, on the virtual clock: client and server
// share one hub, the server's side driven burst by burst as
// cnet.StreamServer drives it, so that time jumps only when both wait.
func TestServerTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		srv    *Server
		client func(ctx context.Context, c *cnet.Conn) // what the client sends, when
		want   []string                                // what happened, at what virtual time
	}{
		{
			name: "header cut short: no answer after ReadHeaderTimeout",
			srv:  &Server{ReadHeaderTimeout: 2 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {
				io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\n")
			},
			want: []string{"connection ended (timeout) at 2s", "client read EOF at 2s"},
		},
		{
			name: "header in two parts within ReadHeaderTimeout: served",
			srv:  &Server{ReadHeaderTimeout: 2 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {
				io.WriteString(c, "GET /x HTTP/1.1\r\n")
				corio.Sleep(ctx, time.Second)
				io.WriteString(c, "Host: x\r\nConnection: close\r\n\r\n")
			},
			want: []string{"handler /x at 1s", "connection ended (closed after the response) at 1s", "client read 200 at 1s"},
		},
		{
			name: "body too slow: the handler's read fails at ReadTimeout",
			srv:  &Server{ReadHeaderTimeout: time.Second, ReadTimeout: 3 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {
				io.WriteString(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf.")
			},
			want: []string{"handler /x at 0s", "body read failed (timeout) at 3s", "connection ended (closed after the response) at 3s", "client read 400 at 3s"},
		},
		{
			name:   "nothing sent: closed at ReadHeaderTimeout, as net/http does",
			srv:    &Server{ReadHeaderTimeout: 2 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {},
			want:   []string{"wait for data ended (timeout) at 2s", "client read EOF at 2s"},
		},
		{
			name:   "nothing sent, IdleTimeout longer: closed at ReadHeaderTimeout",
			srv:    &Server{ReadHeaderTimeout: 2 * time.Second, IdleTimeout: time.Minute},
			client: func(ctx context.Context, c *cnet.Conn) {},
			want:   []string{"wait for data ended (timeout) at 2s", "client read EOF at 2s"},
		},
		{
			name:   "nothing sent, ReadTimeout alone: closed at ReadTimeout",
			srv:    &Server{ReadTimeout: 3 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {},
			want:   []string{"wait for data ended (timeout) at 3s", "client read EOF at 3s"},
		},
		{
			name: "first header counted from the connection's start",
			srv:  &Server{ReadHeaderTimeout: 2 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {
				corio.Sleep(ctx, 1500*time.Millisecond)
				io.WriteString(c, "GET /x HTTP/1.1\r\n")
			},
			want: []string{"connection ended (timeout) at 2s", "client read EOF at 2s"},
		},
		{
			name: "after the first request, IdleTimeout bounds the wait",
			srv:  &Server{ReadHeaderTimeout: 2 * time.Second, IdleTimeout: 10 * time.Second},
			client: func(ctx context.Context, c *cnet.Conn) {
				io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
				resp, err := http.ReadResponse(newReader(c), nil)
				if err == nil {
					resp.Body.Close()
				}
			},
			want: []string{"handler /x at 0s", "wait for data ended (timeout) at 10s", "client read EOF at 10s"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var events []string
			var start time.Time
			note := func(ctx context.Context, format string, args ...any) {
				events = append(events, sprintf(format, append(args, corio.Now(ctx).Sub(start))...))
			}
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				note(r.Context(), "handler %s at %v", r.URL.Path)
				if r.Method == "POST" {
					if _, err := io.ReadAll(r.Body); err != nil {
						note(r.Context(), "body read failed (%s) at %v", timeoutWord(err))
						w.Header().Set("Connection", "close")
						w.WriteHeader(400)
						return
					}
				}
			})
			tc.srv.Handler = handler
			cfg := tc.srv.connConfig(nil)
			err := corio.Run(context.Background(), func(ctx context.Context) error {
				start = corio.Now(ctx)
				l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
				if err != nil {
					return err
				}
				defer l.Close()
				client, err := cnet.Dial(ctx, "tcp", l.Addr().String())
				if err != nil {
					return err
				}
				defer client.Close()
				server, err := l.AcceptConn()
				if err != nil {
					return err
				}
				if cfg.idleTimeout > 0 { // as cnet.StreamServer sets it on what it accepts
					server.SetIdleTimeout(cfg.idleTimeout)
				}
				corio.Spawn(ctx, func(ctx context.Context) error { // the server's side
					defer server.Close()
					sc := newServerConn(cfg, server)
					for {
						if err := server.WaitReadable(); err != nil {
							note(ctx, "wait for data ended (%s) at %v", timeoutWord(err))
							return nil
						}
						if err := sc.Burst(ctx, server); err != nil {
							note(ctx, "connection ended (%s) at %v", endWord(err))
							return nil
						}
					}
				})
				tc.client(ctx, client)
				resp, err := http.ReadResponse(newReader(client), nil)
				if err != nil {
					note(ctx, "client read %s at %v", eofWord(err))
					return nil
				}
				note(ctx, "client read %d at %v", resp.StatusCode)
				return nil
			}, corio.VirtualClock())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(events, tc.want) {
				t.Errorf("events:\n got %q\nwant %q", events, tc.want)
			}
		})
	}
}

func timeoutWord(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

func endWord(err error) string {
	switch {
	case errors.Is(err, errCloseConn):
		return "closed after the response"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return err.Error()
}

func eofWord(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "EOF"
	}
	return err.Error()
}

// On a real server, through cnet's wait between bursts: a connection that
// never sends a byte is closed at ReadHeaderTimeout even with a longer
// IdleTimeout.
func TestServerClosesASilentConnection(t *testing.T) {
	srv := &Server{Addr: "127.0.0.1:0", Hubs: 1, ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: time.Hour,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("tcp", srv.ListenAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read on a silent connection = %d, %v; want EOF once the server closes it", n, err)
	}
}
