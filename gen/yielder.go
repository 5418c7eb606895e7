package gen

import "github.com/corio-go/corio/internal/coro"

// A Yielder is a generator body's handle on its consumer. It is valid only
// inside the body it was given to.
type Yielder[Y, S any] struct {
	co      *coro.Coro[S, Y] // the generator's coroutine (unused in push mode but for its state)
	push    func(Y) bool     // push mode: the range loop's body
	thrown  error            // delivered at the paused Yield by Throw or Close
	exiting bool             // push mode: the range loop is over
}

// ignoredExit unwinds a push-mode body that yields after ErrGeneratorExit.
type ignoredExit struct{}

// Yield hands v to the consumer and pauses until the consumer asks for the
// next value. It returns what Send passed (the zero S for Next and in push
// mode), or the error of a Throw, or ErrGeneratorExit when the generator is
// being closed, in which case the body should return.
func (y *Yielder[Y, S]) Yield(v Y) (S, error) {
	if y.push != nil {
		if y.push(v) {
			var zero S
			return zero, nil
		}
		return y.pushStopped()
	}
	s := y.co.Yield(v)
	if y.thrown != nil {
		return y.takeThrown()
	}
	return s, nil
}

func (y *Yielder[Y, S]) takeThrown() (S, error) {
	var zero S
	err := y.thrown
	y.thrown = nil
	return zero, err
}

// pushStopped is Yield in push mode when the range loop is over: the
// loop's body must not be called again, so a later Yield unwinds.
func (y *Yielder[Y, S]) pushStopped() (S, error) {
	var zero S
	if !y.exiting {
		y.exiting = true
		y.push = refusePush[Y]
	}
	return zero, ErrGeneratorExit
}

// refusePush stands for the range loop's body once the loop is over: a body
// that yields again ignored ErrGeneratorExit and is unwound.
func refusePush[Y any](Y) bool { panic(ignoredExit{}) }
