package gen_test

import (
	"errors"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/corio-go/corio/gen"
)

var errBoom = errors.New("boom")

// upTo yields 1..n and returns n*10.
func upTo(n int) *gen.Generator[int, int, int] {
	return gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		for i := 1; i <= n; i++ {
			if _, err := y.Yield(i); err != nil {
				return 0, err
			}
		}
		return n * 10, nil
	})
}

// collect pulls g to its end and returns what it yielded and the end error.
func collect[Y, S, R any](g *gen.Generator[Y, S, R]) ([]Y, error) {
	var got []Y
	for {
		v, err := g.Next()
		if err != nil {
			return got, err
		}
		got = append(got, v)
	}
}

func TestNextToExhaustion(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		g := upTo(n)
		got, err := collect(g)
		want := []int{}
		for i := 1; i <= n; i++ {
			want = append(want, i)
		}
		if !errors.Is(err, gen.ErrStop) || !slices.Equal(got, want) || g.Value() != n*10 || g.State() != gen.Closed || g.Err() != nil {
			t.Fatalf("n=%d: got %v, %v, value %d, state %v err %v", n, got, err, g.Value(), g.State(), g.Err())
		}
		if _, err := g.Next(); !errors.Is(err, gen.ErrStop) {
			t.Fatalf("Next after end = %v", err)
		}
	}
}

// averager is PEP 342's running average: it yields the mean of what it has
// been sent.
func averager(y *gen.Yielder[float64, float64]) (int, error) {
	var sum, n float64
	mean := 0.0
	for {
		v, err := y.Yield(mean)
		if err != nil {
			return int(n), err
		}
		sum, n = sum+v, n+1
		mean = sum / n
	}
}

func TestSend(t *testing.T) {
	g := gen.New(averager)
	if _, err := g.Send(5); !errors.Is(err, gen.ErrNotStarted) || g.State() != gen.Created {
		t.Fatalf("Send(5) to a new generator = %v (%v), want ErrNotStarted and still created", err, g.State())
	}
	if v, err := g.Send(0); v != 0 || err != nil || g.State() != gen.Suspended {
		t.Fatalf("priming Send(0) = %v, %v", v, err)
	}
	for _, step := range []struct{ in, want float64 }{{10, 10}, {20, 15}, {30, 20}} {
		if v, err := g.Send(step.in); v != step.want || err != nil {
			t.Fatalf("Send(%v) = %v, %v; want %v", step.in, v, err, step.want)
		}
	}
	if err := g.Close(); err != nil || g.State() != gen.Closed {
		t.Fatalf("Close = %v", err)
	}
}

func TestBodyError(t *testing.T) {
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		y.Yield(1)
		return 5, errBoom
	})
	got, err := collect(g)
	if !slices.Equal(got, []int{1}) || err != errBoom || g.Err() != errBoom || g.Value() != 5 {
		t.Fatalf("got %v, %v (Err %v, Value %v)", got, err, g.Err(), g.Value())
	}
	if _, err := g.Next(); !errors.Is(err, gen.ErrStop) {
		t.Fatalf("Next after error = %v, want ErrStop", err)
	}
}

