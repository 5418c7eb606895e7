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

// A FrameFilter tells the frames a Location leaves out on top: those of
// the library whose calls sit between a user's call and the switch. It is
// given the frame's function name, as runtime.Frame.Function spells it.
// The layer that makes coroutines gives it (Config.Library, NewSched):
// this package knows nothing of the layers above it. The runtime's
// frames, iter's and this package's own are always left out.
type FrameFilter func(function string) bool

// ModuleFrames is the FrameFilter of a library that is a whole module: the
// frames of every package under module, except its commands (packages
// under a cmd directory) and test packages, which are a user's code.
func ModuleFrames(module string) FrameFilter {
	root, sub := module+".", module+"/"
	return func(function string) bool {
		if strings.HasPrefix(function, root) {
			return true
		}
		rest, ok := strings.CutPrefix(function, sub)
		if !ok {
			return false
		}
		// The package path ends at the first dot after its last slash;
		// type arguments and receivers, which may hold slashes, come later.
		pkg := rest
		if i := strings.IndexAny(pkg, "(["); i >= 0 {
			pkg = pkg[:i]
		}
		slash := max(strings.LastIndexByte(pkg, '/'), 0)
		if j := strings.IndexByte(pkg[slash:], '.'); j >= 0 {
			pkg = pkg[:slash+j]
		}
		return !strings.HasSuffix(pkg, "_test") && pkg != "cmd" && !strings.HasPrefix(pkg, "cmd/") && !strings.Contains(pkg, "/cmd/")
	}
}

// ownFrames is the prefix of this package's functions.
var ownFrames = reflect.TypeFor[Location]().PkgPath() + "."

// isLibrary reports whether a frame of function is left out of a
// Location, with library the layer's filter (nil: none).
func isLibrary(function string, library FrameFilter) bool {
	for _, p := range [...]string{"runtime.", "iter.", ownFrames} {
		if strings.HasPrefix(function, p) {
			return true
		}
	}
	return library != nil && library(function)
}

// capture records the calling goroutine's stack from the first frame
// outside the library down to the coroutine's entry.
func capture(library FrameFilter) Location {
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
		if top && isLibrary(f.Function, library) {
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
