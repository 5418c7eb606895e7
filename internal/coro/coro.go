package coro

import (
	"errors"
	"iter"
)

// State is where a coroutine is in its life, in the words of Python's
// inspect.getgeneratorstate.
type State uint8

const (
	Created   State = iota // made, not yet resumed
	Running                // resumed and not yet yielded back
	Suspended              // paused in Yield
	Closed                 // returned, panicked or closed
)

func (s State) String() string {
	switch s {
	case Created:
		return "created"
	case Running:
		return "running"
	case Suspended:
		return "suspended"
	case Closed:
		return "closed"
	}
	return "invalid"
}

var (
	// ErrRunning: the coroutine is running (resumed from inside itself or
	// from a coroutine it resumed).
	ErrRunning = errors.New("coro: coroutine is already running")
	// ErrClosed: the coroutine has finished or was closed.
	ErrClosed = errors.New("coro: coroutine is closed")
	// ErrExit: the consumer of an inline run has stopped (see Inline).
	ErrExit = errors.New("coro: the consumer has stopped")
	// errYieldNotRunning is the panic of a Yield on a coroutine that is
	// not running: a programming error.
	errYieldNotRunning = errors.New("coro: Yield on a coroutine that is not running")
)

// Func is a coroutine's body. It receives its own Coro, to Yield through,
// and the value of the first Send. What it returns is the last value out,
// and the error of the Send that ran it to its end.
type Func[I, O any] func(c *Coro[I, O], in I) (O, error)

// Config adapts a coroutine to the layer that uses it. The zero Config
// gives the package's errors and no start check.
type Config[I any] struct {
	// ErrRunning, ErrClosed and ErrExit replace the package's errors of
	// those names, so that each layer reports in its own words.
	ErrRunning, ErrClosed, ErrExit error
	// CheckStart vets the value of the first Send; a non-nil error is
	// returned by that Send and the coroutine stays created.
	CheckStart func(in I) error
	// Origin is the function Where reports before the first Send (by
	// default the Func); layers that wrap a user's function give the user's.
	Origin any
	// Library tells the layer's frames, which Where leaves out on top of
	// a paused coroutine's stack (nil: only the runtime's and this
	// package's).
	Library FrameFilter
}

// A Coro is an asymmetric coroutine taking values of type I in and giving
// values of type O out: Send (or Next) runs it until it calls Yield or
// returns. The zero Coro is not usable; make one with New.
type Coro[I, O any] struct {
	Resumer[I, O]

	park      func(struct{}) bool // what Yield parks in: iter.Pull's yield, or a Where probe
	thrown    error               // delivered at the paused Yield by Throw
	probing   bool                // Where woke the paused Yield to record its stack
	state     State
	push      func(O) bool // set while running inline: Yield hands values to it
	pushEnded bool         // push refused a value: the consumer has stopped
	pushDone  any          // the panic that unwinds a body yielding after that

	fn        Func[I, O]
	cfg       Config[I]
	pullNext  func() (struct{}, bool)
	pullStop  func()
	pullYield func(struct{}) bool
	handlers  struct{ start, running, closed func() (struct{}, bool) }
	closing   any         // set by Close: the *unwinding that unwinds the coroutine
	failure   *PanicError // the coroutine's function panicked
	where     Location    // what a Where probe recorded
}

// unwinding is the panic value with which Close unwinds a suspended
// coroutine (and Inline a body that ignored ErrExit); target is the
// coroutine being unwound.
type unwinding struct{ target any }

// New returns a coroutine that will run fn from its first Send. No
// goroutine exists until then.
func New[I, O any](fn Func[I, O], cfg Config[I]) *Coro[I, O] {
	if cfg.ErrRunning == nil {
		cfg.ErrRunning = ErrRunning
	}
	if cfg.ErrClosed == nil {
		cfg.ErrClosed = ErrClosed
	}
	if cfg.ErrExit == nil {
		cfg.ErrExit = ErrExit
	}
	if cfg.Origin == nil {
		cfg.Origin = fn
	}
	c := &Coro[I, O]{fn: fn, cfg: cfg}
	c.handlers.start = c.start
	c.handlers.running = c.refuseRunning
	c.handlers.closed = c.refuseClosed
	c.step = c.handlers.start
	return c
}

// State reports where the coroutine is in its life.
func (c *Coro[I, O]) State() State { return c.state }

// Failure is the panic that ended the coroutine's function, or nil.
func (c *Coro[I, O]) Failure() *PanicError { return c.failure }

// Yield gives out to the coroutine's resumer and returns the value of the
// next Send, or the error of a Throw. It may be called by the coroutine's
// own function or by any coroutine running on its behalf (see the package
// doc). If the coroutine is closed while paused here, Yield does not return:
// it unwinds the caller's stack. In an inline run, Yield calls the consumer
// instead (see Inline). Calling Yield on a coroutine that is not running is
// a programming error and panics.
func (c *Coro[I, O]) Yield(out O) (I, error) {
	if c.push != nil {
		if c.push(out) {
			var zero I
			return zero, nil
		}
		return c.pushRefused()
	}
	if c.state != Running {
		panic(errYieldNotRunning)
	}
	c.out, c.err = out, nil
	c.state = Suspended
	c.step = c.pullNext
	if !c.park(struct{}{}) || c.probing {
		c.wokenOther()
	}
	c.state = Running
	c.step = c.handlers.running
	if c.thrown != nil {
		return c.takeThrown()
	}
	return c.in, nil
}

