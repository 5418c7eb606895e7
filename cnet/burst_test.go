package cnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/syncbuf"
	seedserver "github.com/corio-go/corio/internal/fixture/upper"
)

// closings records what BurstHandler.Closed was told, from every hub.
type closings struct {
	mu   sync.Mutex
	errs []error
	all  chan struct{} // closed once want have been told
	want int
}

func newClosings(want int) *closings { return &closings{all: make(chan struct{}), want: want} }

func (cl *closings) add(err error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.errs = append(cl.errs, err)
	if len(cl.errs) == cl.want {
		close(cl.all)
	}
}

func (cl *closings) wait(t *testing.T) []error {
	t.Helper()
	select {
	case <-cl.all:
	case <-time.After(10 * time.Second):
		t.Fatalf("Closed told %d times, want %d", len(cl.errs), cl.want)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return slices.Clone(cl.errs)
}

// upperBursts is the seed's handler burst by burst, recording Closed.
type upperBursts struct {
	seedserver.Bursts
	cl *closings
}

func (u upperBursts) Closed(_ *cnet.Conn, err error) { u.cl.add(err) }

// handlerFuncs makes a BurstHandler of two functions.
type handlerFuncs struct {
	burst  func(ctx context.Context, c *cnet.Conn) error
	closed func(c *cnet.Conn, err error)
}

func (h handlerFuncs) Burst(ctx context.Context, c *cnet.Conn) error { return h.burst(ctx, c) }
func (h handlerFuncs) Closed(c *cnet.Conn, err error)                { h.closed(c, err) }

// opener is handlerFuncs with an Open.
type opener struct {
	handlerFuncs
	open func(ctx context.Context, c *cnet.Conn) error
}

func (o opener) Open(ctx context.Context, c *cnet.Conn) error { return o.open(ctx, c) }

func startBursts(t *testing.T, srv *cnet.StreamServer) string {
	t.Helper()
	if srv.Addr == "" {
		srv.Addr = "127.0.0.1:0"
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.ListenAddr().String()
}

// A topology is how a StreamServer spreads its connections over hubs:
// the shapes the server's tests run each case in.
type topology struct {
	name   string
	hubs   int
	single bool // SingleAcceptor
}

var topologies = []topology{
	{"one hub", 1, false},
	{"a listener per hub", 2, false},
	{"one acceptor handing over", 2, true},
}

func TestBurstsServeEveryMessage(t *testing.T) {
	for _, tc := range topologies {
		t.Run(tc.name, func(t *testing.T) {
			const clients, messages = 20, 30
			cl := newClosings(clients)
			srv := &cnet.StreamServer{Hubs: tc.hubs, SingleAcceptor: tc.single,
				Bursts: func(*cnet.Conn) cnet.BurstHandler { return upperBursts{cl: cl} }}
			addr := startBursts(t, srv)
			var wg sync.WaitGroup
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := net.Dial("tcp", addr)
					if err != nil {
						t.Error(err)
						return
					}
					defer c.Close()
					for j := range messages {
						exchangeOrFail(t, c, fmt.Sprintf("client %d message %d", i, j))
					}
				}()
			}
			wg.Wait()
			for _, err := range cl.wait(t) {
				if err != nil {
					t.Errorf("Closed after the client closed: %v, want nil", err)
				}
			}
		})
	}
}