func TestThrow(t *testing.T) {
	errSkip := errors.New("skip")
	// tolerant handles errSkip by yielding -1 and returns any other error.
	tolerant := func() *gen.Generator[int, int, int] {
		return gen.New(func(y *gen.Yielder[int, int]) (int, error) {
			v := 0
			for {
				_, err := y.Yield(v)
				switch {
				case errors.Is(err, errSkip):
					v = -1
				case err != nil:
					return 0, err
				default:
					v++
				}
			}
		})
	}
	tests := []struct {
		name      string
		start     bool // pull once before throwing
		throw     error
		wantV     int
		wantErr   error
		wantState gen.State
	}{
		{"handled", true, errSkip, -1, nil, gen.Suspended},
		{"unhandled", true, errBoom, 0, errBoom, gen.Closed},
		{"not started", false, errBoom, 0, errBoom, gen.Closed},
		{"nil is GeneratorExit", true, nil, 0, gen.ErrGeneratorExit, gen.Closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tolerant()
			if tt.start {
				g.Next()
			}
			v, err := g.Throw(tt.throw)
			if v != tt.wantV || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) || g.State() != tt.wantState {
				t.Fatalf("Throw = %v, %v (%v); want %v, %v (%v)", v, err, g.State(), tt.wantV, tt.wantErr, tt.wantState)
			}
			g.Close()
		})
	}
	t.Run("not started never runs", func(t *testing.T) {
		ran := false
		g := gen.New(func(y *gen.Yielder[int, int]) (int, error) { ran = true; return 0, nil })
		g.Throw(errBoom)
		if ran {
			t.Fatal("body ran")
		}
	})
	t.Run("into closed", func(t *testing.T) {
		g := upTo(0)
		collect(g)
		if _, err := g.Throw(errBoom); err != errBoom {
			t.Fatalf("Throw into closed = %v", err)
		}
	})
	t.Run("handled then returns nil", func(t *testing.T) {
		g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
			y.Yield(0)
			return 1, nil
		})
		g.Next()
		if _, err := g.Throw(errBoom); !errors.Is(err, gen.ErrStop) || g.Value() != 1 {
			t.Fatalf("Throw = %v, value %d", err, g.Value())
		}
	})
}

func TestClose(t *testing.T) {
	type result struct {
		err    error
		events []string
	}
	run := func(body func(y *gen.Yielder[int, int], log func(string)) (int, error)) result {
		var events []string
		log := func(s string) { events = append(events, s) }
		g := gen.New(func(y *gen.Yielder[int, int]) (int, error) { return body(y, log) })
		g.Next()
		err := g.Close()
		if g.State() != gen.Closed {
			log("not closed")
		}
		return result{err, events}
	}
	tests := []struct {
		name string
		body func(y *gen.Yielder[int, int], log func(string)) (int, error)
		want result
	}{
		{"returns the exit", func(y *gen.Yielder[int, int], log func(string)) (int, error) {
			defer log("deferred")
			_, err := y.Yield(1)
			log("yield: " + err.Error())
			return 0, err
		}, result{nil, []string{"yield: gen: generator exit", "deferred"}}},
		{"returns nil", func(y *gen.Yielder[int, int], log func(string)) (int, error) {
			y.Yield(1)
			return 0, nil
		}, result{nil, nil}},
		{"returns another error", func(y *gen.Yielder[int, int], log func(string)) (int, error) {
			y.Yield(1)
			return 0, errBoom
		}, result{errBoom, nil}},
		{"ignores the exit", func(y *gen.Yielder[int, int], log func(string)) (int, error) {
			defer log("deferred")
			y.Yield(1)
			y.Yield(2)
			log("not reached")
			return 0, nil
		}, result{gen.ErrIgnoredExit, []string{"deferred"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(tt.body)
			if got.err != tt.want.err || !reflect.DeepEqual(got.events, tt.want.events) {
				t.Fatalf("got %v %q, want %v %q", got.err, got.events, tt.want.err, tt.want.events)
			}
		})
	}
}

func TestCloseNotStartedAndClosed(t *testing.T) {
	ran := false
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) { ran = true; return 0, nil })
	if err := g.Close(); err != nil || ran || g.State() != gen.Closed {
		t.Fatalf("Close = %v ran %v state %v", err, ran, g.State())
	}
	if err := g.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := g.Next(); !errors.Is(err, gen.ErrStop) {
		t.Fatalf("Next after Close = %v", err)
	}
}

func TestIgnoredExitWithPanickingDefer(t *testing.T) {
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		defer func() { panic("deferred panic") }()
		y.Yield(1)
		y.Yield(2)
		return 0, nil
	})
	g.Next()
	err := g.Close()
	var pe *gen.PanicError
	if !errors.As(err, &pe) || pe.Value != "deferred panic" || g.Err() != err {
		t.Fatalf("Close = %v", err)
	}
}

func TestReentrantUse(t *testing.T) {
	var g *gen.Generator[int, int, int]
	var nextErr, closeErr error
	var state gen.State
	var rangePanic any
	g = gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		state = g.State()
		_, nextErr = g.Next()
		closeErr = g.Close()
		func() {
			defer func() { rangePanic = recover() }()
			for range g.All() {
			}
		}()
		return 0, nil
	})
	g.Next()
	if state != gen.Running || !errors.Is(nextErr, gen.ErrRunning) || !errors.Is(closeErr, gen.ErrRunning) || rangePanic != gen.ErrRunning {
		t.Fatalf("state %v, Next %v, Close %v, range %v", state, nextErr, closeErr, rangePanic)
	}
}

