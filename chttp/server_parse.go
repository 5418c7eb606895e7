package chttp

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// readRequest reads the next request as http.ReadRequest does, and gives
// the same result. The usual request (a header wholly in the buffer,
// without a body or anything else that needs more than splitting lines)
// is parsed in the buffer by parsePlainRequest, with a third of the
// allocations; any other goes to http.ReadRequest from where it starts,
// so that every error, and every request that is not plain, is exactly
// net/http's. into receives a plain request (the caller's, so that it may
// stay on its stack); the result is into or http.ReadRequest's. It also
// gives the Host fields of a request whose target is not a path, which
// ReadRequest drops (see hostFields).
func readRequest(br *bufio.Reader, into *http.Request) (*http.Request, hostFields, error) {
	// The first read, if nothing is buffered, fails as ReadRequest's
	// first line would (io.EOF at the peer's close, a timeout).
	if _, err := br.Peek(1); err != nil {
		return nil, hostFields{}, err
	}
	buf, _ := br.Peek(br.Buffered())
	if n := parsePlainRequest(buf, into); n > 0 {
		br.Discard(n)
		return into, hostFields{}, nil
	}
	hf := readHostFields(buf)
	req, err := http.ReadRequest(br)
	return req, hf, err
}

// hostFields are the Host fields of a request whose target is not a path
// (absolute form, "GET http://h/p", or CONNECT's authority), which
// net/http's server checks as any request's: one, and valid.
// http.ReadRequest, which parses such a request, takes the fields out and
// puts the URL's host in Request.Host instead, so they are read from the
// buffer before it. seen is false where they were not read: the target
// is a path (Request.Host is the field then), or the header was not
// wholly buffered.
type hostFields struct {
	seen   bool
	values []string
}

// readHostFields reads the Host fields of the request at the start of
// buf, if its target is not a path and its header is wholly in buf.
func readHostFields(buf []byte) hostFields {
	line, rest, ok := bytes.Cut(buf, []byte("\n"))
	if !ok {
		return hostFields{}
	}
	_, target, _ := bytes.Cut(line, []byte(" "))
	if len(target) == 0 || target[0] == '/' {
		return hostFields{}
	}
	hf := hostFields{seen: true}
	if bytes.HasPrefix(rest, []byte("\r\n")) { // no field
		return hf
	}
	end := bytes.Index(rest, []byte("\r\n\r\n"))
	if end < 0 {
		return hostFields{}
	}
	for field := range strings.SplitSeq(string(rest[:end]), "\r\n") {
		name, value, ok := strings.Cut(field, ":")
		if ok && strings.EqualFold(name, "Host") {
			hf.values = append(hf.values, strings.Trim(value, " \t"))
		}
	}
	return hf
}

