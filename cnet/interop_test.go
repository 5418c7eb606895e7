package cnet_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/testcert"
	seedserver "github.com/corio-go/corio/internal/fixture/upper"
)

// A client of package net, on plain goroutines, against a cnet server.
func TestStdlibClientAgainstCnetServer(t *testing.T) {
	addrs := make(chan string, 1)
	var done corio.Future[struct{}]
	hubErr := make(chan error, 1)
	go func() {
		hubErr <- corio.Run(context.Background(), func(ctx context.Context) error {
			l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			defer l.Close()
			addrs <- l.Addr().String()
			corio.Spawn(ctx, func(ctx context.Context) error { return upperServer(ctx, l) })
			return done.Wait(ctx) // until the clients are through
		})
	}()
	addr := <-addrs
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			msg := fmt.Sprintf("stdlib client %d", i)
			c.Write([]byte(msg))
			reply := make([]byte, len(msg))
			_, err = io.ReadFull(c, reply)
			if err == nil && string(reply) != strings.ToUpper(msg) {
				err = fmt.Errorf("reply %q", reply)
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	done.Set(struct{}{})
	if err := <-hubErr; err != nil {
		t.Fatal(err)
	}
}

// A cnet client against a server of package net.
func TestCnetClientAgainstStdlibServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				seedserver.Serve(c, nil)
			}()
		}
	}()
	err = corio.Run(context.Background(), func(ctx context.Context) error {
		var tasks []corio.Joinable
		for i := range 20 {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error {
				c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
				if err != nil {
					return err
				}
				defer c.Close()
				return exchange(c, fmt.Sprintf("cnet client %d", i))
			}))
		}
		return corio.JoinAll(ctx, tasks...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// crypto/tls on both ends of a cnet connection, with a certificate made
// here.
func TestTLSRoundTrip(t *testing.T) {
	cert, pool := testcert.New(t)
	runListening(t, "tcp", "127.0.0.1:0", func(ctx context.Context, l *cnet.Listener) error {
		corio.Spawn(ctx, func(ctx context.Context) error {
			// The second client, below, does not trust the certificate.
			defer func() {
				if c, err := l.AcceptConn(); err == nil {
					tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
					c.Close()
				}
			}()
			c, err := l.AcceptConn()
			if err != nil {
				return err
			}
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			defer tc.Close()
			buf := make([]byte, 100)
			n, err := tc.Read(buf)
			if err != nil {
				return err
			}
			_, err = tc.Write([]byte(strings.ToUpper(string(buf[:n]))))
			return err
		})
		c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
		if err != nil {
			return err
		}
		tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "corio.test"})
		defer tc.Close()
		if _, err := tc.Write([]byte("secret")); err != nil {
			return err
		}
		buf := make([]byte, 100)
		n, err := tc.Read(buf)
		if err != nil || string(buf[:n]) != "SECRET" {
			t.Errorf("TLS reply %q, %v", buf[:n], err)
		}
		if st := tc.ConnectionState(); !st.HandshakeComplete {
			t.Error("no handshake")
		}
		// A client that does not trust the certificate fails cleanly.
		c2, err := cnet.Dial(ctx, "tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer c2.Close()
		err = tls.Client(c2, &tls.Config{ServerName: "corio.test"}).Handshake()
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("untrusted handshake = %v", err)
		}
		return nil
	})
}
