package cnet_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/hubtest"
	seedserver "github.com/corio-go/corio/internal/fixture/upper"
)

// run runs main on a hub (virtual clock: the sockets here talk to tasks of
// the same hub) and fails the test on an error, or on a goroutine or a
// descriptor left over.
func run(t *testing.T, main func(ctx context.Context) error) {
	t.Helper()
	hubtest.Virtual(t, main)
}

// pair connects a client and a server Conn on a listener of its own.
func pair(ctx context.Context, network, addr string) (client, server *cnet.Conn, err error) {
	l, err := cnet.Listen(ctx, network, addr)
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	client, err = cnet.Dial(ctx, network, l.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	server, err = l.AcceptConn()
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, server, nil
}

// runListening runs body on a hub (see run) with a listener on addr,
// closed after.
func runListening(t *testing.T, network, addr string, body func(ctx context.Context, l *cnet.Listener) error) {
	t.Helper()
	run(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, network, addr)
		if err != nil {
			return err
		}
		defer l.Close()
		return body(ctx, l)
	})
}

// runPair runs body on a hub (see run) with a connected client and
// server, both closed after.
func runPair(t *testing.T, network, addr string, body func(ctx context.Context, client, server *cnet.Conn) error) {
	t.Helper()
	run(t, func(ctx context.Context) error {
		c, s, err := pair(ctx, network, addr)
		if err != nil {
			return err
		}
		defer c.Close()
		defer s.Close()
		return body(ctx, c, s)
	})
}

// exchange sends msg on c and checks that the reply is msg upper-cased,
// as the seed's server answers.
func exchange(c net.Conn, msg string) error {
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	reply := make([]byte, len(msg))
	if _, err := io.ReadFull(c, reply); err != nil {
		return err
	}
	if string(reply) != strings.ToUpper(msg) {
		return fmt.Errorf("reply %q to %q", reply, msg)
	}
	return nil
}

// dialSilent connects to a peer of its own that accepts and says
// nothing until it is killed (then it closes its side). The listener is
// closed once the connection is made.
func dialSilent(ctx context.Context) (*cnet.Conn, *corio.Task[struct{}], error) {
	l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	peer := corio.Spawn(ctx, func(ctx context.Context) error {
		c, err := l.AcceptConn()
		if err != nil {
			return err
		}
		defer c.Close()
		return corio.Sleep(ctx, time.Hour) // says nothing
	})
	c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	corio.Sleep(ctx, 0) // the peer has accepted
	return c, peer, nil
}

// upperServer accepts connections and answers each read with its
// upper-cased bytes until EOF, as the seed's server does.
func upperServer(ctx context.Context, l *cnet.Listener) error {
	for {
		c, err := l.AcceptConn()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		corio.Spawn(ctx, func(ctx context.Context) error {
			defer c.Close()
			seedserver.Serve(c, nil)
			return nil
		})
	}
}

func TestRoundTripsTCP(t *testing.T) {
	runListening(t, "tcp", "127.0.0.1:0", func(ctx context.Context, l *cnet.Listener) error {
		corio.Spawn(ctx, func(ctx context.Context) error { return upperServer(ctx, l) })
		var clients []corio.Joinable
		for i := range 50 {
			clients = append(clients, corio.Spawn(ctx, func(ctx context.Context) error {
				c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
				if err != nil {
					return err
				}
				defer c.Close()
				for n := range 5 {
					if err := exchange(c, fmt.Sprintf("client%d say hello %d", i, n)); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		return corio.JoinAll(ctx, clients...)
	})
}

func TestHalfCloseAndEOF(t *testing.T) {
	runListening(t, "tcp4", "127.0.0.1:0", func(ctx context.Context, l *cnet.Listener) error {
		corio.Spawn(ctx, func(ctx context.Context) error { return upperServer(ctx, l) })
		c, err := cnet.Dial(ctx, "tcp4", l.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("last words")); err != nil {
			return err
		}
		if err := c.CloseWrite(); err != nil {
			return err
		}
		// The server reads the words, then EOF, answers and closes.
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "LAST WORDS" {
			t.Errorf("ReadAll = %q, %v", got, err)
		}
		if n, err := c.Read(make([]byte, 4)); n != 0 || err != io.EOF {
			t.Errorf("Read after EOF = %d, %v", n, err)
		}
		if _, err := c.Write([]byte("x")); err == nil {
			t.Error("Write after CloseWrite succeeded")
		}
		return nil
	})
}

// TestShortReadThenEOF: data and the peer's FIN arrive under one edge
// while a reader waits; the reader's short read marks the socket drained,
// and the next Read must still find the EOF, which no new edge announces.
func TestShortReadThenEOF(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "s")
			}
			runPair(t, network, addr, func(ctx context.Context, client, server *cnet.Conn) error {
				if server.LocalAddr().String() != client.RemoteAddr().String() ||
					server.RemoteAddr().String() != client.LocalAddr().String() {
					t.Errorf("server %v <- %v, client %v -> %v", server.LocalAddr(), server.RemoteAddr(), client.LocalAddr(), client.RemoteAddr())
				}
				// Without the fix the second Read would wait for ever.
				if err := server.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
					return err
				}
				var reads []string
				reader := corio.Spawn(ctx, func(ctx context.Context) error {
					buf := make([]byte, 64)
					for {
						n, err := server.Read(buf)
						reads = append(reads, fmt.Sprintf("%q %v", buf[:n], err))
						if err != nil {
							return nil
						}
					}
				})
				if err := corio.Sleep(ctx, 0); err != nil { // the reader waits now
					return err
				}
				if _, err := client.Write([]byte("last")); err != nil {
					return err
				}
				if err := client.Close(); err != nil {
					return err
				}
				if err := reader.Join(ctx); err != nil {
					return err
				}
				want := []string{`"last" <nil>`, `"" EOF`}
				if fmt.Sprint(reads) != fmt.Sprint(want) {
					t.Errorf("reads = %q, want %q", reads, want)
				}
				return nil
			})
		})
	}
}

