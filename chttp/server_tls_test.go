package chttp_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/testcert"
)

// Over TLS a connection keeps its task between requests; Shutdown closes
// it while it waits for its next request, as net/http closes idle
// connections, instead of waiting for it until its context ends.
func TestShutdownClosesIdleTLSConnections(t *testing.T) {
	cert, _ := testcert.New(t)
	srv := &chttp.Server{Addr: "127.0.0.1:0", Hubs: 1, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") })}
	if err := srv.StartTLS("", ""); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	for range 2 { // the connection is idle after each
		resp, err := (&http.Client{Transport: tr}).Get("https://" + srv.ListenAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "secure" || resp.Close {
			t.Fatalf("body %q, Close %v", body, resp.Close)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v; want the idle connection closed, not waited for", err)
	}
}
