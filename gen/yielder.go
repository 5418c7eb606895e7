package gen

import "github.com/corio-go/corio/internal/coro"

// A Yielder is a generator body's handle on its consumer. It is valid only
// inside the body it was given to.
type Yielder[Y, S any] struct {
	co *coro.Coro[S, Y]
}

// Yield hands v to the consumer and pauses until the consumer asks for the
// next value. It returns what Send passed (the zero S for Next and in push
// mode), or the error of a Throw, or ErrGeneratorExit when the generator is
// being closed, in which case the body should return. Yield outside the
// body it was given to is a programming error and panics.
func (y *Yielder[Y, S]) Yield(v Y) (S, error) { return y.co.Yield(v) }
