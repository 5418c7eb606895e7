package gen

import (
	"errors"
	"iter"
	"path"
	"reflect"

	"github.com/corio-go/corio/internal/coro"
)

// A Generator runs a body that yields values of type Y, receives values of
// type S through Send and returns a value of type R. Make one with New.
//
// Its Next and Send methods come from the embedded Resumer, so that the
// compiler inlines them into the caller (see BENCHMARKS.md):
//
//   - Next() (Y, error) runs the body to its next Yield and returns the
//     value yielded. At the end it returns the body's error (a *PanicError
//     if the body panicked), or ErrStop if there is none; after the end,
//     ErrStop. Used from inside its own body it returns ErrRunning.
//   - Send(v S) (Y, error) is Next with v passed in: the paused Yield
//     returns v. The first Next or Send starts the body, which has no Yield
//     yet to receive a value, so Send of a non-zero value to a generator
//     that has not started returns ErrNotStarted and leaves it unstarted.
type Generator[Y, S, R any] struct {
	*coro.Resumer[S, Y] // Next and Send

	co    *coro.Coro[S, Y]
	y     Yielder[Y, S]
	body  func(*Yielder[Y, S]) (R, error)
	value R
	err   error // what the body ended with
}

// New returns a generator that will run body from its first Next, Send or
// range over All. Nothing runs until then.
func New[Y, S, R any](body func(y *Yielder[Y, S]) (R, error)) *Generator[Y, S, R] {
	g := &Generator[Y, S, R]{body: body}
	g.co = coro.New(g.run, coro.Config[S]{
		ErrRunning: ErrRunning,
		ErrClosed:  ErrStop,
		ErrExit:    ErrGeneratorExit,
		CheckStart: checkStart[S],
		Origin:     body,
		Library:    libraryFrames,
	})
	g.Resumer = &g.co.Resumer
	g.y.co = g.co
	return g
}

// libraryFrames are the frames Where leaves out on top of a paused body's
// stack: this module's library (gen itself, and a hub or socket the body
// waits in), above which is the body's call that suspended it.
var libraryFrames = coro.ModuleFrames(path.Dir(reflect.TypeFor[StopError]().PkgPath()))

// run is the coroutine's function in pull mode. The Send that runs the
// body to its end reports the body's error, or ErrStop; later ones report
// ErrStop.
func (g *Generator[Y, S, R]) run(_ *coro.Coro[S, Y], _ S) (Y, error) {
	g.value, g.err = g.body(&g.y)
	g.err = stopInBody(g.err)
	var zero Y
	if g.err != nil {
		return zero, g.err
	}
	return zero, ErrStop
}

func checkStart[S any](v S) error {
	if reflect.ValueOf(&v).Elem().IsZero() {
		return nil
	}
	return ErrNotStarted
}

// State reports where the generator is in its life.
func (g *Generator[Y, S, R]) State() State { return g.co.State() }

// Throw delivers err at the paused Yield, which returns it. If the body
// handles it and yields again, Throw returns that value; if the body
// returns err (or another error), Throw returns that error; if the body
// returns nil, ErrStop. Throw into a generator that has not started closes
// it without running its body and returns err, as does Throw into a closed
// one. A nil err is ErrGeneratorExit.
func (g *Generator[Y, S, R]) Throw(err error) (Y, error) {
	if err == nil {
		err = ErrGeneratorExit
	}
	var zero Y
	switch g.State() {
	case Created:
		g.co.Close()
		return zero, err
	case Closed:
		return zero, err
	}
	return g.co.Throw(err)
}

// Close ends the generator. A paused body sees ErrGeneratorExit from its
// Yield and should return; Close then returns nil, or the body's error if it
// returned another one. A body that yields again instead is unwound (its
// deferred calls run) and Close returns ErrIgnoredExit. Closing a generator
// that has not started, or has ended, does nothing; closing it from inside
// its body returns ErrRunning.
func (g *Generator[Y, S, R]) Close() error {
	if g.State() != Suspended {
		return g.co.Close()
	}
	_, err := g.co.Throw(ErrGeneratorExit)
	if g.State() == Suspended {
		if err := g.co.Close(); err != nil {
			g.err = err
			return err
		}
		g.err = ErrIgnoredExit
		return ErrIgnoredExit
	}
	if errors.Is(err, ErrStop) || errors.Is(err, ErrGeneratorExit) {
		g.err = nil
		return nil
	}
	return err
}

// Value is what the body returned, once it has (the zero R before).
func (g *Generator[Y, S, R]) Value() R { return g.value }

// Err is the error the body ended with: the error it returned, a
// *PanicError, or ErrIgnoredExit. It is nil while the body runs, if it
// returned nil, and if it returned ErrGeneratorExit on being closed. After
// a range over All, Err tells whether the sequence ended in error.
func (g *Generator[Y, S, R]) Err() error {
	if f := g.co.Failure(); f != nil && g.err == nil {
		return f
	}
	return g.err
}

// Where tells where the body is paused: for a suspended generator, the
// Yield it waits in and the stack below it; for one not started, the
// body's entry; for a running or closed one, nowhere.
func (g *Generator[Y, S, R]) Where() Location { return g.co.Where() }

// All returns the generated values as a range-over-func sequence. Ranged
// over before the generator has started, the body runs in push mode, with
// no coroutine; otherwise All pulls the remaining values with Next. In
// both modes a break closes the generator. Check Err after the loop.
// Ranging over All from inside the body is a programming error and panics
// with ErrRunning.
func (g *Generator[Y, S, R]) All() iter.Seq[Y] {
	return func(yield func(Y) bool) {
		if g.State() == Created {
			g.runPush(yield, nil)
			return
		}
		for {
			v, err := g.Next()
			if err != nil {
				if errors.Is(err, ErrRunning) {
					panic(err)
				}
				if !errors.Is(err, ErrStop) {
					g.err = err
				}
				return
			}
			if !yield(v) {
				g.Close()
				return
			}
		}
	}
}

// runPush runs the body on the caller's stack, its Yield calling the range
// loop's body directly (or, with outer, yielding into outer's loop).
func (g *Generator[Y, S, R]) runPush(yield func(Y) bool, outer *coro.Coro[S, Y]) {
	body := func() {
		g.value, g.err = g.body(&g.y)
		g.err = stopInBody(g.err)
	}
	var unwound bool
	if outer != nil {
		unwound = g.co.InlineInto(outer, body)
	} else {
		unwound = g.co.Inline(body, yield)
	}
	switch {
	case unwound:
		g.err = ErrIgnoredExit
	case errors.Is(g.err, ErrGeneratorExit) && g.consumerStopped(outer):
		g.err = nil
	}
}

func (g *Generator[Y, S, R]) consumerStopped(outer *coro.Coro[S, Y]) bool {
	if outer != nil {
		return outer.ConsumerStopped()
	}
	return true // only a stopped consumer makes Yield return ErrGeneratorExit inline
}
