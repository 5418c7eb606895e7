package greenlet_test

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/corio-go/corio/gen"
	"github.com/corio-go/corio/greenlet"
)

var errBoom = errors.New("boom")

type events []string

func (e *events) log(s string) { *e = append(*e, s) }

func check(t *testing.T, got []any, err error, want []any, wantErr error) {
	t.Helper()
	if !reflect.DeepEqual(got, want) || !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		t.Fatalf("got %v, %v; want %v, %v", got, err, want, wantErr)
	}
}

func TestSwitchPassesValues(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		got, err := self.Switch(main, "from g", args[0])
		if err != nil {
			return nil, err
		}
		return got[0].(int) * 2, nil
	})
	if g.Started() || g.Dead() || g.Parent() != main || main.Parent() != nil {
		t.Fatal("fresh greenlet state")
	}
	got, err := main.Switch(g, 1)
	check(t, got, err, []any{"from g", 1}, nil)
	if !g.Started() || g.Dead() || main.Current() != main {
		t.Fatal("suspended greenlet state")
	}
	got, err = main.Switch(g, 21)
	check(t, got, err, []any{42}, nil)
	if !g.Dead() {
		t.Fatal("finished greenlet not dead")
	}
}

func TestSwitchToSelfAndNoArgs(t *testing.T) {
	main := greenlet.Main()
	got, err := main.Switch(main, "x")
	check(t, got, err, []any{"x"}, nil)
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		if len(args) != 0 {
			t.Errorf("args = %v", args)
		}
		return nil, nil
	})
	got, err = main.Switch(g)
	check(t, got, err, []any{nil}, nil)
}

// TestResultGoesToParent: a greenlet's end goes to its parent, not to the
// greenlet that last switched to it, and the parent continues from its own
// last switch.
func TestResultGoesToParent(t *testing.T) {
	var ev events
	main := greenlet.Main()
	defer main.Close()
	var g1, g2 *greenlet.Greenlet
	g1 = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		ev.log("g1 start")
		got, _ := self.Switch(g2)
		ev.log("g1 got " + got[0].(string))
		return "g1 done", nil
	})
	g2 = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		ev.log("g2 start")
		return "g2 done", nil // parent is main
	})
	got, err := main.Switch(g1)
	check(t, got, err, []any{"g2 done"}, nil)
	ev.log("main resumed")
	got, err = main.Switch(g1, "hi")
	check(t, got, err, []any{"g1 done"}, nil)
	want := events{"g1 start", "g2 start", "main resumed", "g1 got hi"}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("events %q, want %q", ev, want)
	}
}

// TestEndWhereParentWaitsElsewhere: the goroutine woken by a finishing
// greenlet is not the parent's; control is handed on to the parent.
func TestEndWhereParentWaitsElsewhere(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	var g1, g2 *greenlet.Greenlet
	g1 = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		got, _ := self.Switch(g2) // g1 waits in g2's coroutine
		return got[0], nil
	})
	g2 = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		self.Switch(main, "g2 paused") // g2 waits where main waited
		return "g2 result", nil        // main now waits elsewhere
	})
	got, err := main.Switch(g1)
	check(t, got, err, []any{"g2 paused"}, nil)
	got, err = main.Switch(g2)
	check(t, got, err, []any{"g2 result"}, nil)
	got, err = main.Switch(g1, "last")
	check(t, got, err, []any{"last"}, nil)
	if !g1.Dead() || !g2.Dead() {
		t.Fatal("not dead")
	}
}

func TestErrorAndPanicGoToParent(t *testing.T) {
	main := greenlet.Main()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, errBoom })
	got, err := main.Switch(g)
	check(t, got, err, nil, errBoom)

	p := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { panic("oops") })
	_, err = main.Switch(p)
	var pe *greenlet.PanicError
	if !errors.As(err, &pe) || pe.Value != "oops" || !strings.Contains(string(pe.Stack), "TestErrorAndPanicGoToParent") {
		t.Fatalf("panic = %v", err)
	}
	if !p.Dead() {
		t.Fatal("panicked greenlet not dead")
	}
}

func TestSwitchToDeadGoesToParent(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	var inner *greenlet.Greenlet
	outer := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		inner = self.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return "inner done", nil })
		got, _ := self.Switch(inner) // inner ends: its result comes back here
		got2, _ := self.Switch(main, got[0])
		return got2[0], nil
	})
	got, err := main.Switch(outer)
	check(t, got, err, []any{"inner done"}, nil)
	// inner is dead: the switch goes to its parent, outer
	got, err = main.Switch(inner, "via dead")
	check(t, got, err, []any{"via dead"}, nil)
	// both dead: the switch goes up to main itself
	got, err = main.Switch(inner, "to main")
	check(t, got, err, []any{"to main"}, nil)
}

