package cnet_test

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/corio-go/corio/cnet"
)

// A port someone listens on is an error naming the address and wrapping
// EADDRINUSE, as net.Listen's, whoever holds it: a listener of package
// net, or another StreamServer (whose hubs listen with SO_REUSEPORT, which
// a second server's would otherwise silently join, taking half the
// connections). The hubs of one server still share their port.
func TestStreamServerPortInUse(t *testing.T) {
	holders := []struct {
		name   string
		serves bool                      // answers as upper does
		hold   func(t *testing.T) string // listens on a loopback port, returns it
	}{
		{"net.Listen", false, func(t *testing.T) string {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l.Addr().String()
		}},
		{"a StreamServer of two hubs", true, func(t *testing.T) string {
			srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 2, Handler: upper}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			return srv.ListenAddr().String()
		}},
		{"a StreamServer with one acceptor", true, func(t *testing.T) string {
			srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 2, SingleAcceptor: true, Handler: upper}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			return srv.ListenAddr().String()
		}},
	}
	second := []struct {
		name string
		srv  func(addr string) *cnet.StreamServer
	}{
		{"two hubs", func(addr string) *cnet.StreamServer {
			return &cnet.StreamServer{Addr: addr, Hubs: 2, Handler: upper}
		}},
		{"one hub", func(addr string) *cnet.StreamServer {
			return &cnet.StreamServer{Addr: addr, Hubs: 1, Handler: upper}
		}},
		{"one acceptor", func(addr string) *cnet.StreamServer {
			return &cnet.StreamServer{Addr: addr, Hubs: 2, SingleAcceptor: true, Handler: upper}
		}},
	}
	for _, h := range holders {
		for _, sc := range second {
			t.Run(h.name+"/"+sc.name, func(t *testing.T) {
				addr := h.hold(t)
				srv := sc.srv(addr)
				err := srv.Start()
				if err == nil {
					srv.Close()
					t.Fatalf("a second server started on %s, held by %s", addr, h.name)
				}
				if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), addr) {
					t.Fatalf("Start = %v; want an error naming %s that wraps EADDRINUSE", err, addr)
				}
				if h.serves {
					for range 10 { // every connection reaches the first server, none the second
						roundTrip(t, addr, "served by the first")
					}
				}
			})
		}
	}
}
