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
)

// Func is a coroutine's body. It receives its own Coro, to Yield through,
// and the value of the first Resume. What it returns is the last value out,
// and the error of the Resume that ran it to its end.
type Func[I, O any] func(c *Coro[I, O], in I) (O, error)

// Config adapts a coroutine to the layer that uses it. The zero Config
// gives ErrRunning and ErrClosed and no start check.
type Config[I any] struct {
	// ErrRunning and ErrClosed replace the package's errors of that name,
	// so that each layer reports mistakes in its own words.
	ErrRunning, ErrClosed error
	// CheckStart vets the value of the first Resume; a non-nil error is
	// returned by that Resume and the coroutine stays created.
	CheckStart func(in I) error
	// Origin is the function Where reports before the first Resume (by
	// default the Func); layers that wrap a user's function give the user's.
	Origin any
}

// A Coro is an asymmetric coroutine taking values of type I in and giving
// values of type O out. The zero Coro is not usable; make one with New.
//
// Its hot path, Resume and Yield, is kept small enough to be inlined into
// the caller: every frame between a caller and the runtime switch costs a
// mispredicted return after the switch (measured in BENCHMARKS.md). So the
// state machine lives in which function Resume calls (step) rather than in
// branches: iter.Pull's next while suspended, a handler in every other
// state.
type Coro[I, O any] struct {
	step    func() (struct{}, bool) // what Resume calls; see stepFor
	park    func(struct{}) bool     // what Yield calls: iter.Pull's yield, or a Where probe
	in      I
	out     O
	err     error // what Resume reports beside out
	probing bool  // Where woke the paused Yield to record its stack

	state     State
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
// coroutine; target is the coroutine being closed.
type unwinding struct{ target any }

// New returns a coroutine that will run fn from its first Resume. No
// goroutine exists until then.
func New[I, O any](fn Func[I, O], cfg Config[I]) *Coro[I, O] {
	if cfg.ErrRunning == nil {
		cfg.ErrRunning = ErrRunning
	}
	if cfg.ErrClosed == nil {
		cfg.ErrClosed = ErrClosed
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

// Resume runs the coroutine with in until it yields or returns, and gives
// what it yielded or returned with a nil error, or with the error its
// function returned. It returns the configured ErrRunning if the coroutine
// is running, ErrClosed if it has ended (State tells which happened), and a
// *PanicError if its function panicked.
func (c *Coro[I, O]) Resume(in I) (O, error) {
	c.in = in
	c.step()
	return c.out, c.err
}

// Yield gives out to the coroutine's resumer and returns the value of the
// next Resume. It may be called by the coroutine's own function or by any
// coroutine running on its behalf (see the package doc). If the coroutine
// is closed while paused here, Yield does not return: it unwinds the
// caller's stack. Calling Yield on a coroutine that is not running is a
// programming error and panics.
func (c *Coro[I, O]) Yield(out O) I {
	if c.state != Running {
		panic(errYieldNotRunning)
	}
	c.out, c.err = out, nil
	c.state = Suspended
	c.step = c.pullNext
	// Woken by Where (probing), park again; stopped (false), unwind: only
	// Close stops a coroutine whose chain is parked. The unwinding runs as
	// Running, so that a deferred Yield unwinds too.
	for !c.park(struct{}{}) || c.probing {
		if c.closing != nil {
			c.state = Running
			panic(c.closing)
		}
	}
	c.state = Running
	c.step = c.handlers.running
	return c.in
}

// errYieldNotRunning is the panic of a Yield on a coroutine that is not
// running: a programming error.
var errYieldNotRunning = errors.New("coro: Yield on a coroutine that is not running")

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

// Failure is the panic that ended the coroutine's function, or nil.
func (c *Coro[I, O]) Failure() *PanicError { return c.failure }

// Inline runs body on the caller's stack as the coroutine's function, for
// a layer that can do without switching (a generator in push mode). The
// coroutine must not have started; it is running during body and closed
// after, as if its function had run.
func (c *Coro[I, O]) Inline(body func()) {
	if c.state != Created {
		panic("coro: Inline on a coroutine that has started (" + c.state.String() + ")")
	}
	c.state = Running
	c.step = c.handlers.running
	defer func() {
		c.state = Closed
		c.step = c.handlers.closed
	}()
	body()
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
	c.where = capture()
	return c.pullYield(struct{}{})
}
