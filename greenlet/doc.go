// Package greenlet gives Go the greenlets of Python's greenlet library:
// coroutines that switch to each other explicitly and symmetrically, each
// passing values to the next.
//
// # The model
//
// A greenlet is a function running on a stack of its own. It runs when some
// greenlet switches to it and stops running when it switches to another:
// nothing switches implicitly, and nothing runs in parallel. Every greenlet
// has a parent; when its function returns, its result goes to the parent,
// which continues from its own last switch as if it had been switched to
// with that value. An error returned by the function, or a panic in it,
// goes to the parent the same way. A parent that has never run (given
// with SetParent) is started by its child's result, with the result as
// its arguments; an error instead ends such a parent without running it
// and goes on to the parent's parent, as in Python.
//
// The greenlets that switch among each other form a family rooted in one
// goroutine, the root goroutine, whose own execution is the family's main
// greenlet. Main makes the main greenlet for the calling goroutine:
//
//	main := greenlet.Main()
//	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
//		got, err := self.Switch(main, "hello") // back to main, which gets "hello"
//		...
//	})
//	vals, err := main.Switch(g, "start") // runs g with args "start"
//
// # The current greenlet is explicit
//
// Python finds the running greenlet in thread-local state. Go has no such
// state, so the running greenlet is named: a greenlet's function receives
// its own handle, the root goroutine holds its main greenlet, and a switch
// is made by the running greenlet, self.Switch(target, args...). That makes
// mistakes checkable: switching from a greenlet that is not the running one
// returns ErrNotCurrent, and switching into another family, which lives on
// another root goroutine, returns ErrOtherRoot (Python's "cannot switch to a
// different thread").
//
// # Switching
//
// A switch parks the running greenlet's goroutine in the runtime coroutine
// that the target waits in and wakes the target: one runtime switch, with
// no scheduler and no trampoline through the root (see internal/coro).
// Switching to a dead greenlet switches to its parent, or the parent's
// parent, and so on. Throw switches to a greenlet and makes its pending
// Switch return an error; thrown into a greenlet that never started, the
// greenlet dies without running, and thrown into a dead one it goes to
// the parent as that greenlet's end. ErrExit (Python's GreenletExit)
// returned by a function, or thrown into a greenlet that has not started
// or has died, is not an error for its parent: it becomes the function's
// return value, as g.throw() returns the GreenletExit in Python.
//
// # Ending a family
//
// A greenlet that has started and not finished keeps a parked goroutine.
// When the root goroutine is done with its greenlets, it calls Close on its
// main greenlet, which throws ErrExit into each unfinished greenlet.
package greenlet
