package greenlet

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/corio-go/corio/internal/coro"
)

var (
	// ErrExit asks a greenlet to finish, like Python's GreenletExit: Kill
	// and Close throw it, and a function that returns it gives it to its
	// parent as its return value rather than as an error.
	ErrExit = errors.New("greenlet: greenlet exit")
	// ErrNotCurrent reports a switch made through a greenlet that is not
	// the running one of its family.
	ErrNotCurrent = errors.New("greenlet: switch from a greenlet that is not running")
	// ErrOtherRoot reports a switch into a greenlet of another family, which
	// belongs to another root goroutine.
	ErrOtherRoot = errors.New("greenlet: cannot switch to a greenlet of a different root goroutine")
	// ErrParentCycle reports a SetParent that would make a greenlet its own
	// ancestor.
	ErrParentCycle = errors.New("greenlet: parent cycle")
	// ErrNoParent reports a SetParent of nil, or of the main greenlet,
	// which has no parent.
	ErrNoParent = errors.New("greenlet: a greenlet's parent must be a greenlet, and main has none")
	// ErrNil reports a nil greenlet where one is needed.
	ErrNil = errors.New("greenlet: nil greenlet")
)

// PanicError is a panic in a greenlet's function, given to its parent with
// the original value and the greenlet's stack.
type PanicError = coro.PanicError

// Func is a greenlet's function. It receives its own greenlet, through
// which it switches, and the values of the switch that started it. What it
// returns goes to its parent.
type Func func(self *Greenlet, args ...any) (any, error)

// A Greenlet is one coroutine of a family. Make the main one with Main and
// others with New.
type Greenlet struct {
	fam      *family
	fn       Func
	parent   *Greenlet
	port     *coro.Port // the runtime coroutine running fn, from its start; nil for main
	parkedIn *coro.Port // where this greenlet's goroutine waits while it does not run
	started  bool
	dead     bool
}

// family is the state shared by the greenlets of one root goroutine.
type family struct {
	main     *Greenlet
	current  *Greenlet
	transfer transfer    // what the switch into current passes
	members  []*Greenlet // every greenlet made, for Close
}

type transfer struct {
	args []any
	err  error
}

// Main returns a new main greenlet: the calling goroutine's own execution,
// the root of a new family. It is running, and never dies.
func Main() *Greenlet {
	fam := &family{}
	m := &Greenlet{fam: fam, started: true}
	fam.main, fam.current = m, m
	return m
}

// New returns a greenlet that will run fn when first switched to. Its
// parent is g, the greenlet that creates it (usually the caller's own).
func (g *Greenlet) New(fn Func) *Greenlet {
	c := &Greenlet{fam: g.fam, fn: fn, parent: g}
	g.fam.members = append(g.fam.members, c)
	return c
}

// Switch passes args to target and runs it: a greenlet not yet started
// calls its function with them; a suspended one returns them from its own
// pending Switch. g, which must be the running greenlet, waits until a
// switch comes back to it and returns what that switch passes: values and
// a nil error, or, when the greenlet that comes back is a child that
// finished, the child's return value, or its error (a *PanicError if it
// panicked), or the error a Throw passed.
func (g *Greenlet) Switch(target *Greenlet, args ...any) ([]any, error) {
	fam := g.fam
	if target == nil || target.fam != fam || fam.current != g || target.parkedIn == nil || target == g {
		if err := g.checkSwitch(target); err != nil {
			return nil, err
		}
		return g.switchTo(target, transfer{args: args})
	}
	// The common case: a live, started target that waits. It is written
	// out flat, with the port's switch inlined, because each frame between
	// the caller and the switch costs a mispredicted return after it.
	fam.transfer = transfer{args: args}
	fam.current = target
	p := target.parkedIn
	target.parkedIn, g.parkedIn = nil, p
	if p.YieldDue() {
		p.SwapYield()
	} else {
		p.SwapNext()
	}
	// Whoever switched back to g cleared g.parkedIn (a greenlet that ended
	// did so in run).
	if fam.current != g {
		g.handOver(fam.current)
	}
	// The transfer is left in place (not cleared, a cost on this path):
	// every wake-up writes a new one first.
	return fam.transfer.args, fam.transfer.err
}

// Throw switches to target and makes its pending Switch return err (ErrExit
// if err is nil). A target that has not started dies without running, and
// one that has already died stays dead: in both cases its parent receives
// err as if target's function had returned it, so ErrExit comes back as a
// value ([]any{ErrExit}, nil), as Python's g.throw() returns the
// GreenletExit, and any other error as an error.
func (g *Greenlet) Throw(target *Greenlet, err error) ([]any, error) {
	if err := g.checkSwitch(target); err != nil {
		return nil, err
	}
	if err == nil {
		err = ErrExit
	}
	if !target.started || target.dead {
		target.started, target.dead = true, true
		end := endOf(nil, err)
		return g.switchTo(receiver(target.parent, end), end)
	}
	return g.switchTo(target, transfer{err: err})
}

// Kill throws ErrExit into target: a short Throw(target, nil).
func (g *Greenlet) Kill(target *Greenlet) ([]any, error) { return g.Throw(target, nil) }

