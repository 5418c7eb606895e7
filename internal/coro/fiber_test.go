package coro_test

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/corio-go/corio/internal/coro"
)

// trail records events in order.
type trail []string

func (tr *trail) add(format string, args ...any) { *tr = append(*tr, fmt.Sprintf(format, args...)) }

func (tr trail) check(t *testing.T, want ...string) {
	t.Helper()
	if !reflect.DeepEqual([]string(tr), want) {
		t.Fatalf("events:\n got %q\nwant %q", tr, want)
	}
}

func TestFiberSwitchOrderAndExit(t *testing.T) {
	var tr trail
	s, root := coro.NewSched(nil)
	var a, b *coro.Fiber
	a = s.New(coro.Funcs{BodyFunc: func() {
		tr.add("a1")
		a.Switch(b)
		tr.add("a2")
		a.Switch(b)
		tr.add("a3")
	}, ExitFunc: func() *coro.Fiber { tr.add("a exits to root"); return root }})
	b = s.New(coro.Funcs{BodyFunc: func() {
		tr.add("b1")
		b.Switch(a)
		tr.add("b2")
		b.Switch(a)
		tr.add("b never resumed")
	}, ExitFunc: func() *coro.Fiber { return root }})
	if a.State() != coro.Created || s.Running() != root {
		t.Fatal("initial states")
	}
	root.Switch(a)
	tr.check(t, "a1", "b1", "a2", "b2", "a3", "a exits to root")
	if a.State() != coro.Closed || b.State() != coro.Suspended || s.Running() != root {
		t.Fatalf("states: a %v, b %v", a.State(), b.State())
	}
	root.Switch(root) // switching to oneself does nothing
	root.Unwind(b)
	if b.State() != coro.Closed || !b.Unwound() || b.Failure() != nil {
		t.Fatalf("unwound b: %v %v %v", b.State(), b.Unwound(), b.Failure())
	}
	root.Unwind(b) // ended: nothing to do
}

// A fiber that ends wakes whichever goroutine waits in its port, which
// must hand control on to the fiber that Exit chose.
func TestFiberExitHandsOver(t *testing.T) {
	var tr trail
	s, root := coro.NewSched(nil)
	var a, b, c *coro.Fiber
	a = s.New(coro.Funcs{BodyFunc: func() {
		a.Switch(b) // b's goroutine starts; a waits in b's port... no: root waits in a's
		tr.add("a resumed")
	}, ExitFunc: func() *coro.Fiber { return root }})
	b = s.New(coro.Funcs{BodyFunc: func() {
		tr.add("b runs")
		b.Switch(c)
		tr.add("b resumed")
	}, ExitFunc: func() *coro.Fiber { tr.add("b exits to a"); return a }})
	c = s.New(coro.Funcs{BodyFunc: func() {
		tr.add("c runs")
	}, ExitFunc: func() *coro.Fiber { tr.add("c exits to b"); return b }})
	root.Switch(a)
	tr.check(t, "b runs", "c runs", "c exits to b", "b resumed", "b exits to a", "a resumed")
	if s.Running() != root {
		t.Fatal("root is not running at the end")
	}
}

func TestFiberPanicIsKept(t *testing.T) {
	s, root := coro.NewSched(nil)
	boom := errors.New("boom")
	f := s.New(coro.Funcs{BodyFunc: func() { panic(boom) }, ExitFunc: func() *coro.Fiber { return root }})
	root.Switch(f)
	p := f.Failure()
	if p == nil || !errors.Is(p, boom) || !strings.Contains(string(p.Stack), "TestFiberPanicIsKept") {
		t.Fatalf("failure = %v", p)
	}
}

func TestFiberUnwindRunsDeferredCalls(t *testing.T) {
	var tr trail
	s, root := coro.NewSched(nil)
	var f *coro.Fiber
	f = s.New(coro.Funcs{BodyFunc: func() {
		defer tr.add("deferred ran")
		defer func() {
			f.Switch(root) // a deferred call that waits is unwound too
			tr.add("not reached")
		}()
		f.Switch(root)
		tr.add("not reached either")
	}, ExitFunc: func() *coro.Fiber { tr.add("exit"); return root }})
	root.Switch(f)
	root.Unwind(f)
	tr.check(t, "deferred ran", "exit")
	if !f.Unwound() || f.Failure() != nil {
		t.Fatalf("unwound %v, failure %v", f.Unwound(), f.Failure())
	}
}