// The cold paths of Yield live in functions of their own, to keep the hot
// one small.

// pushRefused: the consumer of an inline run refused the value. It must
// not be called again: push becomes refuseAgain, which unwinds a body that
// ignores ErrExit and yields once more.
func (c *Coro[I, O]) pushRefused() (I, error) {
	c.pushEnded = true
	c.push = c.refuseAgain
	var zero I
	return zero, c.cfg.ErrExit
}

func (c *Coro[I, O]) refuseAgain(O) bool { panic(c.pushDone) }

// wokenOther handles a paused Yield woken by something other than Send:
// by Where (probing), after which it parks again, or stopped by Close (the
// only thing that stops a coroutine whose chain is parked), which unwinds
// it, as Running so that a deferred Yield unwinds too.
func (c *Coro[I, O]) wokenOther() {
	for {
		if c.closing != nil {
			c.state = Running
			panic(c.closing)
		}
		if !c.probing {
			return
		}
		c.park(struct{}{})
	}
}

func (c *Coro[I, O]) takeThrown() (I, error) {
	var zero I
	err := c.thrown
	c.thrown = nil
	return zero, err
}

// Throw resumes a suspended coroutine with err delivered at its paused
// Yield, which returns it. In any other state it does what Send does.
func (c *Coro[I, O]) Throw(err error) (O, error) {
	if c.state == Suspended {
		c.thrown = err
	}
	return c.Next()
}

// start is the step of a created coroutine: it makes the runtime coroutine
// and runs the function.
func (c *Coro[I, O]) start() (struct{}, bool) {
	if c.cfg.CheckStart != nil {
		if err := c.cfg.CheckStart(c.in); err != nil {
			var zero O
			c.out, c.err = zero, err
			return struct{}{}, false
		}
	}
	c.err = nil
	c.pullNext, c.pullStop = iter.Pull(c.run)
	c.state = Running
	c.step = c.handlers.running
	return c.pullNext()
}

func (c *Coro[I, O]) refuseRunning() (struct{}, bool) {
	var zero O
	c.out, c.err = zero, c.cfg.ErrRunning
	return struct{}{}, false
}

func (c *Coro[I, O]) refuseClosed() (struct{}, bool) {
	var zero O
	c.out, c.err = zero, c.cfg.ErrClosed
	return struct{}{}, false
}

// run is the pulled sequence: the coroutine's body and its end.
func (c *Coro[I, O]) run(yield func(struct{}) bool) {
	c.pullYield = yield
	c.park = yield
	defer c.finish()
	c.out, c.err = c.fn(c, c.in)
}

func (c *Coro[I, O]) finish() {
	c.state = Closed
	c.step = c.handlers.closed
	r := recover()
	if r == nil {
		return
	}
	var zero O
	c.out = zero
	if u, ok := r.(*unwinding); ok {
		c.err = c.cfg.ErrClosed
		if u.target != any(c) {
			// An outer coroutine is being closed: iter.Pull carries the
			// panic on into this coroutine's resumer, which is part of it.
			panic(u)
		}
		return
	}
	c.failure = newPanicError(r)
	c.err = c.failure
}

// Close ends the coroutine. A suspended coroutine is unwound from the Yield
// it is paused in, so its deferred calls run; one that has not started
// never runs; closing a closed coroutine does nothing. Close returns
// ErrRunning for a running coroutine and a *PanicError if a deferred call
// panicked while unwinding.
func (c *Coro[I, O]) Close() error {
	switch c.state {
	case Running:
		return c.cfg.ErrRunning
	case Closed:
		return nil
	case Created:
		c.state = Closed
		c.step = c.handlers.closed
		return nil
	}
	c.closing = &unwinding{target: c}
	c.pullStop()
	if c.failure != nil {
		return c.failure
	}
	return nil
}

// Where tells where the coroutine is: for a suspended one, the stack of the
// goroutine paused in Yield, innermost first (the coroutine's own, or that
// of the coroutine deep in its chain that suspended it); for one not yet
// started, its function's entry. A running or closed coroutine is nowhere
// in particular and gets an empty Location. It costs nothing until called:
// it wakes the paused Yield, which records its own stack and parks again.
func (c *Coro[I, O]) Where() Location {
	switch c.state {
	case Created:
		return EntryOf(c.cfg.Origin)
	case Suspended:
		c.park, c.probing = c.probe, true
		c.pullNext() // the paused Yield sees probing and parks again through probe
		c.park, c.probing = c.pullYield, false
		w := c.where
		c.where = Location{}
		return w
	}
	return Location{}
}

// probe records the stack of the goroutine paused in Yield, then parks it
// again.
func (c *Coro[I, O]) probe(struct{}) bool {
	c.where = capture(c.cfg.Library)
	return c.pullYield(struct{}{})
}
