package coro

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

type intCoro = Coro[int, int]

// counter yields the running sum of what it is sent and returns its
// negation when sent 0.
func counter(c *intCoro, in int) (int, error) {
	sum := 0
	for in != 0 {
		sum += in
		in, _ = c.Yield(sum)
	}
	return -sum, nil
}

func newInt(fn Func[int, int]) *intCoro { return New(fn, Config[int]{}) }

func TestResumeYieldValues(t *testing.T) {
	c := newInt(counter)
	if got := c.State(); got != Created {
		t.Fatalf("state = %v, want created", got)
	}
	steps := []struct {
		in, out int
		err     error
		state   State
	}{
		{1, 1, nil, Suspended},
		{2, 3, nil, Suspended},
		{10, 13, nil, Suspended},
		{0, -13, nil, Closed},
		{5, 0, ErrClosed, Closed},
	}
	for i, s := range steps {
		out, err := c.Send(s.in)
		if !errors.Is(err, s.err) || out != s.out || c.State() != s.state {
			t.Fatalf("step %d: Resume(%d) = %d, %v state %v; want %d, %v state %v",
				i, s.in, out, err, c.State(), s.out, s.err, s.state)
		}
	}
}

func TestFunctionError(t *testing.T) {
	c := newInt(func(c *intCoro, in int) (int, error) { return 7, errBoom })
	if out, err := c.Send(0); out != 7 || err != errBoom || c.State() != Closed {
		t.Fatalf("Resume = %d, %v (%v)", out, err, c.State())
	}
}

func TestConfigErrorsAndStartCheck(t *testing.T) {
	errR, errC, errS := errors.New("r"), errors.New("c"), errors.New("s")
	var inner error
	c := New(func(c *intCoro, in int) (int, error) {
		_, inner = c.Send(0)
		return 0, nil
	}, Config[int]{ErrRunning: errR, ErrClosed: errC, CheckStart: func(in int) error {
		if in != 0 {
			return errS
		}
		return nil
	}})
	if _, err := c.Send(1); err != errS || c.State() != Created {
		t.Fatalf("start check: %v %v", err, c.State())
	}
	if _, err := c.Send(0); err != nil || inner != errR {
		t.Fatalf("Resume = %v, inner = %v", err, inner)
	}
	if _, err := c.Send(0); err != errC {
		t.Fatalf("after end = %v", err)
	}
}

func TestResumeFromInsideIsError(t *testing.T) {
	var inner error
	c := newInt(func(c *intCoro, in int) (int, error) {
		_, inner = c.Send(0)
		return 0, nil
	})
	if _, err := c.Send(0); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, ErrRunning) {
		t.Fatalf("Resume from inside = %v, want ErrRunning", inner)
	}
}

func TestCloseFromInsideIsError(t *testing.T) {
	var inner error
	c := newInt(func(c *intCoro, in int) (int, error) {
		inner = c.Close()
		return 0, nil
	})
	c.Send(0)
	if !errors.Is(inner, ErrRunning) {
		t.Fatalf("Close from inside = %v, want ErrRunning", inner)
	}
}

var errBoom = errors.New("boom")

func panicker(c *intCoro, in int) (int, error) {
	c.Yield(1)
	panic(errBoom)
}

func TestPanicReachesResumer(t *testing.T) {
	c := newInt(panicker)
	c.Send(0)
	_, err := c.Send(0)
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Resume = %v; want *PanicError", err)
	}
	if pe.Value != errBoom || !errors.Is(err, errBoom) {
		t.Fatalf("panic value = %v, want %v", pe.Value, errBoom)
	}
	if !strings.Contains(string(pe.Stack), "coro.panicker") {
		t.Fatalf("stack does not show the panicking function:\n%s", pe.Stack)
	}
	if c.State() != Closed {
		t.Fatalf("state = %v, want closed", c.State())
	}
}

func TestPanicNonError(t *testing.T) {
	c := newInt(func(c *intCoro, in int) (int, error) { panic("plain") })
	_, err := c.Send(0)
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "plain" || pe.Unwrap() != nil || err.Error() != "panic: plain" {
		t.Fatalf("err = %#v", err)
	}
}

func TestCloseSuspendedRunsDefers(t *testing.T) {
	var events []string
	c := newInt(func(c *intCoro, in int) (int, error) {
		defer func() { events = append(events, "outer defer") }()
		func() {
			defer func() { events = append(events, "inner defer") }()
			c.Yield(1)
			events = append(events, "after yield")
		}()
		events = append(events, "not reached")
		return 0, nil
	})
	c.Send(0)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"inner defer", "outer defer"}
	if !reflect.DeepEqual(events, want) || c.State() != Closed {
		t.Fatalf("events = %q state %v, want %q closed", events, c.State(), want)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := c.Send(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Resume after Close = %v", err)
	}
}

func TestCloseCreatedNeverRuns(t *testing.T) {
	ran := false
	c := newInt(func(c *intCoro, in int) (int, error) { ran = true; return 0, nil })
	if err := c.Close(); err != nil || ran || c.State() != Closed {
		t.Fatalf("Close = %v, ran %v, state %v", err, ran, c.State())
	}
	if _, err := c.Send(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Resume after Close = %v", err)
	}
}