func TestReentrantInPushMode(t *testing.T) {
	var g *gen.Generator[int, int, int]
	var nextErr error
	var state gen.State
	g = gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		y.Yield(1)
		return 0, nil
	})
	for range g.All() {
		state = g.State()
		_, nextErr = g.Next()
	}
	if state != gen.Running || !errors.Is(nextErr, gen.ErrRunning) || g.State() != gen.Closed {
		t.Fatalf("state %v, Next %v, after %v", state, nextErr, g.State())
	}
}

func TestPanicInPullMode(t *testing.T) {
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		y.Yield(1)
		panic(errBoom)
	})
	g.Next()
	_, err := g.Next()
	var pe *gen.PanicError
	if !errors.As(err, &pe) || pe.Value != errBoom || !errors.Is(err, errBoom) || !strings.Contains(string(pe.Stack), "TestPanicInPullMode") {
		t.Fatalf("Next = %v", err)
	}
	if g.Err() != err || g.State() != gen.Closed {
		t.Fatalf("Err %v state %v", g.Err(), g.State())
	}
	if _, err := g.Next(); !errors.Is(err, gen.ErrStop) {
		t.Fatalf("Next after panic = %v", err)
	}
}

func TestPanicInPushModeReachesRange(t *testing.T) {
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		y.Yield(1)
		panic(errBoom)
	})
	defer func() {
		if r := recover(); r != errBoom || g.State() != gen.Closed {
			t.Fatalf("recover = %v state %v", r, g.State())
		}
	}()
	for range g.All() {
	}
}

func TestAllPushMode(t *testing.T) {
	g := upTo(4)
	var got []int
	for v := range g.All() {
		got = append(got, v)
	}
	if !slices.Equal(got, []int{1, 2, 3, 4}) || g.Value() != 40 || g.Err() != nil || g.State() != gen.Closed {
		t.Fatalf("got %v value %d err %v", got, g.Value(), g.Err())
	}
	if _, err := g.Next(); !errors.Is(err, gen.ErrStop) {
		t.Fatalf("Next after range = %v", err)
	}
}

func TestAllBreakCloses(t *testing.T) {
	for _, pull := range []bool{false, true} {
		t.Run("pulled first="+strconv.FormatBool(pull), func(t *testing.T) {
			var events []string
			g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
				defer func() { events = append(events, "deferred") }()
				for i := 1; ; i++ {
					if _, err := y.Yield(i); err != nil {
						events = append(events, "yield: "+err.Error())
						return 0, err
					}
				}
			})
			var got []int
			if pull {
				v, _ := g.Next()
				got = append(got, v)
			}
			for v := range g.All() {
				got = append(got, v)
				if v == 3 {
					break
				}
			}
			want := []string{"yield: gen: generator exit", "deferred"}
			if !slices.Equal(got, []int{1, 2, 3}) || !reflect.DeepEqual(events, want) || g.Err() != nil || g.State() != gen.Closed {
				t.Fatalf("got %v events %q err %v state %v", got, events, g.Err(), g.State())
			}
		})
	}
}

func TestAllPushIgnoredExit(t *testing.T) {
	var events []string
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		defer func() { events = append(events, "deferred") }()
		y.Yield(1)
		y.Yield(2) // ErrGeneratorExit ignored
		y.Yield(3) // unwinds
		events = append(events, "not reached")
		return 0, nil
	})
	for range g.All() {
		break
	}
	if !errors.Is(g.Err(), gen.ErrIgnoredExit) || !slices.Equal(events, []string{"deferred"}) {
		t.Fatalf("Err %v events %q", g.Err(), events)
	}
}

