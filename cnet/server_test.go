package cnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
	seedserver "github.com/corio-go/corio/internal/fixture/upper"
)

// upper is the seed's handler: read up to 1024 bytes, answer them
// upper-cased, until EOF.
func upper(ctx context.Context, c net.Conn) { seedserver.Serve(c, nil) }

// roundTrip dials addr with package net and checks one exchange.
func roundTrip(t *testing.T, addr, msg string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	exchangeOrFail(t, c, msg)
}

func TestStreamServerOnTwoHubs(t *testing.T) {
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Handler: upper, Hubs: 2}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		roundTrip(t, srv.ListenAddr().String(), strings.Repeat("x", i+1))
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); !errors.Is(err, cnet.ErrServerClosed) {
		t.Fatalf("Wait = %v", err)
	}
	if _, err := net.Dial("tcp", srv.ListenAddr().String()); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
	if err := srv.Start(); err == nil {
		t.Fatal("started twice")
	}
}

func TestStreamServerHandlerPanicIsLogged(t *testing.T) {
	var logged bytes.Buffer
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 1, ErrorLog: log.New(&logged, "", 0),
		Handler: func(ctx context.Context, c net.Conn) {
			buf := make([]byte, 10)
			n, _ := c.Read(buf)
			if string(buf[:n]) == "panic" {
				panic("handler bug")
			}
			c.Write(bytes.ToUpper(buf[:n]))
			upper(ctx, c)
		}}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.ListenAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("panic"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("read from a connection whose handler panicked = %d, %v", n, err)
	}
	c.Close()
	roundTrip(t, srv.ListenAddr().String(), "still on")
	srv.Close() // the log is read once the hubs are done with it
	if !strings.Contains(logged.String(), "panicked: handler bug") {
		t.Fatalf("log: %q", logged.String())
	}
}

func TestStreamServerShutdownWaitsThenKills(t *testing.T) {
	started, ended := make(chan struct{}, 2), make(chan struct{}, 2)
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 1, Handler: func(ctx context.Context, c net.Conn) {
		defer func() { ended <- struct{}{} }()
		started <- struct{}{}
		c.Read(make([]byte, 1)) // until the client writes, or the handler is killed
	}}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c1, _ := net.Dial("tcp", srv.ListenAddr().String())
	defer c1.Close()
	c2, _ := net.Dial("tcp", srv.ListenAddr().String())
	defer c2.Close()
	<-started
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	shut := make(chan error)
	go func() { shut <- srv.Shutdown(ctx) }()
	c1.Write([]byte("x")) // the first handler ends on its own
	<-ended
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned with a handler still running: %v", err)
	default:
	}
	cancel() // the second never would: Shutdown kills it
	if err := <-shut; !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v", err)
	}
	<-ended
	if err := srv.Wait(); !errors.Is(err, cnet.ErrServerClosed) {
		t.Fatalf("Wait = %v", err)
	}
}

func TestStreamServerMaxConns(t *testing.T) {
	// With a listener per hub, MaxConns is split among the hubs, and which
	// hub a connection reaches is the kernel's choice: the exact bound is
	// checked on one hub.
	for _, tc := range []topology{
		{"listener per hub", 1, false},
		{"single acceptor", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) { testMaxConns(t, tc.hubs, tc.single) })
	}
}

func testMaxConns(t *testing.T, hubs int, single bool) {
	var open, most atomic.Int32
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: hubs, SingleAcceptor: single, MaxConns: 2, Handler: func(ctx context.Context, c net.Conn) {
		n := open.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		defer open.Add(-1)
		upper(ctx, c)
	}}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", srv.ListenAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The third is served only once one of the first two closes.
	conns[2].SetReadDeadline(time.Now().Add(10 * time.Second))
	conns[2].Write([]byte("third"))
	conns[0].Close()
	reply := make([]byte, 5)
	if _, err := io.ReadFull(conns[2], reply); err != nil || string(reply) != "THIRD" {
		t.Fatalf("third reply %q, %v", reply, err)
	}
	conns[1].Close()
	conns[2].Close()
	if most.Load() > 2 {
		t.Fatalf("%d handlers at once, limit 2", most.Load())
	}
}

// TestStreamServerSingleAcceptor: one hub accepts and hands each
// connection to the hub serving the fewest, so six connections held at
// once on three hubs are served two by each; Close kills the handlers on
// every hub.
func TestStreamServerSingleAcceptor(t *testing.T) {
	for _, tc := range []struct{ network, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"unix", "server.sock"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			addr := tc.addr
			if tc.network == "unix" {
				addr = filepath.Join(t.TempDir(), addr)
			}
			goroutines := runtime.NumGoroutine()
			var mu sync.Mutex
			perHub := map[*corio.Hub]int{}
			srv := &cnet.StreamServer{Network: tc.network, Addr: addr, Hubs: 3, SingleAcceptor: true,
				Handler: func(ctx context.Context, c net.Conn) {
					mu.Lock()
					perHub[corio.HubOf(ctx)]++
					mu.Unlock()
					upper(ctx, c)
				}}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			var conns []net.Conn
			for i := range 6 {
				c, err := net.Dial(tc.network, srv.ListenAddr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				exchangeOrFail(t, c, fmt.Sprintf("hello %d", i))
				conns = append(conns, c)
			}
			mu.Lock()
			counts := slices.Sorted(maps.Values(perHub))
			mu.Unlock()
			if want := []int{2, 2, 2}; !slices.Equal(counts, want) {
				t.Errorf("connections per hub %v, want %v", counts, want)
			}
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			for i, c := range conns { // every handler was killed: its connection closed
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("connection %d after Close: Read = %d, %v", i, n, err)
				}
			}
			if err := srv.Wait(); !errors.Is(err, cnet.ErrServerClosed) {
				t.Fatalf("Wait = %v", err)
			}
			leakcheck.VerifyGoroutines(t, goroutines)
		})
	}
}

// exchangeOrFail is exchange for a test's own goroutine, bounded by a
// deadline.
func exchangeOrFail(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := exchange(c, msg); err != nil {
		t.Fatal(err)
	}
}

func TestStreamServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		srv  *cnet.StreamServer
		want string // in the error
	}{
		{"no handler", &cnet.StreamServer{Addr: "127.0.0.1:0"}, "no Handler"},
		{"bad address", &cnet.StreamServer{Addr: "nowhere", Handler: upper, Hubs: 2}, "missing port"},
		{"bad address, single acceptor", &cnet.StreamServer{Addr: "nowhere", Handler: upper, Hubs: 2, SingleAcceptor: true}, "missing port"},
		{"bad network", &cnet.StreamServer{Network: "udp", Addr: "127.0.0.1:0", Handler: upper}, `Network "udp"`},
		{"negative limit", &cnet.StreamServer{Addr: "127.0.0.1:0", Handler: upper, MaxConns: -1}, "MaxConns is -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goroutines := runtime.NumGoroutine()
			err := tc.srv.Start()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start = %v, want an error with %q", err, tc.want)
			}
			leakcheck.VerifyGoroutines(t, goroutines)
		})
	}
	var never cnet.StreamServer
	if never.Close() == nil || never.Shutdown(context.Background()) == nil {
		t.Fatal("a server never started stopped")
	}
}
