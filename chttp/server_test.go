package chttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// A request's context ends when its client goes away while the handler
// runs, as with net/http; a handler that finishes first sees it live.
func TestServerRequestContextEndsWhenTheClientGoes(t *testing.T) {
	seen := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/quick" {
			seen <- r.Context().Err()
			io.WriteString(w, "quick")
			return
		}
		seen <- corio.Sleep(r.Context(), time.Hour) // the hub waits on, the client goes
	})
	_, addr := startCorio(t, h, 0)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := <-seen; got != nil {
		t.Errorf("a quick handler's context: %v", got)
	}
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // the slow request is read before the client goes
	c.Close()
	select {
	case err := <-seen:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the slow handler's wait ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request's context did not end when the client went away")
	}
}

// Shutdown closes idle keep-alive connections at once and waits for the
// request in flight, whose response arrives; Close cancels it.
func TestServerShutdownAndClose(t *testing.T) {
	for _, graceful := range []bool{true, false} {
		name := "Close"
		if graceful {
			name = "Shutdown"
		}
		t.Run(name, func(t *testing.T) {
			started := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					close(started)
					if err := corio.Sleep(r.Context(), 200*time.Millisecond); err != nil {
						return
					}
				}
				io.WriteString(w, "done "+r.URL.Path)
			})
			srv, addr := startCorio(t, h, 0)
			idle, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			io.WriteString(idle, "GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, err := http.ReadResponse(bufioReader(idle), nil); err != nil || resp.StatusCode != 200 {
				t.Fatalf("idle connection's request: %v", err)
			}
			busy, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
			<-started
			stopped := make(chan error, 1)
			if graceful {
				go func() { stopped <- srv.Shutdown(context.Background()) }()
			} else {
				go func() { stopped <- srv.Close() }()
			}
			idle.SetDeadline(time.Now().Add(10 * time.Second))
			if n, err := idle.Read(make([]byte, 1)); n != 0 || err == nil {
				t.Errorf("idle connection read %d, %v; want it closed", n, err)
			}
			busy.SetDeadline(time.Now().Add(10 * time.Second))
			all, _ := io.ReadAll(busy)
			if got := strings.Contains(string(all), "done /slow"); got != graceful {
				t.Errorf("response in flight %q; want it answered: %v", all, graceful)
			}
			if err := <-stopped; err != nil {
				t.Errorf("stop: %v", err)
			}
			if err := srv.Wait(); !errors.Is(err, chttp.ErrServerClosed) {
				t.Errorf("Wait = %v, want ErrServerClosed", err)
			}
			if _, err := net.Dial("tcp", addr); err == nil {
				t.Error("still accepting")
			}
		})
	}
}

func TestServerSettingsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		srv  *chttp.Server
		want string
	}{
		{&chttp.Server{ReadTimeout: -1}, "Server.ReadTimeout is -1ns"},
		{&chttp.Server{IdleTimeout: -time.Second}, "Server.IdleTimeout is -1s"},
		{&chttp.Server{MaxHeaderBytes: -1}, "Server.MaxHeaderBytes is -1"},
		{&chttp.Server{MaxConns: -2}, "Server.MaxConns is -2"},
		{&chttp.Server{Addr: "127.0.0.1:99999"}, "99999"},
	} {
		if err := tc.srv.Start(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start = %v, want an error with %q", err, tc.want)
		}
	}
	if err := (&chttp.Server{}).ListenAndServeTLS("", ""); err == nil || !strings.Contains(err.Error(), "without a certificate") {
		t.Errorf("ListenAndServeTLS without a certificate = %v", err)
	}
	srv, _ := startCorio(t, http.NotFoundHandler(), 0)
	if err := srv.Start(); err == nil {
		t.Error("started twice")
	}
}

// Serve takes a listener from package net, as http.Server.Serve does,
// and closes it on Shutdown.
func TestServerServesAGivenListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &chttp.Server{Hubs: 2, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "served "+r.URL.Path)
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	url := "http://" + l.Addr().String()
	for i := range 20 { // through both hubs
		var resp *http.Response
		for resp == nil {
			if resp, err = http.Get(url + "/" + strings.Repeat("x", i)); err != nil {
				t.Fatal(err)
			}
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "served /" + strings.Repeat("x", i); string(body) != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
	if _, err := l.Accept(); err == nil {
		t.Error("the given listener is still open after Shutdown")
	}
	if err := (&chttp.Server{}).Serve(fakeListener{}); err == nil || !strings.Contains(err.Error(), "gives no access to its socket") {
		t.Errorf("Serve of a listener with no socket = %v", err)
	}
}

// fakeListener is a net.Listener with no socket.
type fakeListener struct{}

func (fakeListener) Accept() (net.Conn, error) { return nil, errors.New("none") }
func (fakeListener) Close() error              { return nil }
func (fakeListener) Addr() net.Addr            { return &net.TCPAddr{} }

// A ResponseWriter serves the next request once its handler has returned
// (see Server): nothing of one response (header, status, framing, body
// held) reaches the next.
func TestServerResponsesStartEmpty(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			w.Header().Set("X-First", "1")
			w.Header().Set("Trailer", "X-T")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, strings.Repeat("a", 3000)) // chunked
			w.Header().Set("X-T", "t")
			return
		}
		io.WriteString(w, "second")
	})
	_, addr := startCorio(t, h, 0)
	got := rawExchange(t, addr, "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n", 2, false)
	want := `HTTP/1.1 200 header map[Content-Length:[6] Content-Type:[text/plain; charset=utf-8]] length 6 te [] close false body "second" (<nil>) trailer map[]`
	if len(got.Responses) != 2 || got.Responses[1] != want {
		t.Fatalf("responses %q\nwant the second to be %q", got.Responses, want)
	}
	if !strings.Contains(got.Responses[0], "X-First:[1]") || !strings.Contains(got.Responses[0], "trailer map[X-T:[t]]") {
		t.Errorf("the first response: %q", got.Responses[0])
	}
}