func TestThrow(t *testing.T) {
	tests := []struct {
		name    string
		start   bool
		throw   error
		handle  bool // the function handles the error and returns "handled"
		want    []any
		wantErr error
	}{
		{"suspended, unhandled", true, errBoom, false, nil, errBoom},
		{"suspended, handled", true, errBoom, true, []any{"handled"}, nil},
		{"suspended, exit is a value", true, nil, false, []any{greenlet.ErrExit}, nil},
		{"not started", false, errBoom, false, nil, errBoom},
		{"not started, exit is a value", false, greenlet.ErrExit, false, []any{greenlet.ErrExit}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			main := greenlet.Main()
			ran := false
			g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
				ran = true
				_, err := self.Switch(main)
				if tt.handle && err != nil {
					return "handled", nil
				}
				return nil, err
			})
			if tt.start {
				main.Switch(g)
			}
			got, err := main.Throw(g, tt.throw)
			check(t, got, err, tt.want, tt.wantErr)
			if !g.Dead() || !g.Started() || ran != tt.start {
				t.Fatalf("dead %v started %v ran %v", g.Dead(), g.Started(), ran)
			}
		})
	}
}

func TestKill(t *testing.T) {
	main := greenlet.Main()
	var ev events
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		defer ev.log("deferred")
		_, err := self.Switch(main)
		return nil, err
	})
	main.Switch(g)
	got, err := main.Kill(g)
	check(t, got, err, []any{greenlet.ErrExit}, nil)
	if !reflect.DeepEqual(ev, events{"deferred"}) {
		t.Fatal(ev)
	}
}

func TestSetParent(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	a := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return "a", nil })
	b := a.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return "b", nil })
	other := greenlet.Main()
	tests := []struct {
		name   string
		g, p   *greenlet.Greenlet
		want   error
		parent *greenlet.Greenlet
	}{
		{"self", a, a, greenlet.ErrParentCycle, main},
		{"descendant", a, b, greenlet.ErrParentCycle, main},
		{"nil", a, nil, greenlet.ErrNoParent, main},
		{"main", main, a, greenlet.ErrNoParent, nil},
		{"other family", a, other, greenlet.ErrOtherRoot, main},
		{"fine", b, main, nil, main},
	}
	for _, tt := range tests {
		err := tt.g.SetParent(tt.p)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || tt.g.Parent() != tt.parent {
			t.Errorf("%s: SetParent = %v (parent %v), want %v (parent %v)", tt.name, err, tt.g.Parent(), tt.want, tt.parent)
		}
	}
	// b's result now goes to main
	got, err := main.Switch(b)
	check(t, got, err, []any{"b"}, nil)
}

func TestSwitchFromNotRunning(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, nil })
	if _, err := g.Switch(main); !errors.Is(err, greenlet.ErrNotCurrent) {
		t.Fatalf("switch through a greenlet that is not running = %v", err)
	}
	if _, err := g.Throw(main, errBoom); !errors.Is(err, greenlet.ErrNotCurrent) {
		t.Fatalf("throw through a greenlet that is not running = %v", err)
	}
	if _, err := main.Switch(nil); !errors.Is(err, greenlet.ErrNil) {
		t.Fatalf("switch to nil = %v", err)
	}
}

func TestOtherRootGoroutine(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return "mine", nil })
	done := make(chan error)
	go func() {
		other := greenlet.Main()
		_, err := other.Switch(g)
		done <- err
	}()
	if err := <-done; !errors.Is(err, greenlet.ErrOtherRoot) {
		t.Fatalf("switch into another root's greenlet = %v", err)
	}
	got, err := main.Switch(g) // untouched by the refused switch
	check(t, got, err, []any{"mine"}, nil)
}

func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	main := greenlet.Main()
	var ev events
	var mid *greenlet.Greenlet
	a := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		defer ev.log("a deferred")
		mid = self.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
			defer ev.log("mid deferred")
			_, err := self.Switch(main)
			return nil, err
		})
		self.Switch(mid)
		_, err := self.Switch(main)
		return nil, err
	})
	stubborn := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		for {
			self.Switch(main) // ignores every error
		}
	})
	never := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, nil })
	main.Switch(a)
	main.Switch(a)
	main.Switch(stubborn)
	if err := mid.Close(); err == nil {
		t.Fatal("Close on a non-main greenlet succeeded")
	}
	err := main.Close()
	if err == nil || !strings.Contains(err.Error(), "ignored ErrExit") {
		t.Fatalf("Close = %v", err)
	}
	want := events{"a deferred", "mid deferred"}
	if !reflect.DeepEqual(ev, want) || !a.Dead() || !mid.Dead() || never.Started() {
		t.Fatalf("events %q, a dead %v mid dead %v never started %v", ev, a.Dead(), mid.Dead(), never.Started())
	}
	// stubborn is still parked, as a greenlet that ignores ErrExit stays
	if after := runtime.NumGoroutine(); after > before+1 {
		t.Fatalf("goroutines: %d before, %d after (one stubborn greenlet allowed)", before, after)
	}
}

