package coro

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
)

// A Location is where a coroutine is paused: the stack of the goroutine
// paused in it, innermost first, without corio's own frames on top. Frames[0]
// is the suspension point, the user's call that suspended it.
type Location struct {
	Frames []runtime.Frame
}

// String gives the suspension point as "file:line", or "" for none.
func (l Location) String() string {
	if len(l.Frames) == 0 {
		return ""
	}
	f := l.Frames[0]
	return fmt.Sprintf("%s:%d", f.File, f.Line)
}

// Func is the name of the function holding the suspension point, or "".
func (l Location) Func() string {
	if len(l.Frames) == 0 {
		return ""
	}
	return l.Frames[0].Function
}

// Stack formats every frame as a traceback, one "function\n\tfile:line"
// pair each, like a goroutine's stack in a panic.
func (l Location) Stack() string {
	var b strings.Builder
	for _, f := range l.Frames {
		fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
	}
	return b.String()
}

// libraryPrefixes are the packages whose frames sit between a user's call
// and the switch; a location starts at the first frame outside them.
var libraryPrefixes = [...]string{
	"runtime.",
	"iter.",
	"github.com/corio-go/corio.",
	"github.com/corio-go/corio/internal/coro.",
	"github.com/corio-go/corio/internal/poll.",
	"github.com/corio-go/corio/gen.",
	"github.com/corio-go/corio/greenlet.",
	"github.com/corio-go/corio/cnet.",
	"github.com/corio-go/corio/chttp.",
}

func isLibrary(function string) bool {
	for _, p := range libraryPrefixes {
		if strings.HasPrefix(function, p) {
			return true
		}
	}
	return false
}

// capture records the calling goroutine's stack from the first frame
// outside corio down to the coroutine's entry.
func capture() Location {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var loc Location
	top := true
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "iter.Pull") || f.Function == "runtime.goexit" {
			break // the coroutine's entry: below is the runtime's
		}
		if top && isLibrary(f.Function) {
			if !more {
				break
			}
			continue
		}
		top = false
		loc.Frames = append(loc.Frames, f)
		if !more {
			break
		}
	}
	return loc
}

// EntryOf is the location of a function's first line, as Where reports it
// for a coroutine that has not started.
func EntryOf(fn any) Location {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return Location{}
	}
	return EntryAt(v.Pointer())
}

// EntryAt is EntryOf for a function's entry address (reflect.Value.Pointer
// of the function), which is smaller to keep than the function itself.
func EntryAt(pc uintptr) Location {
	f := runtime.FuncForPC(pc)
	if f == nil || pc == 0 {
		return Location{}
	}
	file, line := f.FileLine(f.Entry())
	return Location{Frames: []runtime.Frame{{Function: f.Name(), File: file, Line: line, Entry: f.Entry()}}}
}
