package chttp

import (
	"context"
	"errors"
	"os"
)

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

// A deadlineError is an error that a deadline caused, deep in its chain
// (the request's context, a connection's deadline), made a timeout at its
// top: url.Error's Timeout and os.IsTimeout look no deeper.
type deadlineError struct{ err error }

func (e *deadlineError) Error() string   { return e.err.Error() }
func (e *deadlineError) Unwrap() error   { return e.err }
func (e *deadlineError) Timeout() bool   { return true }
func (e *deadlineError) Temporary() bool { return true }

// asTimeout returns err as a timeout at its top if a deadline caused it.
func asTimeout(err error) error {
	if err == nil {
		return nil
	}
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return &deadlineError{err}
	}
	return err
}
