package coro

import (
	"fmt"
	"runtime/debug"
)

// A PanicError is a panic recovered inside a coroutine, handed to whoever
// resumed it: Value is what was passed to panic, Stack the coroutine's stack
// where it panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func newPanicError(v any) *PanicError {
	return &PanicError{Value: v, Stack: debug.Stack()}
}

// NewPanicError makes the PanicError of v, a value just recovered, with
// the stack of the goroutine that recovered it: for a layer that recovers
// panics outside coroutines (in callbacks) and reports them alike.
func NewPanicError(v any) *PanicError { return newPanicError(v) }

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap gives the panic value if it is an error, so errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