func (g *Greenlet) checkSwitch(target *Greenlet) error {
	switch {
	case target == nil:
		return ErrNil
	case target.fam != g.fam:
		return ErrOtherRoot
	case g.fam.current != g:
		return fmt.Errorf("%w (the running one is %v)", ErrNotCurrent, g.fam.current)
	}
	return nil
}

// switchTo passes t to target, or to its nearest live ancestor, parks g
// where that greenlet waits, and returns what the switch back to g passes.
func (g *Greenlet) switchTo(target *Greenlet, t transfer) ([]any, error) {
	for target.dead {
		target = target.parent
	}
	fam := g.fam
	if target == g {
		return t.args, t.err
	}
	fam.transfer = t
	fam.current = target
	if !target.started {
		target.start()
	}
	g.handOver(target)
	t, fam.transfer = fam.transfer, transfer{}
	return t.args, t.err
}

// start gives g, about to run for the first time, its coroutine.
func (g *Greenlet) start() {
	g.started = true
	g.port = coro.NewPort(g.run)
	g.parkedIn = g.port // its fresh goroutine waits there
}

// receiver is the greenlet that the end of a child (its result, or an
// error) goes to, starting from the child's parent p, as Python's greenlet
// routes it: past dead ancestors; and while the end is an error, past
// ancestors that never started, each of which dies without running. A
// never-started receiver of a result is started with it as its arguments.
func receiver(p *Greenlet, end transfer) *Greenlet {
	for {
		for p.dead {
			p = p.parent
		}
		if p.started || end.err == nil {
			return p
		}
		p.started, p.dead = true, true
	}
}

// handOver parks g where target waits and wakes target. When g wakes, it
// makes sure it is the greenlet meant to run: a greenlet that finishes
// wakes whichever goroutine waits in its port, which then hands control on
// to the greenlet the finished one chose.
func (g *Greenlet) handOver(target *Greenlet) {
	for {
		p := target.parkedIn
		target.parkedIn, g.parkedIn = nil, p
		p.Swap()
		g.parkedIn = nil
		if target = g.fam.current; target == g {
			return
		}
	}
}

// run is the body of g's port, on g's own goroutine.
func (g *Greenlet) run() {
	t := g.fam.transfer
	g.fam.transfer = transfer{}
	result, err := g.call(t.args)
	g.dead = true
	end := endOf(result, err)
	parent := receiver(g.parent, end)
	if !parent.started {
		parent.start() // a result starts a parent that never ran
	}
	g.fam.transfer = end
	g.fam.current = parent
	if parent.parkedIn == g.port {
		parent.parkedIn = nil // the port's end wakes parent itself
	}
	// Returning ends the port: the goroutine waiting in it wakes and hands
	// control to parent (see handOver).
}

func (g *Greenlet) call(args []any) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			result, err = nil, &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return g.fn(g, args...)
}

// endOf is what a finished greenlet passes to its parent.
func endOf(result any, err error) transfer {
	if errors.Is(err, ErrExit) {
		return transfer{args: []any{err}}
	}
	if err != nil {
		return transfer{err: err}
	}
	return transfer{args: []any{result}}
}

// Parent is the greenlet that receives g's result; nil for main.
func (g *Greenlet) Parent() *Greenlet { return g.parent }

// SetParent makes p the parent of g. It refuses a cycle (p may not be g
// or a descendant of g), a parent of another family, nil, and any parent
// for the main greenlet.
func (g *Greenlet) SetParent(p *Greenlet) error {
	switch {
	case p == nil || g.parent == nil:
		return ErrNoParent
	case p.fam != g.fam:
		return ErrOtherRoot
	}
	for a := p; a != nil; a = a.parent {
		if a == g {
			return ErrParentCycle
		}
	}
	g.parent = p
	return nil
}

// Dead reports whether g's function has finished (or g was thrown into
// before it started).
func (g *Greenlet) Dead() bool { return g.dead }

// Started reports whether g has been switched to (or thrown into).
func (g *Greenlet) Started() bool { return g.started }

// Current is the running greenlet of g's family.
func (g *Greenlet) Current() *Greenlet { return g.fam.current }

// String names g for messages: "main" or "greenlet@<address>".
func (g *Greenlet) String() string {
	if g == nil {
		return "<nil>"
	}
	if g.parent == nil {
		return "main"
	}
	return fmt.Sprintf("greenlet@%p", g)
}

// Close ends the family of the main greenlet g: it kills every greenlet
// that has started and not finished, after making g its parent, so that
// each one's end comes back here. It must be called by the root goroutine
// while main is running. It returns the errors the greenlets ended with
// (ErrExit is not one), and an error naming those that would not die.
func (g *Greenlet) Close() error {
	if g.parent != nil {
		return fmt.Errorf("greenlet: Close on %v: only the main greenlet closes its family", g)
	}
	if g.fam.current != g {
		return fmt.Errorf("%w: Close while %v runs", ErrNotCurrent, g.fam.current)
	}
	var errs []error
	for _, c := range g.fam.members {
		if !c.started || c.dead {
			continue
		}
		c.parent = g
		if _, err := g.Kill(c); err != nil {
			errs = append(errs, err)
		}
		if !c.dead {
			errs = append(errs, fmt.Errorf("greenlet: %v ignored ErrExit and is still alive", c))
		}
	}
	g.fam.members = nil
	return errors.Join(errs...)
}