func TestAllErrors(t *testing.T) {
	body := func(y *gen.Yielder[int, int]) (int, error) {
		y.Yield(1)
		return 0, errBoom
	}
	g := gen.New(body)
	for range g.All() {
	}
	if g.Err() != errBoom {
		t.Fatalf("push Err = %v", g.Err())
	}
	g = gen.New(body)
	g.Next()
	for range g.All() {
	}
	if g.Err() != errBoom {
		t.Fatalf("pull Err = %v", g.Err())
	}
	g = gen.New(body)
	g.Next()
	g.Next()
	for range g.All() {
		t.Fatal("value after end")
	}
}

// delegator yields 0, then everything sub yields, then sub's return value.
func delegator[R any](sub *gen.Generator[int, int, R], log func(string)) *gen.Generator[int, int, R] {
	return gen.New(func(y *gen.Yielder[int, int]) (R, error) {
		defer log("delegator deferred")
		var zero R
		if _, err := y.Yield(0); err != nil {
			return zero, err
		}
		r, err := gen.YieldFrom(y, sub)
		if err != nil {
			log("YieldFrom: " + err.Error())
			return zero, err
		}
		return r, nil
	})
}

func TestYieldFromPull(t *testing.T) {
	var events []string
	log := func(s string) { events = append(events, s) }
	// sub yields the running sum of what it is sent, returns how many.
	sub := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		sum, n := 0, 0
		for {
			v, err := y.Yield(sum)
			if err != nil {
				return n, err
			}
			sum, n = sum+v, n+1
		}
	})
	g := delegator(sub, log)
	g.Next() // 0
	steps := []struct{ send, want int }{{0, 0}, {4, 4}, {8, 12}}
	for _, s := range steps {
		v, err := g.Send(s.send)
		if v != s.want || err != nil {
			t.Fatalf("Send(%v) = %v, %v; want %v", s.send, v, err, s.want)
		}
	}
	// a thrown error goes to sub, which returns it; the delegator returns it too
	if _, err := g.Throw(errBoom); err != errBoom || sub.State() != gen.Closed || sub.Value() != 2 {
		t.Fatalf("Throw = %v, sub %v value %d", err, sub.State(), sub.Value())
	}
	if want := []string{"YieldFrom: boom", "delegator deferred"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("events %q, want %q", events, want)
	}
}

func TestYieldFromReturnValue(t *testing.T) {
	for _, mode := range []string{"pull", "push"} {
		t.Run(mode, func(t *testing.T) {
			g := delegator(upTo(3), func(string) {})
			var got []int
			if mode == "pull" {
				got, _ = collect(g)
			} else {
				got = slices.Collect(g.All())
			}
			if !slices.Equal(got, []int{0, 1, 2, 3}) || g.Value() != 30 || g.Err() != nil {
				t.Fatalf("got %v value %d err %v", got, g.Value(), g.Err())
			}
		})
	}
}

func TestYieldFromClose(t *testing.T) {
	for _, mode := range []string{"pull", "push"} {
		t.Run(mode, func(t *testing.T) {
			var events []string
			log := func(s string) { events = append(events, s) }
			sub := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
				defer log("sub deferred")
				for i := 1; ; i++ {
					if _, err := y.Yield(i); err != nil {
						return 0, err
					}
				}
			})
			g := delegator(sub, log)
			if mode == "pull" {
				g.Next()
				g.Next()
				if err := g.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				for v := range g.All() {
					if v == 1 {
						break
					}
				}
			}
			want := []string{"sub deferred", "YieldFrom: gen: generator exit", "delegator deferred"}
			if !reflect.DeepEqual(events, want) || sub.State() != gen.Closed || g.State() != gen.Closed || g.Err() != nil {
				t.Fatalf("events %q (sub %v, g %v, err %v), want %q", events, sub.State(), g.State(), g.Err(), want)
			}
		})
	}
}

func TestYieldFromSubError(t *testing.T) {
	sub := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		y.Yield(1)
		return 0, errBoom
	})
	g := delegator(sub, func(string) {})
	got, err := collect(g)
	if !slices.Equal(got, []int{0, 1}) || err != errBoom {
		t.Fatalf("got %v, %v", got, err)
	}
	sub2 := gen.New(func(y *gen.Yielder[int, int]) (int, error) { return 0, errBoom })
	g2 := delegator(sub2, func(string) {})
	for range g2.All() {
	}
	if g2.Err() != errBoom {
		t.Fatalf("push Err = %v", g2.Err())
	}
}

