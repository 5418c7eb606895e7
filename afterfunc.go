package corio

import "sync"

// afterFuncs are the functions registered with a hub context's AfterFunc,
// to call once when it is cancelled. AfterFunc may be called from any
// goroutine, and so may the cancellation: a mutex guards them.
type afterFuncs struct {
	mu    sync.Mutex
	fired bool
	fns   map[*func()]struct{}
}

// AfterFunc arranges for f to be called once c is cancelled, and returns
// a function that stops that call (reporting whether it stopped it). It
// is what the context package looks for in a parent: with it, a context
// of the standard library made under a hub context (context.WithCancel,
// WithTimeout) is cancelled as soon as its parent is, not by a goroutine
// of its own some time later. f runs on the goroutine that cancels c, or,
// if c is already cancelled, on a goroutine of its own.
func (c *hctx) AfterFunc(f func()) (stop func() bool) {
	a := c.after.Load()
	if a == nil {
		a = &afterFuncs{}
		if !c.after.CompareAndSwap(nil, a) {
			a = c.after.Load()
		}
	}
	a.mu.Lock()
	// An error set before the list was seen finds no list to fire: it is
	// checked under the lock, after the list is in place.
	if a.fired || c.Err() != nil {
		a.fired = true
		a.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if a.fns == nil {
		a.fns = make(map[*func()]struct{})
	}
	key := &f
	a.fns[key] = struct{}{}
	a.mu.Unlock()
	return func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := a.fns[key]; !ok {
			return false
		}
		delete(a.fns, key)
		return true
	}
}

// fire calls the registered functions, once.
func (a *afterFuncs) fire() {
	a.mu.Lock()
	if a.fired {
		a.mu.Unlock()
		return
	}
	a.fired = true
	fns := a.fns
	a.fns = nil
	a.mu.Unlock()
	for f := range fns {
		(*f)()
	}
}