func TestClosePanickingDefer(t *testing.T) {
	c := newInt(func(c *intCoro, in int) (int, error) {
		defer func() { panic("in defer") }()
		c.Yield(0)
		return 0, nil
	})
	c.Send(0)
	err := c.Close()
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "in defer" {
		t.Fatalf("Close = %v, want the defer's panic", err)
	}
}

func TestYieldDuringUnwindUnwinds(t *testing.T) {
	var events []string
	c := newInt(func(c *intCoro, in int) (int, error) {
		defer func() { events = append(events, "last defer") }()
		defer func() { c.Yield(9); events = append(events, "not reached") }()
		c.Yield(0)
		return 0, nil
	})
	c.Send(0)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"last defer"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("events = %q, want %q", events, want)
	}
}

func TestYieldOutsideIsProgrammingError(t *testing.T) {
	c := newInt(counter)
	defer func() {
		if r := recover(); r != errYieldNotRunning {
			t.Fatalf("recover = %v", r)
		}
	}()
	c.Yield(1)
}

func TestInline(t *testing.T) {
	c := newInt(counter)
	var during State
	var inner error
	var got []int
	unwound := c.Inline(func() {
		during = c.State()
		_, inner = c.Send(1)
		for i := 1; i <= 3; i++ {
			if _, err := c.Yield(i); err != nil {
				got = append(got, -1)
				return
			}
		}
	}, func(v int) bool { got = append(got, v); return v < 2 })
	if unwound || during != Running || c.State() != Closed || !errors.Is(inner, ErrRunning) {
		t.Fatalf("unwound %v during %v after %v inner %v", unwound, during, c.State(), inner)
	}
	if want := []int{1, 2, -1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Inline on a closed coroutine did not panic")
		}
	}()
	c.Inline(func() {}, nil)
}

func TestInlineIgnoredExitUnwinds(t *testing.T) {
	var events []string
	c := newInt(counter)
	unwound := c.Inline(func() {
		defer func() { events = append(events, "deferred") }()
		c.Yield(1)
		c.Yield(2) // ErrExit ignored
		events = append(events, "not reached")
	}, func(int) bool { return false })
	if !unwound || !reflect.DeepEqual(events, []string{"deferred"}) {
		t.Fatalf("unwound %v events %q", unwound, events)
	}
}

func TestInlinePanicPassesThrough(t *testing.T) {
	c := newInt(counter)
	defer func() {
		if r := recover(); r != errBoom || c.State() != Closed {
			t.Fatalf("recover = %v, state %v", r, c.State())
		}
	}()
	c.Inline(func() { panic(errBoom) }, func(int) bool { return true })
}

func TestInlineInto(t *testing.T) {
	outer, inner := newInt(counter), newInt(counter)
	var got []int
	var innerErr, outerErr error
	var innerUnwound bool
	unwound := outer.Inline(func() {
		outer.Yield(1)
		innerUnwound = inner.InlineInto(outer, func() {
			if !inner.Pushing() {
				t.Error("inner not pushing")
			}
			inner.Yield(2)
			_, innerErr = inner.Yield(3) // the consumer stops here
		})
		if !outer.ConsumerStopped() {
			t.Error("the stop did not reach outer")
			_, outerErr = outer.Yield(4)
		}
	}, func(v int) bool { got = append(got, v); return v < 3 })
	if unwound || innerUnwound || !reflect.DeepEqual(got, []int{1, 2, 3}) || innerErr != ErrExit || outerErr != nil {
		t.Fatalf("unwound %v/%v got %v errs %v %v", unwound, innerUnwound, got, innerErr, outerErr)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("InlineInto a coroutine that is not inline did not panic")
		}
	}()
	newInt(counter).InlineInto(newInt(counter), func() {})
}

func TestThrow(t *testing.T) {
	c := newInt(func(c *intCoro, in int) (int, error) {
		_, err := c.Yield(1)
		if err == errBoom {
			_, err = c.Yield(2)
		}
		return 3, err
	})
	if v, err := c.Throw(errBoom); v != 1 || err != nil { // not started: Throw is Next
		t.Fatalf("first Throw = %v, %v", v, err)
	}
	if v, err := c.Throw(errBoom); v != 2 || err != nil {
		t.Fatalf("Throw = %v, %v", v, err)
	}
	if v, err := c.Next(); v != 3 || err != nil || c.State() != Closed {
		t.Fatalf("Next = %v, %v", v, err)
	}
}

