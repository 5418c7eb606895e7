package corio

import (
	"errors"
	"fmt"
	"strings"

	"github.com/corio-go/corio/internal/coro"
)

var (
	// ErrNoTask reports a cooperative call made with a context that does
	// not belong to a running task of a hub (made outside Run, or used from
	// another goroutine).
	ErrNoTask = errors.New("corio: not called from a running task of a hub")
	// ErrDeadlock reports a Run whose main task waits while nothing can
	// ever wake it (gevent's LoopExit); the error is a *DeadlockError.
	ErrDeadlock = errors.New("corio: deadlock")
	// ErrHubClosed reports work submitted to a hub whose Run has returned.
	ErrHubClosed = errors.New("corio: hub is closed")
	// ErrGoexit is the error of a task that called runtime.Goexit (as
	// testing's t.FailNow and t.Fatal do): the task ends, with its
	// deferred calls run, and the hub goes on.
	ErrGoexit = errors.New("corio: task called runtime.Goexit")
)

// A PanicError is a panic recovered in a task: its original value and the
// task's stack. It is the task's error.
type PanicError = coro.PanicError

// A DeadlockError lists the tasks that wait when nothing can wake them,
// each with what it waits on and where.
type DeadlockError struct {
	Tasks []TaskInfo
}

func (e *DeadlockError) Error() string {
	var b strings.Builder
	b.WriteString("corio: deadlock: the main task waits and nothing can wake it")
	for _, t := range e.Tasks {
		fmt.Fprintf(&b, "\n\ttask %d %q waits on %s", t.ID, t.Name, t.WaitsOn)
		if t.Where.String() != "" {
			fmt.Fprintf(&b, " at %s", t.Where)
		}
	}
	return b.String()
}

func (e *DeadlockError) Is(target error) bool { return target == ErrDeadlock }
