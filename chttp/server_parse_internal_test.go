package chttp

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// plainRequestCases are requests, each with whether parsePlainRequest
// takes it itself (the rest go to http.ReadRequest).
var plainRequestCases = []struct {
	name, raw string
	plain     bool
}{
	{"wrk", "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", true},
	{"curl", "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n", true},
	{"browser", "GET /a/b%20c HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAccept: text/html,application/xhtml+xml\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\nCookie: a=1; b=2\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nUpgrade-Insecure-Requests: 1\r\n\r\n", true},
	{"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", true},
	{"HTTP/1.0 keep-alive", "HEAD / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
	{"close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", true},
	{"lower-case names", "GET / HTTP/1.1\r\nhost: x\r\nx-forwarded-for: 10.0.0.1\r\ncontent-type: text/plain\r\n\r\n", true},
	{"repeated field", "GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\naccept: b\r\nAccept: c\r\n\r\n", true},
	{"spaces around values", "GET / HTTP/1.1\r\nHost:x\r\nX-A: \t v w \t\r\nX-B:\r\nX-C:   \r\n\r\n", true},
	{"pipelined", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", true},
	{"no Host", "GET / HTTP/1.1\r\n\r\n", true},
	{"odd method", "PURGE /x HTTP/1.1\r\nHost: x\r\n\r\n", true},
	{"CONNECT with a path", "CONNECT /rpc HTTP/1.1\r\nHost: x\r\n\r\n", true},
	{"Expect", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", true},

	{"incomplete", "GET / HTTP/1.1\r\nHost: x\r\n", false},
	{"body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", false},
	{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false},
	{"Trailer", "GET / HTTP/1.1\r\nHost: x\r\nTrailer: X\r\n\r\n", false},
	{"Pragma", "GET / HTTP/1.1\r\nHost: x\r\nPragma: no-cache\r\n\r\n", false},
	{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", false},
	{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", false},
	{"LF in a field", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", false},
	{"folded", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n  b\r\n\r\n", false},
	{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", false},
	{"no colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", false},
	{"non-ASCII value", "GET / HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n", false},
	{"control in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", false},
	{"absolute target", "GET http://x/y HTTP/1.1\r\nHost: z\r\n\r\n", false},
	{"asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", false},
	{"CONNECT authority", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", false},
	{"HTTP/2.0", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", false},
	{"two spaces", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", false},
	{"bad method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", false},
	{"bad target", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", false},
	{"garbage", "\x00\x01\x02\r\n\r\n", false},
}

// The plain requests are parsed in place, exactly as http.ReadRequest
// reads them; the others are left to it.
func TestPlainRequestIsReadRequests(t *testing.T) {
	for _, tc := range plainRequestCases {
		t.Run(tc.name, func(t *testing.T) {
			var req http.Request
			n := parsePlainRequest([]byte(tc.raw), &req)
			if got := n > 0; got != tc.plain {
				t.Fatalf("parsed in place: %v, want %v", got, tc.plain)
			}
			if tc.plain {
				checkAsReadRequest(t, []byte(tc.raw), &req, n)
			}
		})
	}
}

// FuzzPlainRequestIsReadRequests: whatever parsePlainRequest takes,
// http.ReadRequest reads to an equal *http.Request, taking as many bytes.
func FuzzPlainRequestIsReadRequests(f *testing.F) {
	for _, tc := range plainRequestCases {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req http.Request
		if n := parsePlainRequest(raw, &req); n > 0 {
			checkAsReadRequest(t, raw, &req, n)
		}
	})
}

func checkAsReadRequest(t *testing.T, raw []byte, got *http.Request, n int) {
	t.Helper()
	br := bufio.NewReaderSize(bytes.NewReader(raw), len(raw)+16)
	want, err := http.ReadRequest(br)
	if err != nil {
		t.Fatalf("parsed in place, but http.ReadRequest refuses %q: %v", raw, err)
	}
	if left := br.Buffered(); left != len(raw)-n {
		t.Errorf("took %d bytes, http.ReadRequest %d", n, len(raw)-left)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed in place:\n%+v\nhttp.ReadRequest:\n%+v", got, want)
	}
	// checkRequest skips the fields of a plain request: they must pass.
	for name, values := range got.Header {
		if !httpguts.ValidHeaderFieldName(name) {
			t.Errorf("parsed in place with an invalid field name %q", name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				t.Errorf("parsed in place with an invalid value %q of %s", v, name)
			}
		}
	}
}

// readRequest reads what parsePlainRequest takes and what it leaves
// alike, one after another, and fails at the end as ReadRequest would.
func TestReadRequestMixesBothPaths(t *testing.T) {
	raw := "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
		"GET /3 HTTP/1.1\r\nHost: x\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(raw))
	for _, want := range []string{"/1", "/2", "/3"} {
		var plain http.Request
		req, _, err := readRequest(br, &plain)
		if err != nil {
			t.Fatalf("reading %s: %v", want, err)
		}
		if req.URL.Path != want {
			t.Fatalf("read %s, want %s", req.URL.Path, want)
		}
		if want == "/2" {
			if req == &plain {
				t.Error("a request with a body was parsed in place")
			}
			if body, err := io.ReadAll(req.Body); err != nil || string(body) != "abc" {
				t.Fatalf("body %q, %v", body, err)
			}
		} else if req != &plain {
			t.Errorf("%s was not parsed in place", want)
		}
	}
	var plain http.Request
	if _, _, err := readRequest(br, &plain); err == nil || err.Error() != "EOF" {
		t.Errorf("at the end: %v, want EOF", err)
	}
}

// writeFields writes what Header.WriteSubset writes.
func TestWriteFieldsAsWriteSubset(t *testing.T) {
	many := http.Header{}
	for _, k := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I"} {
		many[k] = []string{"v" + k}
	}
	for _, tc := range []struct {
		name string
		h    http.Header
	}{
		{"empty", http.Header{}},
		{"plaintext", http.Header{"Content-Type": {"text/plain"}}},
		{"sorted", http.Header{"X-B": {"2"}, "Content-Type": {"a"}, "X-A": {"1", "11"}, "Set-Cookie": {"a=1", "b=2"}}},
		{"empty value", http.Header{"X": {""}, "Y": {}}},
		{"invalid name", http.Header{"Bad Name": {"x"}, "Good": {"y"}, "": {"z"}}},
		{"CR and LF", http.Header{"X": {"a\r\nInjected: 1"}, "Y": {"b"}}},
		{"spaces around", http.Header{"X": {" a "}, "Y": {"\tb"}}},
		{"more than eight", many},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got, want bytes.Buffer
			bw := bufio.NewWriter(&got)
			writeFields(bw, tc.h)
			bw.Flush()
			tc.h.WriteSubset(&want, nil)
			if got.String() != want.String() {
				t.Errorf("writeFields:\n%q\nWriteSubset:\n%q", got.String(), want.String())
			}
		})
	}
}
