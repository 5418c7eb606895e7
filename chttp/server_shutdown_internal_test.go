package chttp

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// A response in flight when Shutdown begins says Connection: close, as
// net/http's does, so that a keep-alive client sends its next request on
// a new connection instead of one about to close; Shutdown then waits for
// it. SetKeepAlivesEnabled(false) does the same for every response.
func TestShutdownClosesInFlightConnections(t *testing.T) {
	srv := &Server{Addr: "127.0.0.1:0", Hubs: 1}
	inHandler := make(chan struct{}, 1)
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			inHandler <- struct{}{}
			for !srv.noKeepAlives.Load() { // until Shutdown has begun
				corio.Sleep(r.Context(), time.Millisecond)
			}
		}
		io.WriteString(w, "done")
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + srv.ListenAddr().String()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := io.ReadAll(resp.Body); string(body) != "done" {
			t.Fatalf("GET %s: body %q", path, body)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("/fast"); resp.Close {
		t.Fatal("a response before Shutdown says Connection: close")
	}
	shut := make(chan error, 1)
	go func() {
		<-inHandler
		shut <- srv.Shutdown(context.Background())
	}()
	if resp := get("/slow"); !resp.Close { // Connection: close (which the client takes out of the Header)
		t.Fatal("the response in flight at Shutdown does not say Connection: close")
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
}

func TestSetKeepAlivesEnabled(t *testing.T) {
	srv := &Server{Addr: "127.0.0.1:0", Hubs: 1, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for _, on := range []bool{true, false, true} {
		srv.SetKeepAlivesEnabled(on)
		resp, err := client.Get("http://" + srv.ListenAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Close == on {
			t.Fatalf("keep-alives %v: the response's Close is %v", on, resp.Close)
		}
	}
}
