package coro

// Inline runs body on the caller's stack as the coroutine's function, with
// no switching: each Yield calls consume with the value and returns at
// once (with the zero I). When consume returns false, the consumer has
// stopped: that Yield returns the configured ErrExit and the body should
// return; a body that yields again is unwound instead (its deferred calls
// run) and Inline reports unwound. The coroutine must not have started; it
// is running during body and closed after, as if its function had run. A
// panic in body passes through Inline unchanged.
func (c *Coro[I, O]) Inline(body func(), consume func(O) bool) (unwound bool) {
	return c.inline(body, consume, nil)
}

// InlineInto runs body inline like Inline, yielding into the consumer of
// outer, which must be running inline itself: a delegation (yield from)
// with no coroutine. If the consumer stops, it is stopped for both.
func (c *Coro[I, O]) InlineInto(outer *Coro[I, O], body func()) (unwound bool) {
	if outer.push == nil {
		panic("coro: InlineInto a coroutine that is not running inline")
	}
	return c.inline(body, outer.push, outer)
}

// Pushing reports whether the coroutine is running inline.
func (c *Coro[I, O]) Pushing() bool { return c.push != nil }

// ConsumerStopped reports whether the consumer of an inline run has
// refused a value.
func (c *Coro[I, O]) ConsumerStopped() bool { return c.pushEnded }

func (c *Coro[I, O]) inline(body func(), consume func(O) bool, outer *Coro[I, O]) (unwound bool) {
	if c.state != Created {
		panic("coro: Inline on a coroutine that has started (" + c.state.String() + ")")
	}
	u := &unwinding{target: c}
	c.push, c.pushDone = consume, u
	if outer != nil && outer.pushEnded {
		c.pushEnded = true
		c.push = c.refuseAgain
	}
	c.state = Running
	c.step = c.handlers.running
	defer func() {
		if outer != nil && c.pushEnded && !outer.pushEnded {
			outer.pushEnded = true
			outer.push = outer.refuseAgain
		}
		c.push, c.pushDone = nil, nil
		c.state = Closed
		c.step = c.handlers.closed
		if r := recover(); r != nil {
			if r != any(u) {
				panic(r)
			}
			unwound = true
		}
	}()
	body()
	return false
}
