package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// A stopSignal is what Ctrl-C (SIGINT) or SIGTERM asks of a command: the
// first one ends its context, and the command finishes what it must
// (prints what it has, shuts down gracefully); a second one exits the
// process at once.
type stopSignal struct {
	ch   chan os.Signal
	done chan struct{}
	mu   sync.Mutex
	got  os.Signal
}

// onStopSignals returns a context that ends at the first SIGINT or
// SIGTERM. A second one exits the process at once with that signal's
// status (see signalStatus), after saying so on stderr. stop undoes it.
func onStopSignals(parent context.Context, stderr io.Writer) (context.Context, *stopSignal, func()) {
	ctx, cancel := context.WithCancel(parent)
	s := &stopSignal{ch: make(chan os.Signal, 2), done: make(chan struct{})}
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-s.ch:
			s.mu.Lock()
			s.got = sig
			s.mu.Unlock()
			fmt.Fprintf(stderr, "corio: %v: finishing (once more stops at once)\n", sig)
			cancel()
		case <-s.done:
			return
		}
		select {
		case sig := <-s.ch:
			fmt.Fprintf(stderr, "corio: second %v: stopping now\n", sig)
			os.Exit(signalStatus(sig))
		case <-s.done:
		}
	}()
	return ctx, s, func() {
		signal.Stop(s.ch)
		close(s.done)
		cancel()
	}
}

// received is the first signal, or nil.
func (s *stopSignal) received() os.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got
}

// signalStatus is the exit status for a command stopped by sig, as shells
// report it: 128 plus the signal's number (130 for SIGINT, 143 for
// SIGTERM).
func signalStatus(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}

// A statusError ends a command with an exit status of its own.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// interrupted is the error of a command that sig stopped.
func interrupted(what string, sig os.Signal) error {
	return &statusError{signalStatus(sig), fmt.Errorf("%s: interrupted by %v", what, sig)}
}

// exitStatusOf is the status an error asks for, if it is a statusError.
func exitStatusOf(err error) (int, bool) {
	var se *statusError
	if errors.As(err, &se) {
		return se.status, true
	}
	return 0, false
}