func TestReadDeadline(t *testing.T) {
	run(t, func(ctx context.Context) error {
		c, silent, err := dialSilent(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		start := corio.Now(ctx)
		c.SetReadDeadline(start.Add(3 * time.Second))
		_, err = c.Read(make([]byte, 10))
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Read past its deadline = %v", err)
		}
		if d := corio.Now(ctx).Sub(start); d != 3*time.Second {
			t.Errorf("the deadline fired after %v", d)
		}
		// A deadline in the past fails at once; the zero time clears it.
		c.SetReadDeadline(start)
		if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read with a past deadline = %v", err)
		}
		c.SetDeadline(time.Time{})
		silent.Kill()
		if n, err := c.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Errorf("Read after the deadline was cleared = %d, %v", n, err)
		}
		return nil
	})
}

// A deadline moved while a Read waits applies to that Read.
func TestDeadlineChangedWhileWaiting(t *testing.T) {
	run(t, func(ctx context.Context) error {
		c, silent, err := dialSilent(ctx)
		if err != nil {
			return err
		}
		defer silent.Kill()
		defer c.Close()
		start := corio.Now(ctx)
		corio.AfterFunc(ctx, time.Second, func() { c.SetReadDeadline(start.Add(2 * time.Second)) })
		if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read = %v", err)
		}
		if d := corio.Now(ctx).Sub(start); d != 2*time.Second {
			t.Errorf("Read ended after %v", d)
		}
		return nil
	})
}

func TestCloseDuringRead(t *testing.T) {
	run(t, func(ctx context.Context) error {
		c, silent, err := dialSilent(ctx)
		if err != nil {
			return err
		}
		defer silent.Kill()
		reader := corio.Spawn(ctx, func(ctx context.Context) error {
			_, err := c.Read(make([]byte, 10))
			return err
		})
		corio.Sleep(ctx, time.Second)
		closed := make(chan error)
		go func() { closed <- c.Close() }() // another goroutine, as net.Conn allows
		if err := <-closed; err != nil {    // (the hub waits a moment here)
			t.Errorf("Close = %v", err)
		}
		if err := reader.Join(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read when closed = %v", err)
		}
		if err := c.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close = %v", err)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close = %v", err)
		}
		return nil
	})
}

func TestAcceptDeadlineAndClose(t *testing.T) {
	run(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		l.SetDeadline(corio.Now(ctx).Add(time.Second))
		if _, err := l.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Accept past its deadline = %v", err)
		}
		l.SetDeadline(time.Time{})
		acceptor := corio.Spawn(ctx, func(ctx context.Context) error { _, err := l.Accept(); return err })
		corio.Sleep(ctx, time.Second)
		l.Close()
		if err := acceptor.Join(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept when closed = %v", err)
		}
		return nil
	})
}

func TestPeerReset(t *testing.T) {
	runListening(t, "tcp", "127.0.0.1:0", func(ctx context.Context, l *cnet.Listener) error {
		corio.Spawn(ctx, func(ctx context.Context) error {
			c, err := l.AcceptConn()
			if err != nil {
				return err
			}
			if _, err := c.Read(make([]byte, 1)); err != nil {
				return err
			}
			c.SetLinger(0) // close with a reset
			return c.Close()
		})
		c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("x")); err != nil {
			return err
		}
		_, err = c.Read(make([]byte, 10))
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("Read from a reset connection = %v", err)
		}
		return nil
	})
}

