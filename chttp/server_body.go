package chttp

import (
	"io"
	"net/http"
)

// requestBody is a request's Body: it answers 100-continue on the first
// read and records whether the body was read to its end or closed.
type requestBody struct {
	rc             io.ReadCloser
	w              *response
	expectContinue bool // a 100 Continue is due before the first read
	continueAsked  bool // the request asked for one
	sawEOF, closed bool
}

func (b *requestBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.expectContinue {
		b.expectContinue = false
		if !b.w.sentHeader {
			b.w.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := b.w.bw.Flush(); err != nil {
				return 0, err
			}
		}
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.sawEOF = true
	}
	return n, err
}

// Close stops the handler's reading; what is left is read after it (or
// the connection closed), as with net/http.
func (b *requestBody) Close() error {
	b.closed = true
	return nil
}
