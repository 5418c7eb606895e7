package chttp_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// A Recorder gets each exchange's bytes exactly as they crossed the
// connection: the server's header in its order and case, the body in its
// transfer and content codings, informational responses included.
func TestRecorderKeepsTheBytesAsSent(t *testing.T) {
	leakcheck.Check(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "hello, archive")
	zw.Close()
	for _, tc := range []struct {
		name     string
		answer   string
		body     string // as the caller reads it, decoded
		limit    int64
		complete bool
		cut      bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nx-Lower: kept\r\nContent-Length: 5\r\n\r\nhello", "hello", 0, true, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;ext=1\r\nlo\r\n0\r\nTrailer-A: x\r\n\r\n", "hello", 0, true, false},
		{"gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + fmt.Sprint(gz.Len()) + "\r\n\r\n" + gz.String(), "hello, archive", 0, true, false},
		{"informational", "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone", "gone", 0, true, false},
		{"cut at the limit", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", "0123456789", 40, true, true},
		{"until the close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", "to the end", 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := &http.Client{Transport: &chttp.Transport{}}
			virtualHub(t, func(ctx context.Context) error {
				addr, err := answering(ctx, tc.answer)
				if err != nil {
					return err
				}
				rec := &chttp.Recorder{Limit: tc.limit}
				url := "http://" + addr + "/page?q=1"
				status, body, err := get(chttp.WithRecorder(ctx, rec), client, url)
				if err != nil || body != tc.body {
					t.Fatalf("%d %q %v, want %q", status, body, err, tc.body)
				}
				if len(rec.Exchanges) != 1 {
					t.Fatalf("%d exchanges recorded, want 1", len(rec.Exchanges))
				}
				ex := rec.Exchanges[0]
				want := tc.answer
				if tc.limit > 0 {
					want = want[:tc.limit]
				}
				if string(ex.Response) != want {
					t.Errorf("Response = %q\nwant       %q", ex.Response, want)
				}
				if ex.Complete != tc.complete || ex.Cut != tc.cut {
					t.Errorf("Complete %v Cut %v, want %v %v", ex.Complete, ex.Cut, tc.complete, tc.cut)
				}
				if ex.URL != url || ex.RemoteAddr.String() != addr {
					t.Errorf("URL %q RemoteAddr %v, want %q %v", ex.URL, ex.RemoteAddr, url, addr)
				}
				req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(ex.Request)))
				if err != nil || req.Method != "GET" || req.RequestURI != "/page?q=1" || req.Host != addr {
					t.Errorf("Request %q reads as %v, %v", ex.Request, req, err)
				}
				return nil
			})
		})
	}
}

// Each round trip of a request is an exchange of its own: a redirect
// followed gives two, in order; a body closed before its end is not
// Complete; a context without a Recorder records nothing.
func TestRecorderExchangesOfARedirect(t *testing.T) {
	leakcheck.Check(t)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 1<<20))
		default:
			io.WriteString(w, "new place")
		}
	})
	client := &http.Client{Transport: &chttp.Transport{}}
	hub(t, func(ctx context.Context) error {
		rec := &chttp.Recorder{}
		rctx := chttp.WithRecorder(ctx, rec)
		if _, body, err := get(rctx, client, srv.URL+"/old"); err != nil || body != "new place" {
			t.Fatalf("%q %v", body, err)
		}
		var got []string
		for _, ex := range rec.Exchanges {
			status, _, _ := strings.Cut(string(ex.Response), "\r\n")
			got = append(got, fmt.Sprintf("%s %s %v", strings.TrimPrefix(ex.URL, srv.URL), status, ex.Complete))
		}
		want := []string{"/old HTTP/1.1 301 Moved Permanently true", "/new HTTP/1.1 200 OK true"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("exchanges %q, want %q", got, want)
		}

		rec.Exchanges = nil
		req, _ := http.NewRequestWithContext(rctx, "GET", srv.URL+"/big", nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.ReadFull(resp.Body, make([]byte, 100))
		resp.Body.Close()
		if len(rec.Exchanges) != 1 || rec.Exchanges[0].Complete {
			t.Errorf("a body closed early: %d exchanges, want 1 not Complete", len(rec.Exchanges))
		}

		rec.Exchanges = nil
		if _, _, err := get(ctx, client, srv.URL+"/new"); err != nil {
			return err
		}
		if len(rec.Exchanges) != 0 {
			t.Errorf("a request without the recorder was recorded")
		}
		return nil
	})
}