func TestDialErrors(t *testing.T) {
	run(t, func(ctx context.Context) error {
		// A port nobody listens on: find one by listening and closing.
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		addr := l.Addr().String()
		l.Close()
		if _, err := cnet.Dial(ctx, "tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Dial to a closed port = %v", err)
		}
		for _, tc := range []struct{ network, address, want string }{
			{"sctp", "127.0.0.1:1", "unknown network sctp"},
			{"tcp", "127.0.0.1", "missing port in address"},
			{"tcp6", "127.0.0.1:80", "tcp6 takes IPv6 addresses"},
			{"tcp4", "[::1]:80", "tcp4 takes IPv4 addresses"},
		} {
			if _, err := cnet.Dial(ctx, tc.network, tc.address); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Dial(%q, %q) = %v, want %q", tc.network, tc.address, err, tc.want)
			}
		}
		return nil
	})
}

func TestUnixSockets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	run(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "unix", path)
		if err != nil {
			return err
		}
		corio.Spawn(ctx, func(ctx context.Context) error { return upperServer(ctx, l) })
		c, err := cnet.Dial(ctx, "unix", path)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("over a unix socket")); err != nil {
			return err
		}
		reply := make([]byte, 18)
		if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "OVER A UNIX SOCKET" {
			t.Errorf("reply %q, %v", reply, err)
		}
		if c.RemoteAddr().String() != path || l.Addr().Network() != "unix" {
			t.Errorf("addresses %v %v", c.RemoteAddr(), l.Addr())
		}
		l.Close()
		return nil
	})
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

// HTTP over cnet with net/http's own parsing, and bufio on top.
func TestHTTPOverConn(t *testing.T) {
	runListening(t, "tcp", "127.0.0.1:0", func(ctx context.Context, l *cnet.Listener) error {
		corio.Spawn(ctx, func(ctx context.Context) error {
			c, err := l.AcceptConn()
			if err != nil {
				return err
			}
			defer c.Close()
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err != nil {
				return err
			}
			body := "you asked for " + req.URL.Path
			resp := &http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(body)),
				Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}}
			return resp.Write(c)
		})
		c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		req, _ := http.NewRequest("GET", "http://example.test/hello", nil)
		if err := req.Write(c); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || string(body) != "you asked for /hello" {
			t.Errorf("response %d %q, %v", resp.StatusCode, body, err)
		}
		return nil
	})
}

func TestUDPRoundTrip(t *testing.T) {
	run(t, func(ctx context.Context) error {
		srv, err := cnet.ListenPacket(ctx, "udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer srv.Close()
		corio.Spawn(ctx, func(ctx context.Context) error {
			buf := make([]byte, 1500)
			for {
				n, from, err := srv.ReadFrom(buf)
				if err != nil {
					return nil // closed
				}
				if _, err := srv.WriteTo(bytes.ToUpper(buf[:n]), from); err != nil {
					return err
				}
			}
		})
		cl, err := cnet.ListenPacket(ctx, "udp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer cl.Close()
		for _, msg := range []string{"one datagram", "another"} {
			if _, err := cl.WriteTo([]byte(msg), srv.LocalAddr()); err != nil {
				return err
			}
			buf := make([]byte, 100)
			n, from, err := cl.ReadFrom(buf)
			if err != nil || string(buf[:n]) != strings.ToUpper(msg) || from.String() != srv.LocalAddr().String() {
				t.Errorf("reply %q from %v, %v", buf[:n], from, err)
			}
		}
		cl.SetReadDeadline(corio.Now(ctx).Add(time.Second))
		if _, _, err := cl.ReadFrom(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("ReadFrom past its deadline = %v", err)
		}
		if _, err := cl.WriteTo([]byte("x"), &net.UnixAddr{Name: "/x"}); err == nil {
			t.Error("WriteTo a Unix address on UDP succeeded")
		}
		return nil
	})
}

func TestUnixgram(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	run(t, func(ctx context.Context) error {
		pa, err := cnet.ListenPacket(ctx, "unixgram", a)
		if err != nil {
			return err
		}
		defer pa.Close()
		pb, err := cnet.ListenPacket(ctx, "unixgram", b)
		if err != nil {
			return err
		}
		defer pb.Close()
		if _, err := pa.WriteTo([]byte("hi b"), pb.LocalAddr()); err != nil {
			return err
		}
		buf := make([]byte, 10)
		n, from, err := pb.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "hi b" || from.String() != a {
			t.Errorf("got %q from %v, %v", buf[:n], from, err)
		}
		return nil
	})
}

// Sockets left open when Run returns are closed with their hub (run checks
// that no descriptor is left).
func TestRunClosesLeftoverSockets(t *testing.T) {
	run(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		corio.Spawn(ctx, func(ctx context.Context) error { return upperServer(ctx, l) })
		for range 3 {
			c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
			if err != nil {
				return err
			}
			corio.Spawn(ctx, func(ctx context.Context) error {
				_, err := c.Read(make([]byte, 1)) // waits when Run ends
				return err
			})
		}
		return corio.Sleep(ctx, time.Second)
	})
}
