package coro

import "iter"

// A Port is one runtime coroutine used as a raw swap point. Exactly one
// goroutine is parked in a port at any time: at first the goroutine that will
// run the port's function, later whichever goroutine last called Swap on it.
//
// Swap parks the calling goroutine in the port and wakes the goroutine that
// was parked there. iter.Pull exposes the runtime switch as two functions,
// next and yield, that must alternate; the port remembers which one is due,
// so any goroutine may swap on it in any order.
//
// A Port is not safe for concurrent use: the goroutines that swap on it
// must form one chain of control (each runs only while the others are
// parked), which is what coroutines are.
type Port struct {
	next     func() (struct{}, bool)
	stop     func()
	yield    func(struct{}) bool
	yieldDue bool // the next swap goes through yield rather than next
	exited   bool // the port's function has returned
	started  bool // the port's function has begun
}

// NewPort returns a port whose function fn runs, on a goroutine of its own,
// from the first Swap on it. When fn returns, its goroutine exits and the
// goroutine parked in the port at that moment wakes from its Swap, which
// reports false.
func NewPort(fn func()) *Port {
	p := &Port{}
	p.next, p.stop = iter.Pull(func(yield func(struct{}) bool) {
		p.yield = yield
		p.started = true
		defer func() { p.exited = true }()
		fn()
	})
	return p
}

// Swap parks the calling goroutine in p and runs the goroutine parked
// there. It returns when some goroutine swaps on p again (true), when p's
// function returns (false, and Exited reports true) or when p is stopped
// (false).
func (p *Port) Swap() bool {
	if p.yieldDue {
		return p.SwapYield()
	}
	return p.SwapNext()
}

// Swap's two halves, for callers on a hot path: each inlines, where Swap,
// with two calls, cannot. A caller picks the one YieldDue says.

// YieldDue reports which half of Swap is due.
func (p *Port) YieldDue() bool { return p.yieldDue }

// SwapNext is Swap when YieldDue is false.
func (p *Port) SwapNext() bool {
	p.yieldDue = true
	_, ok := p.next()
	return ok
}

// SwapYield is Swap when YieldDue is true.
func (p *Port) SwapYield() bool {
	p.yieldDue = false
	return p.yield(struct{}{})
}

// Stop ends p: the goroutine parked in p wakes with Swap reporting false and
// must make p's function return; Stop returns once it has. If p's function
// never started, it never runs. Stop must be called only while the goroutine
// parked in p is inside Swap through yield, or before the first Swap.
func (p *Port) Stop() {
	if p.yieldDue {
		panic("coro: Port.Stop while the port's goroutine is running")
	}
	p.stop()
}

// Exited reports whether p's function has returned.
func (p *Port) Exited() bool { return p.exited }

// Started reports whether p's function has begun to run.
func (p *Port) Started() bool { return p.started }