// TestDeepSuspension: an inner coroutine suspends its outer one directly;
// resuming the outer one resumes the inner one where it waited.
func TestDeepSuspension(t *testing.T) {
	var events []string
	log := func(s string) { events = append(events, s) }
	var outer *Coro[string, string]
	inner := newInt(func(c *intCoro, in int) (int, error) {
		log("inner start")
		got, _ := outer.Yield("from inner") // suspends the whole chain
		log("inner woke with " + got)
		c.Yield(7)
		log("inner end")
		return 8, nil
	})
	outer = New(func(c *Coro[string, string], in string) (string, error) {
		v, _ := inner.Send(0)
		log("outer got " + string(rune('0'+v)))
		v, _ = inner.Send(0)
		log("outer got " + string(rune('0'+v)))
		if inner.State() != Closed {
			t.Error("inner not done")
		}
		return "outer end", nil
	}, Config[string]{})
	out, err := outer.Send("go")
	log("root got " + out)
	if err != nil || outer.State() != Suspended || inner.State() != Running {
		t.Fatalf("after deep yield: err %v outer %v inner %v", err, outer.State(), inner.State())
	}
	if _, err := inner.Send(0); !errors.Is(err, ErrRunning) {
		t.Fatalf("resuming the running inner = %v, want ErrRunning", err)
	}
	out, err = outer.Send("wake")
	log("root got " + out)
	if err != nil || outer.State() != Closed {
		t.Fatalf("outer end: err %v state %v", err, outer.State())
	}
	want := []string{"inner start", "root got from inner", "inner woke with wake",
		"outer got 7", "inner end", "outer got 8", "root got outer end"}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events:\n got %q\nwant %q", events, want)
	}
}

// TestCloseDeepSuspended: closing an outer coroutine whose chain is paused
// deep inside unwinds every coroutine of the chain, innermost first.
func TestCloseDeepSuspended(t *testing.T) {
	var events []string
	var outer *intCoro
	innermost := newInt(func(c *intCoro, in int) (int, error) {
		defer func() { events = append(events, "innermost defer") }()
		outer.Yield(1)
		return 0, nil
	})
	middle := newInt(func(c *intCoro, in int) (int, error) {
		defer func() { events = append(events, "middle defer") }()
		innermost.Send(0)
		return 0, nil
	})
	outer = newInt(func(c *intCoro, in int) (int, error) {
		defer func() { events = append(events, "outer defer") }()
		middle.Send(0)
		return 0, nil
	})
	if v, _ := outer.Send(0); v != 1 {
		t.Fatalf("deep yield gave %d", v)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"innermost defer", "middle defer", "outer defer"}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events = %q, want %q", events, want)
	}
	for _, c := range []*intCoro{outer, middle, innermost} {
		if c.State() != Closed {
			t.Fatalf("states %v %v %v, want all closed", outer.State(), middle.State(), innermost.State())
		}
	}
	// The relayed unwinding is spent: resuming the middle one again is an
	// ordinary ErrClosed, not a second unwinding.
	if _, err := middle.Send(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Resume after relay = %v", err)
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Created: "created", Running: "running", Suspended: "suspended", Closed: "closed", 9: "invalid"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

func TestEntryOfNonFunc(t *testing.T) {
	if w := EntryOf(nil); len(w.Frames) != 0 {
		t.Fatal(w)
	}
	var f func()
	if w := EntryOf(f); len(w.Frames) != 0 {
		t.Fatal(w)
	}
}

// TestPortSymmetric drives three goroutines through two ports in an order
// no asymmetric coroutine allows: a hands control straight to b.
func TestPortSymmetric(t *testing.T) {
	var events []string
	var a, b *Port
	a = NewPort(func() {
		events = append(events, "a1")
		b.Swap() // parks a in b, runs b's fresh goroutine
		events = append(events, "a2")
		a.Swap() // the test goroutine waits in a: back to it
		events = append(events, "a3")
	})
	b = NewPort(func() {
		events = append(events, "b1")
		b.Swap() // a is parked in b: wake it
		events = append(events, "b2")
	})
	a.Swap() // the test goroutine parks in a
	events = append(events, "main")
	a.Swap() // wake a: it finishes, its exit releases us
	if !a.Exited() {
		t.Fatal("a not exited")
	}
	b.Swap() // wake b: it finishes
	if !b.Exited() || !b.Started() {
		t.Fatal("b not exited")
	}
	want := []string{"a1", "b1", "a2", "main", "a3", "b2"}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events = %q, want %q", events, want)
	}
	if a.Swap() {
		t.Fatal("swap on an exited port reported true")
	}
}

func TestPortStop(t *testing.T) {
	var events []string
	p := NewPort(func() {
		defer func() { events = append(events, "deferred") }()
		if !NewPort(func() {}).Swap() { // a port that exits at once
			events = append(events, "exit seen")
		}
	})
	p.Stop() // never started: never runs
	if len(events) != 0 || p.Started() {
		t.Fatalf("stopped unstarted port ran: %q", events)
	}
	var q *Port
	q = NewPort(func() {
		q.Swap()
		events = append(events, "not reached")
	})
	q.Swap()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Stop while the port's goroutine runs did not panic")
			}
		}()
		q.yieldDue = true
		q.Stop()
	}()
	q.yieldDue = false
	q.Stop() // wakes q's goroutine with Swap false: it returns
	if !q.Exited() {
		t.Fatal("q not exited")
	}
}

func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 100 {
		c := newInt(counter)
		c.Send(1)
		c.Close()
		d := newInt(counter)
		d.Send(1)
		d.Send(0)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}
