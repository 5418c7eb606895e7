package chttp_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// benchSite serves a page of about 2 KB with no latency, on a hub of its
// own on another goroutine, for the client benchmarks below.
func benchSite(b *testing.B) string {
	base, stop, err := demosite.Start(demosite.Site{Pages: 1, Fanout: 1, Size: 2000}, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stop() })
	return base + "/p/1"
}

// BenchmarkGet is one GET and its body, on a kept-alive connection, by a
// task through http.Client and chttp.Transport.
func BenchmarkGet(b *testing.B) {
	url := benchSite(b)
	client := &http.Client{Transport: &chttp.Transport{}}
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return err
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := getAll(client, req); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBaselineNetHTTPGet is BenchmarkGet with net/http's Transport,
// from a goroutine.
func BenchmarkBaselineNetHTTPGet(b *testing.B) {
	url := benchSite(b)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := getAll(client, req); err != nil {
			b.Fatal(err)
		}
	}
}

func getAll(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// BenchmarkServePlaintext is one request and its response on a kept-alive
// connection to chttp.Server, with the plaintext benchmark's handler (as
// bench/http.sh serves it), from a raw client that allocates nothing: the
// allocations reported are the server's. The server's hub runs on a
// goroutine of its own.
func BenchmarkServePlaintext(b *testing.B) {
	_, addr := startCorio(b, plaintextHandler(), 0)
	benchRawRequests(b, addr)
}

// BenchmarkBaselineNetHTTPServePlaintext is BenchmarkServePlaintext
// against net/http's server.
func BenchmarkBaselineNetHTTPServePlaintext(b *testing.B) {
	srv := httptest.NewServer(plaintextHandler())
	b.Cleanup(srv.Close)
	benchRawRequests(b, srv.Listener.Addr().String())
}

func plaintextHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, World!")
	})
}

// benchRawRequests sends wrk's request, then reads the response's header
// and its 13-byte body, b.N times on one connection.
func benchRawRequests(b *testing.B, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	br := bufio.NewReader(c)
	body := make([]byte, len("Hello, World!"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) == 2 {
				break
			}
		}
		if _, err := io.ReadFull(br, body); err != nil {
			b.Fatal(err)
		}
	}
}
