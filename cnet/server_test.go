package cnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// upper is the seed's handler: read up to 1024 bytes, answer them
// upper-cased, until EOF.
func upper(ctx context.Context, c net.Conn) {
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(bytes.ToUpper(buf[:n])); err != nil {
			return
		}
	}
}

// roundTrip dials addr with package net and checks one exchange.
func roundTrip(t *testing.T, addr, msg string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte(msg))
	reply := make([]byte, len(msg))
	if _, err := io.ReadFull(c, reply); err != nil || string(reply) != strings.ToUpper(msg) {
		t.Fatalf("reply %q, %v", reply, err)
	}
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
	var open, most atomic.Int32
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 1, MaxConns: 2, Handler: func(ctx context.Context, c net.Conn) {
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

func TestStreamServerErrors(t *testing.T) {
	if err := (&cnet.StreamServer{Addr: "127.0.0.1:0"}).Start(); err == nil {
		t.Fatal("started without a handler")
	}
	if err := (&cnet.StreamServer{Addr: "nowhere", Handler: upper, Hubs: 2}).Start(); err == nil {
		t.Fatal("started on a bad address")
	}
	var never cnet.StreamServer
	if never.Close() == nil || never.Shutdown(context.Background()) == nil {
		t.Fatal("a server never started stopped")
	}
	_ = corio.ErrNoTask
}
