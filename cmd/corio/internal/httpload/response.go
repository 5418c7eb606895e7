package httpload

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httputil"

	"golang.org/x/net/http/httpguts"
)

// The response reader: a load generator has to find where each response
// ends and what its status is, nothing more, and do it for every request
// without allocating (a parse through http.ReadResponse, with its header
// map, was half of corio load's own CPU). readResponse reads the status
// line and the three fields that frame a response (Content-Length,
// Transfer-Encoding, Connection) from the connection's buffer in place,
// and discards the body. A fuzz test holds it to http.ReadResponse:
// wherever that reads a response whole, this reads the same status, the
// same bytes and the same decision on the connection.

// errMalformed wraps what the reader refuses; its message quotes the line.
var errMalformed = errors.New("malformed response")

// response is what readResponse found.
type response struct {
	status int
	// keepAlive: the connection may carry the next request.
	keepAlive bool
}

// framing is what a response's header says of its body and connection.
type framing struct {
	length    int64 // -1: none given
	chunked   bool
	close     bool // Connection: close
	keepAlive bool // Connection: keep-alive (for HTTP/1.0)
}

// readResponse reads one response from br and discards its body. head is
// true for an answer to HEAD, which has no body whatever its header says.
// Interim responses (1xx but 101) are skipped, as net/http's client does.
func readResponse(br *bufio.Reader, head bool) (response, error) {
	for {
		status, http10, err := readStatusLine(br)
		if err != nil {
			return response{}, err
		}
		f, err := readFraming(br)
		if err != nil {
			return response{}, err
		}
		if http10 {
			f.chunked = false // HTTP/1.0 has no Transfer-Encoding; net/http ignores it too
		}
		if status == 101 {
			return response{}, fmt.Errorf("%w: 101 Switching Protocols: the connection is no longer HTTP", errMalformed)
		}
		if status >= 100 && status < 200 {
			continue // an interim response: the final one follows
		}
		keepAlive := !f.close && (!http10 || f.keepAlive)
		switch {
		case head || status == 204 || status == 304:
		case f.chunked:
			err = discardChunked(br)
		case f.length >= 0:
			_, err = br.Discard(int(f.length))
		default: // the body runs to the end of the connection
			_, err = io.Copy(io.Discard, br)
			keepAlive = false
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return response{status: status, keepAlive: keepAlive}, err
	}
}

// readStatusLine reads "HTTP/1.x NNN reason".
func readStatusLine(br *bufio.Reader) (status int, http10 bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[7] != '0' && line[7] != '1' || line[8] != ' ' || len(line) > 12 && line[12] != ' ' {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	return status, line[7] == '0', nil
}

// readFraming reads the header's fields up to the blank line and keeps
// those that frame the body.
func readFraming(br *bufio.Reader) (framing, error) {
	f := framing{length: -1}
	for {
		line, err := readLine(br)
		if err != nil {
			return f, err
		}
		if len(line) == 0 {
			return f, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return f, fmt.Errorf("%w: a folded header line %q", errMalformed, line)
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !validName(name) || !validValue(value) {
			return f, fmt.Errorf("%w: header line %q", errMalformed, line)
		}
		value = trimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseLength(value)
			if !ok || f.length >= 0 && f.length != n {
				return f, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			f.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("chunked")) {
				return f, fmt.Errorf("%w: Transfer-Encoding %q (corio load reads chunked only)", errMalformed, value)
			}
			f.chunked = true
		case bytes.EqualFold(name, []byte("Connection")):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = trimSpace(tok)
				f.close = f.close || bytes.EqualFold(tok, []byte("close"))
				f.keepAlive = f.keepAlive || bytes.EqualFold(tok, []byte("keep-alive"))
			}
		}
	}
}

// trimSpace drops the spaces and tabs around a field's value (what
// bytes.Trim does, without making its set of bytes on every call).
func trimSpace(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// validName reports whether a header field's name is a token, as
// net/textproto requires.
func validName(name []byte) bool {
	for _, c := range name {
		if !httpguts.IsTokenRune(rune(c)) {
			return false
		}
	}
	return len(name) > 0
}

// validValue reports whether a header field's value holds no control
// byte but tab, as net/textproto requires.
func validValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length: digits only, as net/http wants.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// readLine reads a line ending in LF (a CR before it dropped) from the
// buffer in place: the slice holds until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, fmt.Errorf("%w: a header line longer than %d bytes", errMalformed, br.Size())
	case err == io.EOF && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// discardChunked reads a chunked body to its end, trailer included.
func discardChunked(br *bufio.Reader) error {
	if _, err := io.Copy(io.Discard, httputil.NewChunkedReader(br)); err != nil {
		return err
	}
	// The trailer, up to its blank line. As net/http reads it: a CRLF
	// ends the body at once; anything else is a header, which needs two
	// bytes at least.
	switch end, _ := br.Peek(2); {
	case string(end) == "\r\n":
		_, err := br.Discard(2)
		return err
	case len(end) < 2:
		return io.ErrUnexpectedEOF
	}
	for {
		line, err := readLine(br)
		if err != nil || len(line) == 0 {
			return err
		}
	}
}
