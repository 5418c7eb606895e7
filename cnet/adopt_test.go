package cnet_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// A listener from package net, adopted, accepts cooperatively; closing
// the adopted one leaves the original open.
func TestAdoptListener(t *testing.T) {
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	err = corio.Run(context.Background(), func(ctx context.Context) error {
		l, err := cnet.AdoptListener(ctx, nl)
		if err != nil {
			return err
		}
		if l.Addr().String() != nl.Addr().String() {
			t.Errorf("Addr %v, want %v", l.Addr(), nl.Addr())
		}
		corio.Spawn(ctx, func(ctx context.Context) error {
			c, err := cnet.Dial(ctx, "tcp", nl.Addr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = io.WriteString(c, "hi")
			return err
		})
		c, err := l.AcceptConn()
		if err != nil {
			return err
		}
		defer c.Close()
		b, err := io.ReadAll(c)
		if string(b) != "hi" || err != nil {
			t.Errorf("read %q, %v", b, err)
		}
		return l.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() { // the original still accepts
		if c, err := net.Dial("tcp", nl.Addr().String()); err == nil {
			c.Close()
		}
	}()
	c, err := nl.Accept()
	if err != nil {
		t.Fatalf("the original listener after the adopted one closed: %v", err)
	}
	c.Close()
}
