package coro

import "iter"

// A Fiber is a symmetric coroutine: a function on a goroutine of its own
// that runs when another fiber of its Sched switches to it and stops when
// it switches to another. Unlike a Coro, a fiber has no resumer to return
// to: whoever stops decides who runs next, so control moves between two
// fibers in one runtime switch. The hub runs its tasks as fibers, and a
// task that waits hands the hub's goroutine straight to the next ready
// task.
//
// A fiber's Program runs in two parts: Body, the work, whose panic is
// recovered and kept (Failure); then Exit, which says which fiber runs
// next. When Exit returns, the fiber's goroutine ends.
//
// Fibers are used by one chain of control at a time, as coroutines are:
// Switch, Where and Unwind are called by the running fiber only, that is
// from its own goroutine or from a coroutine running on its behalf (deep
// suspension: a generator the fiber resumed may switch it away).
type Fiber struct {
	sched    *Sched
	state    State
	port     Port  // the runtime coroutine the body runs on, from launch
	parkedIn *Port // where the fiber's goroutine waits while another runs
	prog     Program

	probe     *Location // set by Where: record the stack there, then switch back
	visitor   *Fiber    // who asked, by Where or Unwind
	unwinding bool      // resumed only to unwind
	unwound   bool      // its body was unwound by Unwind
	failure   *PanicError
	goexited  bool // its body called runtime.Goexit
	recycle   bool // Exit asked to keep the goroutine for another program
}

// A Program is what a fiber runs: Body, then Exit, which returns the
// fiber to run next. An interface rather than two functions so that a
// layer's own type can be the program without allocating closures.
type Program interface {
	Body()
	Exit() *Fiber
}

// Funcs makes a Program of two functions.
type Funcs struct {
	BodyFunc func()
	ExitFunc func() *Fiber
}

func (p Funcs) Body()        { p.BodyFunc() }
func (p Funcs) Exit() *Fiber { return p.ExitFunc() }

// A Sched is a family of fibers that switch among themselves; it knows
// which one runs.
type Sched struct {
	running *Fiber
	library FrameFilter // the frames Where leaves out on top
	// toStop is the port of a fiber whose body called runtime.Goexit,
	// parked in it for good, and toRun the fiber its Exit chose: the
	// goroutine woken in its place stops the port from a goroutine of its
	// own, then hands control to toRun (see goexit).
	toStop *Port
	toRun  *Fiber
}

// NewSched returns a family whose root fiber is the calling goroutine's
// own execution, running. library tells the frames of the layer that makes
// the fibers, which Where leaves out (nil: only the runtime's and this
// package's).
func NewSched(library FrameFilter) (*Sched, *Fiber) {
	s := &Sched{library: library}
	root := &Fiber{sched: s, state: Running}
	s.running = root
	return s, root
}

// New returns a fiber that runs prog when first switched to.
func (s *Sched) New(prog Program) *Fiber {
	f := &Fiber{}
	s.Init(f, prog)
	return f
}

// Init makes f, a zero Fiber, a new fiber of s as New does, for a layer
// that keeps fibers inside its own structures.
func (s *Sched) Init(f *Fiber, prog Program) {
	f.sched, f.prog = s, prog
}

// Running is the fiber that runs now.
func (s *Sched) Running() *Fiber { return s.running }

// State is where the fiber is in its life: Created, Running, Suspended
// (parked, waiting to be switched to) or Closed.
func (f *Fiber) State() State { return f.state }

// Failure is the panic that ended the fiber's body, or nil.
func (f *Fiber) Failure() *PanicError { return f.failure }

// Unwound reports whether the fiber's body was ended by Unwind.
func (f *Fiber) Unwound() bool { return f.unwound }

// Goexited reports whether the fiber's body called runtime.Goexit. Its
// Exit runs as for a body that returned, but the fiber must not be
// recycled: its goroutine is ending.
func (f *Fiber) Goexited() bool { return f.goexited }