func TestFiberWhere(t *testing.T) {
	s, root := coro.NewSched(nil)
	var f *coro.Fiber
	body := func() {
		fiberWait(f, root)
	}
	f = s.New(coro.Funcs{BodyFunc: body, ExitFunc: func() *coro.Fiber { return root }})
	if w := root.Where(f); len(w.Frames) != 0 {
		t.Fatalf("created Where = %s", w) // not started: no stack yet
	}
	root.Switch(f)
	w := root.Where(f)
	if !strings.HasSuffix(w.Func(), "coro_test.fiberWait") || !strings.Contains(w.Stack(), "TestFiberWhere") {
		t.Fatalf("suspended Where = %s\n%s", w.Func(), w.Stack())
	}
	if f.State() != coro.Suspended || s.Running() != root {
		t.Fatal("the probe left the fiber running")
	}
	if w := root.Where(root); len(w.Frames) != 0 {
		t.Fatalf("running Where = %s", w)
	}
	root.Switch(f) // wakes from fiberWait and ends
	if w := root.Where(f); len(w.Frames) != 0 || f.State() != coro.Closed {
		t.Fatalf("closed Where = %s", w)
	}
}

func fiberWait(f, to *coro.Fiber) { f.Switch(to) }

func TestFiberRecycle(t *testing.T) {
	var tr trail
	s, root := coro.NewSched(nil)
	var f *coro.Fiber
	var idle []*coro.Fiber
	var progs []coro.Program
	program := func(name string) coro.Program {
		return coro.Funcs{BodyFunc: func() {
			tr.add("%s runs", name)
			f.Switch(root)
			tr.add("%s resumed", name)
		}, ExitFunc: func() *coro.Fiber {
			f.Recycle()
			if len(progs) > 0 { // the next program, on this goroutine, now
				f.Rebind(progs[0])
				progs = progs[1:]
				return f
			}
			idle = append(idle, f)
			return root
		}}
	}
	f = s.New(program("first"))
	progs = []coro.Program{program("second")}
	root.Switch(f)
	root.Switch(f)
	root.Switch(f)
	tr.check(t, "first runs", "first resumed", "second runs", "second resumed")
	if len(idle) != 1 || f.State() != coro.Suspended {
		t.Fatalf("idle %d, state %v", len(idle), f.State())
	}
	// An idle fiber is given a program and switched to.
	f.Rebind(program("third"))
	root.Switch(f)
	root.Switch(f)
	tr.check(t, "first runs", "first resumed", "second runs", "second resumed", "third runs", "third resumed")
	// An idle fiber that is unwound just ends.
	root.Unwind(f)
	if f.State() != coro.Closed || s.Running() != root {
		t.Fatalf("unwound idle fiber: %v", f.State())
	}
}

// A body that calls runtime.Goexit ends its fiber as a return would: its
// deferred calls run, Exit picks who runs next, and the Goexit ends no
// other goroutine (the root here, this test's). Both ways the goroutine
// parked in its port may have come are covered: through next (the root,
// which started a and waits in a's port), and through yield (b, which
// switched to the root, waking it from a's port).
func TestFiberGoexit(t *testing.T) {
	for _, via := range []string{"next", "yield"} {
		var tr trail
		s, root := coro.NewSched(nil)
		var a, b *coro.Fiber
		a = s.New(coro.Funcs{BodyFunc: func() {
			defer tr.add("a's deferred call")
			if via == "yield" {
				a.Switch(b) // b switches to the root, which switches back here
			}
			runtime.Goexit()
		}, ExitFunc: func() *coro.Fiber { tr.add("a exits"); return root }})
		b = s.New(coro.Funcs{BodyFunc: func() {
			b.Switch(root)
			tr.add("b resumed")
		}, ExitFunc: func() *coro.Fiber { tr.add("b exits"); return root }})
		root.Switch(a)
		if via == "yield" {
			tr.add("root resumed by b")
			root.Switch(a)
		}
		tr.add("root resumed")
		if !a.Goexited() || a.State() != coro.Closed || a.Failure() != nil || s.Running() != root {
			t.Fatalf("via %s: a goexited %v, state %v, failure %v", via, a.Goexited(), a.State(), a.Failure())
		}
		if via == "yield" {
			tr.check(t, "root resumed by b", "a's deferred call", "a exits", "root resumed")
			root.Switch(b)
			tr.check(t, "root resumed by b", "a's deferred call", "a exits", "root resumed", "b resumed", "b exits")
		} else {
			tr.check(t, "a's deferred call", "a exits", "root resumed")
		}
	}
}