// What comes while a burst runs, and what a burst leaves unread, makes
// the next burst; the messages are answered in order.
func TestBurstsServeWhatIsLeftInOrder(t *testing.T) {
	cl := newClosings(1)
	srv := &cnet.StreamServer{Hubs: 1, Bursts: func(*cnet.Conn) cnet.BurstHandler {
		return handlerFuncs{
			burst: func(ctx context.Context, c *cnet.Conn) error {
				b := make([]byte, 3) // less than what came
				if _, err := io.ReadFull(c, b); err != nil {
					return err
				}
				corio.Sleep(ctx, time.Millisecond) // more comes meanwhile
				_, err := c.Write(bytes.ToUpper(b))
				return err
			},
			closed: func(_ *cnet.Conn, err error) { cl.add(err) },
		}
	}}
	c, err := net.Dial("tcp", startBursts(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("abcdef"))
	c.Write([]byte("ghi"))
	got := make([]byte, 9)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "ABCDEFGHI" {
		t.Fatalf("replies %q, %v", got, err)
	}
	c.Close()
	if errs := cl.wait(t); errs[0] != nil {
		t.Errorf("Closed = %v, want nil", errs[0])
	}
}

// A Burst that returns nil without reading the peer's EOF does not make
// the connection spin: it is closed as the peer closed it.
func TestBurstsEndAtThePeersClose(t *testing.T) {
	cl := newClosings(1)
	bursts := 0
	srv := &cnet.StreamServer{Hubs: 1, Bursts: func(*cnet.Conn) cnet.BurstHandler {
		return handlerFuncs{
			burst: func(ctx context.Context, c *cnet.Conn) error {
				bursts++
				b := make([]byte, 64)
				n, err := c.Read(b)
				if err == nil {
					c.Write(b[:n])
				}
				return nil // even at EOF
			},
			closed: func(_ *cnet.Conn, err error) { cl.add(err) },
		}
	}}
	c, err := net.Dial("tcp", startBursts(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	exchangeEcho(t, c, "one")
	c.(*net.TCPConn).CloseWrite()
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err)
	}
	if errs := cl.wait(t); errs[0] != nil {
		t.Errorf("Closed = %v, want nil", errs[0])
	}
	if bursts > 3 {
		t.Errorf("%d bursts for one message and an EOF", bursts)
	}
}

func exchangeEcho(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.Write([]byte(msg))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo of %q = %q, %v", msg, got, err)
	}
}

var errBye = errors.New("bye")

// The ends of a connection: what Burst, Open or a panic say reaches
// Closed, and the client sees the connection closed.
func TestBurstsEnds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler cnet.BurstHandler
		want    error  // errors.Is the error told to Closed
		logged  string // in the server's log
		greet   string // what the client reads before it sends
	}{
		{name: "Burst's error", want: errBye, handler: handlerFuncs{
			burst: func(ctx context.Context, c *cnet.Conn) error { return errBye },
		}},
		{name: "Burst's panic", logged: "panicked: burst bug", handler: handlerFuncs{
			burst: func(ctx context.Context, c *cnet.Conn) error { panic("burst bug") },
		}},
		{name: "Open's error", want: errBye, handler: opener{handlerFuncs{}, func(ctx context.Context, c *cnet.Conn) error { return errBye }}},
		{name: "Open's greeting, then Burst's error", want: errBye, greet: "hello", handler: opener{
			handlerFuncs{burst: func(ctx context.Context, c *cnet.Conn) error { return errBye }},
			func(ctx context.Context, c *cnet.Conn) error { _, err := c.Write([]byte("hello")); return err },
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := newClosings(1)
			var logged syncBuffer
			srv := &cnet.StreamServer{Hubs: 1, ErrorLog: log.New(&logged, "", 0),
				Bursts: func(*cnet.Conn) cnet.BurstHandler { return withClosed(tc.handler, cl) }}
			c, err := net.Dial("tcp", startBursts(t, srv))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if tc.greet != "" {
				got := make([]byte, len(tc.greet))
				if _, err := io.ReadFull(c, got); err != nil || string(got) != tc.greet {
					t.Fatalf("greeting %q, %v", got, err)
				}
			}
			c.Write([]byte("x"))
			if n, err := c.Read(make([]byte, 1)); n != 0 || !isClosedByPeer(err) {
				t.Errorf("read from the ended connection = %d, %v", n, err)
			}
			err = cl.wait(t)[0]
			if tc.want != nil && !errors.Is(err, tc.want) || tc.want == nil && err == nil {
				t.Errorf("Closed = %v, want %v", err, tc.want)
			}
			if !strings.Contains(logged.String(), tc.logged) {
				t.Errorf("log %q, want %q in it", logged.String(), tc.logged)
			}
		})
	}
}

func isClosedByPeer(err error) bool {
	return err == io.EOF || errors.Is(err, syscallECONNRESET)
}

// withClosed makes h's Closed record into cl.
func withClosed(h cnet.BurstHandler, cl *closings) cnet.BurstHandler {
	switch h := h.(type) {
	case handlerFuncs:
		h.closed = func(_ *cnet.Conn, err error) { cl.add(err) }
		return h
	case opener:
		h.closed = func(_ *cnet.Conn, err error) { cl.add(err) }
		return h
	}
	panic("withClosed of a " + fmt.Sprintf("%T", h))
}

