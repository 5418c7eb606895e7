package httpload

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rest is what follows each response in these tests: what readResponse
// must leave unread.
const rest = "NEXT"

var responseCases = []struct {
	name      string
	raw       string
	head      bool
	status    int
	keepAlive bool
	err       string // a part of the error, if one is wanted
}{
	{name: "length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200, keepAlive: true},
	{name: "no reason", raw: "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", status: 404, keepAlive: true},
	{name: "bare LF", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", status: 200, keepAlive: true},
	{name: "chunked, extensions and trailer", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n", status: 200, keepAlive: true},
	{name: "chunked wins over a length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", status: 200, keepAlive: true},
	{name: "case and spaces", raw: "HTTP/1.1 200 OK\r\ncontent-LENGTH:   3  \r\nCONNECTION: Keep-Alive\r\n\r\nabc", status: 200, keepAlive: true},
	{name: "HEAD: a length and no body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", head: true, status: 200, keepAlive: true},
	{name: "204 has no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, keepAlive: true},
	{name: "304 with a length has no body", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", status: 304, keepAlive: true},
	{name: "interim responses skipped", raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", status: 201, keepAlive: true},
	{name: "Connection: close", raw: "HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 1\r\n\r\nx", status: 200},
	{name: "HTTP/1.0 closes", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200},
	{name: "HTTP/1.0 kept alive", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", status: 200, keepAlive: true},
	{name: "no length: the body runs to the close", raw: "HTTP/1.1 200 OK\r\n\r\nall of it", status: 200},
	{name: "the same length twice", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", status: 200, keepAlive: true},

	{name: "two lengths", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", err: `malformed response: Content-Length "2"`},
	{name: "a signed length", raw: "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", err: `malformed response: Content-Length "+1"`},
	{name: "gzip transfer coding", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", err: `Transfer-Encoding "gzip" (corio load reads chunked only)`},
	{name: "switching protocols", raw: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", err: "101 Switching Protocols"},
	{name: "not HTTP", raw: "SSH-2.0-OpenSSH\r\n", err: `malformed response: status line "SSH-2.0-OpenSSH"`},
	{name: "a status of two digits", raw: "HTTP/1.1 20 OK\r\n\r\n", err: `malformed response: status line "HTTP/1.1 20 OK"`},
	{name: "a folded line", raw: "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", err: `a folded header line " b"`},
	{name: "no colon", raw: "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello", err: `header line "Content-Length 5"`},
	{name: "a body cut short", raw: "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello", err: "unexpected EOF"},
	{name: "a header cut short", raw: "HTTP/1.1 200 OK\r\nContent-Le", err: "unexpected EOF"},
	{name: "a chunk cut short", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", err: "unexpected EOF"},
	{name: "a header longer than the buffer", raw: "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", readBuffer) + "\r\n\r\n", err: "a header line longer than 16384 bytes"},
}

// TestReadResponse: each case's status, connection decision and error,
// and that a response read whole leaves the next one's bytes unread.
func TestReadResponse(t *testing.T) {
	for _, tc := range responseCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw
			if tc.err == "" && tc.keepAlive {
				raw += rest // a kept-alive connection's next response
			}
			br := bufio.NewReaderSize(strings.NewReader(raw), readBuffer)
			r, err := readResponse(br, tc.head)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			left, _ := io.ReadAll(br)
			if r.status != tc.status || r.keepAlive != tc.keepAlive || tc.keepAlive && string(left) != rest {
				t.Errorf("status %d, keep-alive %v, left %q; want %d, %v, %q", r.status, r.keepAlive, left, tc.status, tc.keepAlive, rest)
			}
		})
	}
}

// notNetHTTPs are the cases net/http reads and readResponse refuses, on
// purpose: a folded line (obsolete; RFC 9112 lets a client refuse it), a
// switch to another protocol (a load of HTTP requests cannot go on), and a
// header line longer than the connection's buffer.
var notNetHTTPs = map[string]bool{"a folded line": true, "switching protocols": true, "a header longer than the buffer": true}

// TestReadResponseAsNetHTTP: every case reads as http.ReadResponse reads
// it (the same status, connection decision and bytes), and what
// readResponse refuses net/http refuses too, but for notNetHTTPs.
func TestReadResponseAsNetHTTP(t *testing.T) {
	for _, tc := range responseCases {
		t.Run(tc.name, func(t *testing.T) {
			ours, oursErr := readWith(tc.raw, tc.head, readResponse)
			theirs, theirsErr := readWith(tc.raw, tc.head, readResponseNetHTTP)
			switch {
			case oursErr == nil && theirsErr != nil:
				t.Fatalf("net/http refuses what we read: %v", theirsErr)
			case oursErr == nil && ours != theirs:
				t.Fatalf("read %+v; net/http %+v", ours, theirs)
			case oursErr != nil && theirsErr == nil && !notNetHTTPs[tc.name]:
				t.Fatalf("we refuse (%v) what net/http reads as %+v", oursErr, theirs)
			case notNetHTTPs[tc.name] && (oursErr == nil || theirsErr != nil):
				t.Fatalf("a deliberate difference no longer is: ours %v, net/http's %v", oursErr, theirsErr)
			}
		})
	}
}

// FuzzReadResponse holds the reader to net/http's: whatever it reads,
// net/http reads too, with the same status, the same decision on the
// connection and the same number of bytes.
func FuzzReadResponse(f *testing.F) {
	for _, tc := range responseCases {
		f.Add([]byte(tc.raw), tc.head)
	}
	f.Fuzz(func(t *testing.T, raw []byte, head bool) {
		ours, err := readWith(string(raw), head, readResponse)
		if err != nil {
			return
		}
		theirs, err := readWith(string(raw), head, readResponseNetHTTP)
		if err != nil {
			t.Fatalf("we read %+v of %q; net/http refuses it: %v", ours, raw, err)
		}
		if ours != theirs {
			t.Fatalf("of %q we read %+v; net/http %+v", raw, ours, theirs)
		}
	})
}

// outcome is what reading a response found: its status, whether the
// connection lives on, and how many bytes it took.
type outcome struct {
	status    int
	keepAlive bool
	consumed  int
}

func readWith(raw string, head bool, read func(*bufio.Reader, bool) (response, error)) (outcome, error) {
	src := strings.NewReader(raw)
	br := bufio.NewReaderSize(src, readBuffer)
	r, err := read(br, head)
	return outcome{r.status, r.keepAlive, len(raw) - src.Len() - br.Buffered()}, err
}

// readResponseNetHTTP reads a response as net/http's client does: with
// http.ReadResponse, interim answers skipped, the body read whole.
func readResponseNetHTTP(br *bufio.Reader, head bool) (response, error) {
	method := http.MethodGet
	if head {
		method = http.MethodHead
	}
	req, _ := http.NewRequest(method, "http://x/", nil)
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return response{}, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return response{}, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
			continue
		}
		return response{status: resp.StatusCode, keepAlive: !resp.Close}, nil
	}
}