// parsePlainRequest parses the request at the start of buf into req, if
// it is plain, and returns how many bytes it took; 0 means it is not
// (then req is unchanged), and http.ReadRequest must read it. Plain
// means:
//   - the whole header is in buf, every line ended by CRLF;
//   - the request line is a token method, a target that starts with "/"
//     and url.ParseRequestURI accepts, and HTTP/1.1 or HTTP/1.0;
//   - each header line is a token name, a colon, and a value of visible
//     ASCII, spaces and tabs (no folded lines);
//   - no Content-Length, Transfer-Encoding, Trailer or Pragma field (which
//     ReadRequest interprets), and at most one Host.
//
// For such a request ReadRequest's result is fixed by the rules below
// (see FuzzPlainRequestIsReadRequests), which are its own: field names
// canonicalized, values trimmed of spaces and tabs, Host from the field,
// Close from Connection, an empty body.
func parsePlainRequest(buf []byte, req *http.Request) int {
	end := bytes.Index(buf, crlfcrlf)
	if end < 0 {
		return 0
	}
	// One string for the request line and all fields: their strings are
	// cut from it, where net/http makes one for each. (A value a handler
	// keeps keeps that text alive: at most the reader's buffer, 4 KiB.)
	s := string(buf[:end+2])
	i := 0
	for i < len(s) && tokenByte[s[i]] {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ' ' {
		return 0
	}
	method := s[:i]
	i++
	start := i
	for i < len(s) && s[i] > ' ' && s[i] < 0x7f {
		i++
	}
	if i == start || s[start] != '/' || i >= len(s) || s[i] != ' ' {
		return 0
	}
	target := s[start:i]
	i++
	var minor int
	switch {
	case len(s)-i >= 10 && s[i:i+10] == "HTTP/1.1\r\n":
		minor = 1
	case len(s)-i >= 10 && s[i:i+10] == "HTTP/1.0\r\n":
	default:
		return 0
	}
	proto := s[i : i+8]
	i += 10

	header, host, ok := parsePlainFields(s[i:])
	if !ok {
		return 0
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return 0
	}
	if u.Host != "" {
		host = u.Host
	}
	conn := header["Connection"]
	closes := httpguts.HeaderValuesContainsToken(conn, "close")
	if minor == 0 && !httpguts.HeaderValuesContainsToken(conn, "keep-alive") {
		closes = true
	}
	*req = http.Request{
		Method: method, URL: u, Proto: proto, ProtoMajor: 1, ProtoMinor: minor,
		Header: header, Body: http.NoBody, Host: host, Close: closes, RequestURI: target,
	}
	return end + 4
}

var crlfcrlf = []byte("\r\n\r\n")

// parsePlainFields parses header lines, each ended by CRLF, as
// textproto's ReadMIMEHeader does, but for the Host field, which
// ReadRequest takes out of the header; ok is false for any that is not
// plain (see parsePlainRequest).
func parsePlainFields(s string) (h http.Header, host string, ok bool) {
	n := strings.Count(s, "\n")
	if n == 1 && len(s) >= 5 && s[:5] == "Host:" { // no field but Host
		n = 0
	}
	// One slice for the values, cut into one per field (as textproto). An
	// empty map is made without room: that costs a third of a small one.
	var values []string
	if n > 0 {
		values = make([]string, n)
	}
	h = make(http.Header, n)
	hasHost := false
	for len(s) > 0 {
		i, canonical := 0, true
		for ; i < len(s) && tokenByte[s[i]]; i++ {
			c, first := s[i], i == 0 || s[i-1] == '-'
			if first && 'a' <= c && c <= 'z' || !first && 'A' <= c && c <= 'Z' {
				canonical = false
			}
		}
		if i == 0 || i >= len(s) || s[i] != ':' {
			return nil, "", false
		}
		name := s[:i]
		if !canonical {
			name = http.CanonicalHeaderKey(name)
		}
		i++
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		start, last := i, i // last: after the value's last byte that is not a space or tab
		for ; i < len(s) && s[i] != '\r'; i++ {
			switch c := s[i]; {
			case c == ' ' || c == '\t':
			case c > ' ' && c < 0x7f:
				last = i + 1
			default:
				return nil, "", false
			}
		}
		if i+1 >= len(s) || s[i+1] != '\n' {
			return nil, "", false
		}
		value := s[start:last]
		s = s[i+2:]
		switch name {
		case "Content-Length", "Transfer-Encoding", "Trailer", "Pragma":
			return nil, "", false
		}
		if name == "Host" {
			if hasHost { // ReadRequest refuses a second
				return nil, "", false
			}
			host, hasHost = value, true
			continue
		}
		if vv := h[name]; vv != nil {
			h[name] = append(vv, value)
			continue
		}
		vv := values[:1:1]
		values = values[1:]
		vv[0] = value
		h[name] = vv
	}
	return h, host, true
}

// tokenByte says which bytes may make a method or a field name (RFC 9110's
// tchar), as httpguts decides.
var tokenByte = func() (t [256]bool) {
	for c := range 128 {
		t[c] = httpguts.IsTokenRune(rune(c))
	}
	return
}()

// statusError is a request refused with a status and a reason, as
// net/http words it.
type statusError struct {
	code int
	text string
}

func (e statusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.code, http.StatusText(e.code), e.text)
}

// checkRequest refuses what net/http's server refuses after parsing. The
// fields of a request parsed in place (plain) are valid already: its
// parser takes no other.
func checkRequest(req *http.Request, plain bool, hosts hostFields) error {
	h2Preface := req.ProtoMajor == 2 && req.ProtoMinor == 0 && req.Method == "PRI" && req.RequestURI == "*"
	if !(req.ProtoMajor == 1 || h2Preface) {
		return statusError{http.StatusHTTPVersionNotSupported, "unsupported protocol version"}
	}
	// The Host field: Request.Host, or, for a target that is not a path,
	// the fields read before ReadRequest dropped them.
	missing, host := req.Host == "", req.Host
	if hosts.seen {
		missing, host = len(hosts.values) == 0, ""
		if len(hosts.values) == 1 {
			host = hosts.values[0]
		}
	}
	if req.ProtoAtLeast(1, 1) && missing && !h2Preface && req.Method != "CONNECT" {
		return statusError{http.StatusBadRequest, "missing required Host header"}
	}
	if host != "" && !httpguts.ValidHostHeader(host) {
		return statusError{http.StatusBadRequest, "malformed Host header"}
	}
	if plain {
		return nil
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return statusError{http.StatusBadRequest, "invalid header name"}
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return statusError{http.StatusBadRequest, "invalid header value"}
			}
		}
	}
	return nil
}
