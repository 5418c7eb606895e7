package cnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/bothnets"
)

// The simulated network's streams are checked against the kernel's: each
// case runs over loopback TCP and over package sim's network, with the
// same code and the same expectations.

type streamCase struct {
	name string
	// server serves the one connection accepted; client uses the one
	// dialled. Both run in tasks of the same hub.
	server func(ctx context.Context, c *cnet.Conn) error
	client func(ctx context.Context, c *cnet.Conn) error
}

var streamCases = []streamCase{
	{"close: data, then EOF",
		func(ctx context.Context, c *cnet.Conn) error { c.Write([]byte("hi")); return c.Close() },
		func(ctx context.Context, c *cnet.Conn) error {
			b, err := io.ReadAll(c)
			return bothnets.Expect(string(b) == "hi" && err == nil, "read %q, %v; want hi, EOF", b, err)
		}},
	{"half-close: the other way still carries",
		func(ctx context.Context, c *cnet.Conn) error {
			b, err := io.ReadAll(c)
			if err := bothnets.Expect(string(b) == "ask" && err == nil, "server read %q, %v", b, err); err != nil {
				return err
			}
			c.Write([]byte("answer"))
			return c.Close()
		},
		func(ctx context.Context, c *cnet.Conn) error {
			c.Write([]byte("ask"))
			c.CloseWrite()
			b, err := io.ReadAll(c)
			return bothnets.Expect(string(b) == "answer" && err == nil, "client read %q, %v", b, err)
		}},
	{"read deadline",
		func(ctx context.Context, c *cnet.Conn) error { io.ReadAll(c); return nil },
		func(ctx context.Context, c *cnet.Conn) error {
			c.SetReadDeadline(c.Now().Add(time.Second))
			start := corio.Now(ctx)
			_, err := c.Read(make([]byte, 8))
			waited := corio.Now(ctx).Sub(start)
			defer c.Close()
			return bothnets.Expect(errors.Is(err, os.ErrDeadlineExceeded) && waited == time.Second, "read: %v after %v", err, waited)
		}},
	{"backpressure: a writer waits while the peer does not read",
		func(ctx context.Context, c *cnet.Conn) error {
			corio.Sleep(ctx, 10*time.Second) // reads nothing meanwhile
			io.Copy(io.Discard, c)
			return nil
		},
		func(ctx context.Context, c *cnet.Conn) error {
			defer c.Close()
			c.SetWriteDeadline(c.Now().Add(time.Second))
			n, err := c.Write(make([]byte, 64<<20))
			return bothnets.Expect(errors.Is(err, os.ErrDeadlineExceeded) && n > 0 && n < 64<<20, "wrote %d, %v", n, err)
		}},
	{"pipelining: answers in order",
		func(ctx context.Context, c *cnet.Conn) error {
			defer c.Close()
			buf := make([]byte, 3)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return nil
				}
				c.Write(bytes.ToUpper(buf))
			}
		},
		func(ctx context.Context, c *cnet.Conn) error {
			c.Write([]byte("onetwosix"))
			got := make([]byte, 9)
			_, err := io.ReadFull(c, got)
			c.Close()
			return bothnets.Expect(string(got) == "ONETWOSIX" && err == nil, "read %q, %v", got, err)
		}},
	{"reset: closing with unread data resets",
		func(ctx context.Context, c *cnet.Conn) error {
			corio.Sleep(ctx, 100*time.Millisecond) // the client's data has come, unread
			return c.Close()
		},
		func(ctx context.Context, c *cnet.Conn) error {
			c.Write([]byte("unread"))
			_, err := c.Read(make([]byte, 8))
			c.Close()
			return bothnets.Expect(errors.Is(err, syscall.ECONNRESET), "read after the peer's reset: %v", err)
		}},
}

func TestStreamsAsTheKernels(t *testing.T) {
	for _, nw := range bothnets.All {
		for _, tc := range streamCases {
			t.Run(nw.Name+"/"+tc.name, func(t *testing.T) {
				err := corio.Run(t.Context(), func(ctx context.Context) error {
					l, err := cnet.Listen(ctx, "tcp", nw.Listen(0))
					if err != nil {
						return err
					}
					defer l.Close()
					srv := corio.Spawn(ctx, func(ctx context.Context) error {
						c, err := l.AcceptConn()
						if err != nil {
							return err
						}
						return tc.server(ctx, c)
					})
					c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
					if err != nil {
						return err
					}
					if err := tc.client(ctx, c); err != nil {
						return err
					}
					return srv.Join(ctx)
				}, nw.Option())
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestRefusedAsTheKernels(t *testing.T) {
	for _, nw := range bothnets.All {
		t.Run(nw.Name, func(t *testing.T) {
			err := corio.Run(t.Context(), func(ctx context.Context) error {
				l, err := cnet.Listen(ctx, "tcp", nw.Listen(0))
				if err != nil {
					return err
				}
				addr := l.Addr().String()
				l.Close()
				_, err = cnet.Dial(ctx, "tcp", addr)
				return bothnets.Expect(errors.Is(err, syscall.ECONNREFUSED), "dial a closed port: %v", err)
			}, nw.Option())
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
