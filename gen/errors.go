package gen

import (
	"errors"

	"github.com/corio-go/corio/internal/coro"
)

var (
	// ErrStop reports an exhausted generator, like Python's StopIteration;
	// Value gives what its body returned.
	ErrStop = errors.New("gen: generator is exhausted")
	// ErrGeneratorExit is what a paused Yield returns when the generator is
	// being closed (Close, or a break out of a range over All), like
	// Python's GeneratorExit. The body should return.
	ErrGeneratorExit = errors.New("gen: generator exit")
	// ErrIgnoredExit reports a body that yielded again after
	// ErrGeneratorExit instead of returning; it was unwound.
	ErrIgnoredExit = errors.New("gen: generator ignored GeneratorExit")
	// ErrRunning reports a generator used while it runs, from inside
	// itself: Python's "generator already executing".
	ErrRunning = errors.New("gen: generator already executing")
	// ErrNotStarted reports a Send of a non-zero value to a generator that
	// has not started: there is no paused Yield to receive it.
	ErrNotStarted = errors.New("gen: can't send a non-zero value to a just-started generator")
)

// A StopError is what a generator reports when its body returns ErrStop
// (or an error wrapping it), typically one it got from an inner
// generator's Next and passed on. Reported as ErrStop it would look like
// the generator's normal end and silently cut the sequence short, the bug
// PEP 479 removed from Python, where it became RuntimeError("generator
// raised StopIteration").
//
// It deliberately does not wrap ErrStop: errors.Is(err, ErrStop) is how a
// consumer recognises the end, and it must stay false here. Cause keeps
// the error the body returned, as Python's __cause__ does.
type StopError struct {
	Cause error // what the body returned: ErrStop, or an error wrapping it
}

func (e *StopError) Error() string {
	return "gen: generator body returned ErrStop (" + e.Cause.Error() + "): an inner generator's end passed on as this one's"
}

// stopInBody turns an ErrStop returned by a body into a *StopError.
func stopInBody(err error) error {
	if err != nil && errors.Is(err, ErrStop) {
		return &StopError{Cause: err}
	}
	return err
}

// A PanicError is a panic raised by a generator's body in pull mode, with
// the original value and the body's stack.
type PanicError = coro.PanicError

// A Location is where a generator is paused: the stack of its body from
// the Yield it waits in (Frames[0]) down to the body's entry.
type Location = coro.Location

// State is where a generator is in its life (inspect.getgeneratorstate).
type State = coro.State

const (
	Created   = coro.Created   // not started
	Running   = coro.Running   // its body is executing
	Suspended = coro.Suspended // paused in Yield
	Closed    = coro.Closed    // exhausted, failed or closed
)