// syncBuffer is a log the hubs write while the test reads it.
type syncBuffer = syncbuf.Buffer

func TestBurstsNilHandlerIsLoggedAndClosed(t *testing.T) {
	var logged syncBuffer
	srv := &cnet.StreamServer{Hubs: 1, ErrorLog: log.New(&logged, "", 0),
		Bursts: func(*cnet.Conn) cnet.BurstHandler { return nil }}
	c, err := net.Dial("tcp", startBursts(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, err := c.Read(make([]byte, 1)); n != 0 || !isClosedByPeer(err) {
		t.Errorf("read = %d, %v; want the connection closed", n, err)
	}
	srv.Close()
	if !strings.Contains(logged.String(), "nil BurstHandler") {
		t.Errorf("log %q", logged.String())
	}
}

// Shutdown closes the connections waiting between bursts at once, lets
// the bursts in progress finish, and tells Closed ErrServerClosed; Close
// kills the bursts in progress.
func TestBurstsShutdownAndClose(t *testing.T) {
	for _, graceful := range []bool{true, false} {
		t.Run(fmt.Sprintf("graceful=%v", graceful), func(t *testing.T) {
			cl := newClosings(2)
			inBurst := make(chan struct{})
			srv := &cnet.StreamServer{Hubs: 1, Bursts: func(*cnet.Conn) cnet.BurstHandler {
				return handlerFuncs{
					burst: func(ctx context.Context, c *cnet.Conn) error {
						b := make([]byte, 16)
						n, err := c.Read(b)
						if err != nil {
							return err
						}
						if string(b[:n]) == "slow" {
							close(inBurst)
							if err := corio.Sleep(ctx, 200*time.Millisecond); err != nil {
								return err
							}
						}
						_, err = c.Write(bytes.ToUpper(b[:n]))
						return err
					},
					closed: func(_ *cnet.Conn, err error) { cl.add(err) },
				}
			}}
			addr := startBursts(t, srv)
			idle, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			exchangeOrFail(t, idle, "idle")
			busy, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			busy.Write([]byte("slow"))
			<-inBurst
			if graceful {
				go srv.Shutdown(context.Background())
			} else {
				go srv.Close()
			}
			if n, err := idle.Read(make([]byte, 1)); n != 0 || !isClosedByPeer(err) {
				t.Errorf("idle connection read = %d, %v; want it closed", n, err)
			}
			reply, err := io.ReadAll(busy)
			switch {
			case graceful && string(reply) != "SLOW":
				t.Errorf("the burst in progress answered %q, %v; want SLOW", reply, err)
			case !graceful && len(reply) != 0:
				t.Errorf("the killed burst answered %q", reply)
			}
			if err := srv.Wait(); !errors.Is(err, cnet.ErrServerClosed) {
				t.Errorf("Wait = %v", err)
			}
			// The idle connection is told ErrServerClosed; the busy one
			// too after its burst (Shutdown), or its burst's error when
			// killed (Close). The two may be told in either order.
			var closed, canceled int
			for _, err := range cl.wait(t) {
				switch {
				case errors.Is(err, cnet.ErrServerClosed):
					closed++
				case errors.Is(err, context.Canceled):
					canceled++
				default:
					t.Errorf("Closed told %v", err)
				}
			}
			if graceful && closed != 2 || !graceful && (closed != 1 || canceled != 1) {
				t.Errorf("Closed told ErrServerClosed %d times and context.Canceled %d times", closed, canceled)
			}
		})
	}
}

// Connections between bursts hold no goroutine: a thousand idle ones
// leave the count where one left it.
func TestBurstsHoldNoGoroutineWhileIdle(t *testing.T) {
	cl := newClosings(1000)
	srv := &cnet.StreamServer{Hubs: 1, Bursts: func(*cnet.Conn) cnet.BurstHandler { return upperBursts{cl: cl} }}
	addr := startBursts(t, srv)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var after1 int
	for i := range 1000 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		exchangeOrFail(t, c, "hello")
		if i == 0 {
			after1 = runtime.NumGoroutine()
		}
	}
	if n := runtime.NumGoroutine(); n > after1 {
		t.Errorf("%d goroutines with 1000 idle connections, %d with one", n, after1)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	cl.wait(t)
}