func TestStates(t *testing.T) {
	var g *gen.Generator[int, int, int]
	var inside gen.State
	g = gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		inside = g.State()
		y.Yield(1)
		return 0, nil
	})
	states := []gen.State{g.State()}
	g.Next()
	states = append(states, inside, g.State())
	g.Next()
	states = append(states, g.State())
	want := []gen.State{gen.Created, gen.Running, gen.Suspended, gen.Closed}
	if !slices.Equal(states, want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	names := []string{}
	for _, s := range states {
		names = append(names, s.String())
	}
	if got := strings.Join(names, " "); got != "created running suspended closed" {
		t.Fatal(got)
	}
}

func TestWhere(t *testing.T) {
	var line int
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) {
		_, _, line, _ = runtime.Caller(0)
		y.Yield(1) // the line after Caller
		return 0, nil
	})
	if w := g.Where(); !strings.Contains(w.Func(), "TestWhere.func1") {
		t.Fatalf("created: %q", w.Func())
	}
	g.Next()
	_, file, _, _ := runtime.Caller(0)
	if got, want := g.Where().String(), file+":"+strconv.Itoa(line+1); got != want {
		t.Fatalf("Where = %q, want %q", got, want)
	}
	// Where does not disturb the generator
	if _, err := g.Next(); !errors.Is(err, gen.ErrStop) {
		t.Fatalf("Next after Where = %v", err)
	}
	if w := g.Where(); w.String() != "" {
		t.Fatalf("closed Where = %q", w)
	}
}

func TestYieldOutsideBodyPanics(t *testing.T) {
	var keep *gen.Yielder[int, int]
	g := gen.New(func(y *gen.Yielder[int, int]) (int, error) { keep = y; return 0, nil })
	g.Next()
	defer func() {
		if recover() == nil {
			t.Fatal("Yield after the body returned did not panic")
		}
	}()
	keep.Yield(1)
}

func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 50 {
		g := upTo(5)
		g.Next()
		g.Close()
		collect(upTo(2))
		for range upTo(3).All() {
			break
		}
		d := delegator(upTo(3), func(string) {})
		d.Next()
		d.Next()
		d.Close()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

// A "yield from" over a generator that has already ended evaluates to
// None in Python: the return value went with the first StopIteration.
func TestYieldFromAlreadyEnded(t *testing.T) {
	for _, mode := range []string{"pull", "push"} {
		t.Run(mode, func(t *testing.T) {
			sub := upTo(1)
			collect(sub)
			g := delegator(sub, func(string) {})
			var got []int
			if mode == "pull" {
				got, _ = collect(g)
			} else {
				got = slices.Collect(g.All())
			}
			if !slices.Equal(got, []int{0}) || g.Value() != 0 || g.Err() != nil {
				t.Fatalf("got %v value %d err %v, want [0], the zero value and no error", got, g.Value(), g.Err())
			}
		})
	}
}

// PEP 479: an inner generator's ErrStop returned by a body is not this
// generator's end.
func TestBodyReturningErrStop(t *testing.T) {
	outer := func() *gen.Generator[int, int, int] {
		inner := upTo(1)
		return gen.New(func(y *gen.Yielder[int, int]) (int, error) {
			for {
				v, err := inner.Next()
				if err != nil {
					return 0, err // ErrStop passed on: a bug PEP 479 makes loud
				}
				if _, err := y.Yield(v); err != nil {
					return 0, err
				}
			}
		})
	}
	for _, mode := range []string{"pull", "push"} {
		t.Run(mode, func(t *testing.T) {
			g := outer()
			var got []int
			var err error
			if mode == "pull" {
				got, err = collect(g)
			} else {
				got = slices.Collect(g.All())
				err = g.Err()
			}
			var se *gen.StopError
			if !slices.Equal(got, []int{1}) || !errors.As(err, &se) || errors.Is(err, gen.ErrStop) || se.Cause != gen.ErrStop {
				t.Fatalf("got %v, err %v; want [1] and a *StopError caused by ErrStop, not ErrStop itself", got, err)
			}
			if _, err := g.Next(); err != gen.ErrStop {
				t.Fatalf("Next after the end = %v, want ErrStop", err)
			}
		})
	}
}
