package corio

import (
	"cmp"
	"slices"
	"sync"
)

// afterFuncs are the functions registered with a hub context's AfterFunc,
// to call once when it is cancelled. AfterFunc may be called from any
// goroutine, and so may the cancellation: a mutex guards them.
type afterFuncs struct {
	mu    sync.Mutex
	fired bool
	// fns holds each function's registration number: they are called in
	// the order registered (a seeded run replays them; see Seed).
	fns  map[*func()]uint64
	next uint64
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
		a.fns = make(map[*func()]uint64)
	}
	key := &f
	a.next++
	a.fns[key] = a.next
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
	ordered := make([]*func(), 0, len(fns))
	for f := range fns {
		ordered = append(ordered, f)
	}
	slices.SortFunc(ordered, func(x, y *func()) int { return cmp.Compare(fns[x], fns[y]) })
	for _, f := range ordered {
		(*f)()
	}
}