// Switch runs to and parks f, the running fiber, until some fiber switches
// back to it. Switching to f itself does nothing. to must not be running
// or closed.
func (f *Fiber) Switch(to *Fiber) {
	p := to.parkedIn
	if p == nil || to == f {
		f.switchSlow(to)
		return
	}
	// The common case, a parked target, written out flat with the port's
	// switch inlined: every frame between the caller and the switch costs
	// a mispredicted return when the goroutine wakes.
	s := f.sched
	s.running = to
	f.state = Suspended
	to.parkedIn, f.parkedIn = nil, p
	if p.YieldDue() {
		p.SwapYield()
	} else {
		p.SwapNext()
	}
	f.parkedIn = nil // woken by a switch, or by the end of p's fiber
	if s.running != f || f.probe != nil || f.unwinding {
		f.wokenOther()
	}
	f.state = Running
}

// switchSlow is Switch to a fiber not started yet, or to f itself.
func (f *Fiber) switchSlow(to *Fiber) {
	if to == f {
		return
	}
	f.state = Suspended
	f.park(to)
	f.state = Running
	if f.probe != nil || f.unwinding {
		f.wokenOther()
	}
}

// park parks f where to waits and wakes to; it returns once f is the fiber
// meant to run. A fiber whose function ends wakes whichever goroutine
// waits in its port, which then hands control to the fiber exit chose.
func (f *Fiber) park(to *Fiber) {
	s := f.sched
	s.running = to
	for {
		p := to.parkedIn
		if p == nil {
			p = to.launch()
		}
		to.parkedIn, f.parkedIn = nil, p
		if p.YieldDue() {
			p.SwapYield()
		} else {
			p.SwapNext()
		}
		f.parkedIn = nil // woken by a switch, or by the end of p's fiber
		if s.toStop != nil {
			s.stopGoexited()
		}
		if to = s.running; to == f {
			return
		}
	}
}

// launch makes the runtime coroutine of a fiber that has not started; its
// goroutine waits in it until the first switch.
func (f *Fiber) launch() *Port {
	f.port.next, f.port.stop = iter.Pull(f.pull)
	return &f.port
}

// pull is the function of the fiber's port: the program, then, for a
// fiber its Exit recycled, the next program given by Rebind, and so on.
func (f *Fiber) pull(yield func(struct{}) bool) {
	f.port.yield = yield
	f.port.started = true
	for {
		f.state = Running
		f.runBody()
		f.state = Closed
		next := f.prog.Exit()
		if !f.recycle || f.unwinding {
			f.sched.running = next
			f.port.exited = true
			return
		}
		f.recycle = false
		if next == f {
			continue // Exit rebound it already: run the next program now
		}
		// Idle: parked with no program until Rebind and a switch, or
		// Unwind, which ends the goroutine.
		f.state = Suspended
		f.park(next)
		if f.unwinding {
			f.state = Closed
			f.sched.running = f.visitor
			f.port.exited = true
			return
		}
	}
}

// Recycle, called from the fiber's Exit, keeps its goroutine: instead of
// ending, the fiber parks idle, with no program, until it is given another
// with Rebind. Starting a fiber costs a goroutine and a runtime coroutine;
// rebinding an idle one costs nothing. An idle fiber that will not be
// used again must be ended with Unwind.
func (f *Fiber) Recycle() {
	f.recycle = true
	f.prog, f.failure, f.unwound = nil, nil, false
}

// Rebind gives an idle fiber a new program, which runs from the next
// switch to it, as a new fiber's would. A fiber may be rebound within its
// own Exit, after Recycle: Exit then returns the fiber itself, and the new
// program runs at once on the same goroutine.
func (f *Fiber) Rebind(prog Program) { f.prog = prog }

