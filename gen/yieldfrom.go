package gen

import "errors"

// YieldFrom delegates to sub, as Python's "yield from" (PEP 380): every
// value sub yields is yielded by the generator of y; every value sent and
// every error thrown into it is passed on to sub; closing it closes sub.
// YieldFrom returns sub's return value once sub is exhausted, or sub's
// error. A sub that had already ended before YieldFrom (exhausted, failed
// or closed) yields nothing and gives the zero R, as a "yield from" over
// an exhausted generator evaluates to None: each StopIteration after the
// first carries no value. If the outer generator is closed meanwhile, YieldFrom closes sub
// and returns ErrGeneratorExit (or sub's error from closing), and the body
// should return.
//
// In push mode a sub-generator that has not started runs in push mode too,
// so a tree of delegating generators ranged over with All needs no
// coroutine at all.
func YieldFrom[Y, S, R any](y *Yielder[Y, S], sub *Generator[Y, S, R]) (R, error) {
	var zero R
	if sub.State() == Closed {
		return zero, nil
	}
	if y.co.Pushing() && sub.State() == Created {
		sub.runPush(nil, y.co)
		if y.co.ConsumerStopped() && sub.err == nil {
			return zero, ErrGeneratorExit
		}
		return sub.value, sub.err
	}
	v, err := sub.Next()
	for {
		if errors.Is(err, ErrStop) {
			return sub.value, nil
		}
		if err != nil {
			return zero, err
		}
		s, yerr := y.Yield(v)
		switch {
		case errors.Is(yerr, ErrGeneratorExit):
			if cerr := sub.Close(); cerr != nil {
				return zero, cerr
			}
			return zero, yerr
		case yerr != nil:
			v, err = sub.Throw(yerr)
		default:
			v, err = sub.Send(s)
		}
	}
}