func TestCloseFromNonCurrentMain(t *testing.T) {
	main := greenlet.Main()
	var err error
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		err = main.Close()
		return nil, nil
	})
	main.Switch(g)
	if !errors.Is(err, greenlet.ErrNotCurrent) {
		t.Fatalf("Close while another runs = %v", err)
	}
}

// TestGeneratorInsideGreenlet: a generator's body runs as part of the
// greenlet that resumed it, so switching away from inside the body pauses
// both, and switching back continues the body.
func TestGeneratorInsideGreenlet(t *testing.T) {
	var ev events
	main := greenlet.Main()
	defer main.Close()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		counter := gen.New(func(y *gen.Yielder[int, struct{}]) (int, error) {
			got, _ := self.Switch(main, "from inside the generator")
			ev.log("generator resumed with " + got[0].(string))
			y.Yield(1)
			return 0, nil
		})
		v, _ := counter.Next()
		ev.log("greenlet got value")
		counter.Close()
		return v, nil
	})
	got, err := main.Switch(g)
	check(t, got, err, []any{"from inside the generator"}, nil)
	got, err = main.Switch(g, "back")
	check(t, got, err, []any{1}, nil)
	want := events{"generator resumed with back", "greenlet got value"}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("events %q", ev)
	}
}

func TestString(t *testing.T) {
	main := greenlet.Main()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, nil })
	var none *greenlet.Greenlet
	if main.String() != "main" || !strings.HasPrefix(g.String(), "greenlet@") || none.String() != "<nil>" {
		t.Fatal(main, g, none)
	}
}

func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 50 {
		main := greenlet.Main()
		var a, b *greenlet.Greenlet
		a = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
			_, err := self.Switch(b)
			return nil, err
		})
		b = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
			_, err := self.Switch(main)
			return nil, err
		})
		main.Switch(a)
		main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, nil })
		if err := main.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

// A child whose parent never started: its result starts the parent with
// the result as its arguments; its error ends the parent without running
// it and goes on to the parent's parent (Python's greenlet does both).
func TestChildOfAnUnstartedParent(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	var events []string
	parentFn := func(self *greenlet.Greenlet, args ...any) (any, error) {
		events = append(events, fmt.Sprintf("parent started with %v", args))
		return "parent done", nil
	}

	p := main.New(parentFn)
	c := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return "child result", nil })
	if err := c.SetParent(p); err != nil {
		t.Fatal(err)
	}
	got, err := main.Switch(c)
	if !reflect.DeepEqual(got, []any{"parent done"}) || err != nil || !p.Dead() {
		t.Fatalf("switch to the child = %v, %v (parent dead %v); want [parent done], nil, true", got, err, p.Dead())
	}

	p2 := main.New(parentFn)
	c2 := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, errBoom })
	c2.SetParent(p2)
	got, err = main.Switch(c2)
	if got != nil || err != errBoom || !p2.Dead() || !p2.Started() {
		t.Fatalf("switch to the failing child = %v, %v (parent dead %v); want nil, boom, dead", got, err, p2.Dead())
	}

	// ErrExit is a result, not an error: it starts the parent.
	p3 := main.New(parentFn)
	c3 := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return nil, greenlet.ErrExit })
	c3.SetParent(p3)
	if got, err := main.Switch(c3); !reflect.DeepEqual(got, []any{"parent done"}) || err != nil {
		t.Fatalf("switch to the exiting child = %v, %v", got, err)
	}
	want := []string{"parent started with [child result]", "parent started with [greenlet: greenlet exit]"}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events %q, want %q", events, want)
	}
}

// Throw into a dead greenlet: ErrExit comes back as a value (Python's
// g.throw() returns the GreenletExit), another error as the error.
func TestThrowIntoDeadGreenlet(t *testing.T) {
	main := greenlet.Main()
	defer main.Close()
	g := main.New(func(self *greenlet.Greenlet, args ...any) (any, error) { return "r", nil })
	if got, err := main.Switch(g); !reflect.DeepEqual(got, []any{"r"}) || err != nil {
		t.Fatalf("first switch = %v, %v", got, err)
	}
	if got, err := main.Kill(g); len(got) != 1 || got[0] != greenlet.ErrExit || err != nil {
		t.Fatalf("Kill of a dead greenlet = %v, %v; want [ErrExit], nil", got, err)
	}
	if got, err := main.Throw(g, errBoom); got != nil || err != errBoom {
		t.Fatalf("Throw of boom into a dead greenlet = %v, %v; want nil, boom", got, err)
	}
	if got, err := main.Switch(g, 1, 2); !reflect.DeepEqual(got, []any{1, 2}) || err != nil {
		t.Fatalf("Switch to a dead greenlet = %v, %v; want [1 2] back", got, err)
	}
}
