package chttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
)

// FuzzResponse feeds arbitrary bytes to the client as a server's answer:
// no panic, no hang, and a failure is an error from chttp that says what
// it was doing.
func FuzzResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope",
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil the end",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 999\r\n\r\n",
		"garbage",
		"",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
	} {
		f.Add([]byte(seed))
	}
	sock := filepath.Join(f.TempDir(), "server.sock")
	f.Fuzz(func(t *testing.T, answer []byte) {
		// A Unix socket: fuzzing over TCP runs the loopback out of ports.
		os.Remove(sock)
		tr := &chttp.Transport{
			MaxResponseHeaderBytes: 4096,
			Dial: func(ctx context.Context, _, _ string) (*cnet.Conn, error) {
				return cnet.Dial(ctx, "unix", sock)
			},
		}
		client := &http.Client{Transport: tr}
		err := corio.Run(context.Background(), func(ctx context.Context) error {
			l, err := cnet.Listen(ctx, "unix", sock)
			if err != nil {
				return err
			}
			defer l.Close()
			answerOnce(ctx, l, answer)
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://fuzz.test/", nil)
			resp, err := client.Do(req)
			if err != nil {
				if !strings.Contains(err.Error(), "chttp: ") {
					t.Errorf("error not from chttp: %v", err)
				}
				return nil
			}
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if err != nil && !strings.Contains(err.Error(), "chttp: ") && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("body error not from chttp: %v", err)
			}
			return nil
		}, corio.VirtualClock())
		if err != nil {
			t.Fatal(err)
		}
	})
}
