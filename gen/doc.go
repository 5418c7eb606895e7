// Package gen gives Go the generators of Python (PEP 255, 342 and 380): a
// function that produces a sequence by pausing in the middle of itself.
//
// # The model
//
// A generator's body is an ordinary Go function that receives a *Yielder.
// Each call of Yield hands a value to whoever is consuming the generator and
// pauses the body right there, with its local variables intact, until the
// consumer asks for the next value. The consumer drives it with Next, Send
// (Next with a value passed in, which the paused Yield returns), Throw (an
// error delivered at the paused Yield) and Close. When the body returns,
// the generator is exhausted: Next reports ErrStop and Value gives what the
// body returned, as StopIteration.value does in Python.
//
//	g := gen.New(func(y *gen.Yielder[int, string]) (int, error) {
//		total := 0
//		for i := 1; i <= 3; i++ {
//			s, err := y.Yield(i) // pauses here; s is what Send passes
//			if err != nil {
//				return total, err // an error from Throw or Close
//			}
//			total += len(s)
//		}
//		return total, nil
//	})
//
// Type parameters: Y is what the body yields, S what Send passes in, R what
// the body returns.
//
// # Two modes, one body
//
// Pulled with Next or Send, a generator runs on a runtime coroutine (see
// docs/how-it-works.md): a switch each way per value, about the cost of
// iter.Pull. Ranged over with All before it has started, the same body runs
// in push mode, as a plain range-over-func iterator with no coroutine at
// all, at function-call speed. The body cannot tell the difference except
// that Send is impossible in push mode (Yield returns the zero S).
//
// Breaking out of a range over All closes the generator: the paused Yield
// returns ErrGeneratorExit, as when a Python generator is discarded. A body
// should return on any error from Yield. One that yields again after
// ErrGeneratorExit "ignored GeneratorExit": Close reports ErrIgnoredExit and
// the body is unwound (its deferred calls run) instead of resuming.
//
// # Errors and panics
//
// An error returned by the body is the error of the Next, Send or Throw
// that ran it to its end; later calls report ErrStop. A body that returns
// ErrStop itself (an inner generator's end, passed on with "if err != nil
// { return 0, err }") is reported as a *StopError, not ErrStop, so that a
// consumer does not mistake it for this generator's normal end (PEP 479:
// Python turns it into RuntimeError). A panic in the body
// reaches the consumer: in pull mode as the error of that call, a
// *PanicError holding the original value and the body's stack (errors.Is
// sees through it to a panicked error); in push mode the panic simply
// unwinds through the range statement, as any panic in a loop body would.
//
// # Who may call what
//
// A generator is not safe for concurrent use. Using it from inside itself
// (its own body calling Next) returns ErrRunning, Python's "generator
// already executing". A generator that was started in pull mode and is
// neither exhausted nor closed keeps a parked goroutine: Close it when done,
// as iter.Pull's stop must be called.
//
// A generator used inside a corio hub task may wait cooperatively in its
// body (sleep, queue, socket): the wait suspends the task and the
// generator together, and both continue when the wait is over.
package gen
