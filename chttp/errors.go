package chttp

import "errors"

// A timeoutError is the error of a step that took longer than the
// Transport allows it. Like package net's timeouts it has a Timeout
// method, so http.Client and net.Error checks treat it as one.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// The timeouts of a request's steps, returned as they are (compare with
// errors.Is). A request whose own context ends fails with that context's
// error instead.
var (
	ErrDialTimeout           error = &timeoutError{"chttp: dial timeout"}
	ErrTLSHandshakeTimeout   error = &timeoutError{"chttp: TLS handshake timeout"}
	ErrResponseHeaderTimeout error = &timeoutError{"chttp: timeout awaiting response headers"}
)

var (
	// ErrBodyClosed is what reading a response body after Close returns.
	ErrBodyClosed = errors.New("chttp: read on closed response body")
	// ErrHeaderTooLarge reports a response header longer than
	// Transport.MaxResponseHeaderBytes.
	ErrHeaderTooLarge = errors.New("chttp: response header too large")
)