func (f *Fiber) runBody() {
	returned := false
	defer func() {
		r := recover()
		if r == nil {
			if !returned { // runtime.Goexit: this goroutine is ending
				f.goexit()
			}
			return
		}
		if u, ok := r.(*unwinding); ok && u.target == any(f) {
			f.unwound = true
			return
		}
		f.failure = newPanicError(r)
	}()
	f.prog.Body()
	returned = true
}

// goexit ends a fiber whose body called runtime.Goexit, from the deferred
// call that saw it, while its goroutine is still alive: Exit runs and
// picks the next fiber, as for a body that returned; then the goroutine
// may end. Its end wakes the goroutine parked in the fiber's port, which
// hands control to the next fiber, as at any fiber's end. But iter.Pull
// passes a Goexit on to a goroutine that parked through next (it would
// end the hub's goroutine, and that of whoever called Run); one that
// parked through yield just wakes. So if the one parked there came
// through next, the fiber first parks in its own port through yield,
// which wakes it as a switch would; the fiber that runs next then stops
// the port from a goroutine of its own (stopGoexited), which the Goexit
// ends instead.
//
// Running stays f meanwhile, which no other fiber is: whoever wakes sees
// it is not the one to run and takes the slow path (park, wokenOther),
// which calls stopGoexited.
func (f *Fiber) goexit() {
	f.goexited = true
	f.state = Closed
	next := f.prog.Exit()
	s := f.sched
	f.port.exited = true
	if !f.port.yieldDue {
		s.running = next
		return
	}
	s.running, s.toStop, s.toRun = f, &f.port, next
	f.port.SwapYield() // returns once stopped: the Goexit then goes on
}

// stopGoexited, in the goroutine woken in the place of a fiber whose body
// called runtime.Goexit, stops that fiber's port from a goroutine of its
// own, which the Goexit then ends, and makes the fiber its Exit chose the
// one to run (see goexit).
func (s *Sched) stopGoexited() {
	p := s.toStop
	s.running, s.toStop, s.toRun = s.toRun, nil, nil
	go p.Stop()
}

// wokenOther handles a parked fiber woken by something other than a
// switch meant for it: by the end of the fiber whose port it waited in,
// after which it hands control to the fiber that one chose; by Where,
// after which it parks again; or by Unwind.
func (f *Fiber) wokenOther() {
	if f.sched.toStop != nil {
		f.sched.stopGoexited()
	}
	for {
		if to := f.sched.running; to != f {
			f.state = Suspended
			f.park(to)
			continue
		}
		if f.probe == nil {
			break
		}
		by := f.visitor
		*f.probe = capture(f.sched.library)
		f.probe, f.visitor = nil, nil
		f.state = Suspended
		f.park(by)
	}
	f.state = Running
	if f.unwinding {
		panic(&unwinding{target: f})
	}
}

// Where tells where target, a fiber of f's family, is: for a parked one,
// the stack of the goroutine parked for it, innermost first; for one not
// started, running or closed, nothing (a layer that knows the function a
// fiber will run reports that itself). f must be the running fiber: it
// switches to target, which records its stack and switches straight back.
func (f *Fiber) Where(target *Fiber) Location {
	switch target.state {
	case Created:
		return Location{}
	case Suspended:
		var w Location
		target.probe, target.visitor = &w, f
		f.Switch(target)
		return w
	}
	return Location{}
}

// Unwind switches to target, a parked fiber, making the Switch it is
// parked in panic so that its stack unwinds and its deferred calls run;
// then its Exit runs as for a body that returned. An idle fiber simply
// ends. A deferred call that switches away is switched back to and
// panics again, so a deferred call that waits cannot keep the fiber alive;
// Unwind returns once target has ended. f must be the running fiber, and
// target's Exit should hand control back to it.
func (f *Fiber) Unwind(target *Fiber) {
	if target.state != Suspended {
		return
	}
	target.unwinding = true
	target.visitor = f
	// A deferred call that switches away comes back here; each switch
	// back panics again, until the fiber has ended.
	for target.state != Closed {
		f.Switch(target)
	}
}
