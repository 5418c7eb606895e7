package coro

// A Resumer is the resumer's half of a Coro: what Next and Send touch. It
// is a type of its own so that a layer can embed it and give its users Next
// and Send that the compiler inlines into their code. That matters: after a
// coroutine switch every frame between the caller and the switch costs a
// mispredicted return (see BENCHMARKS.md), and a wrapper method around a
// generic method is never inlined.
//
// Its state machine lives in which function step is: iter.Pull's next while
// the coroutine is suspended, a handler in every other state (start, refuse
// a running coroutine, report a closed one), so that the hot path has no
// branch that would stop it from being inlined.
type Resumer[I, O any] struct {
	step func() (struct{}, bool)
	in   I
	out  O
	err  error
}

// Next resumes the coroutine with the zero I: Send(zero).
func (r *Resumer[I, O]) Next() (O, error) {
	var zero I
	r.in = zero
	r.step()
	return r.out, r.err
}

// Send resumes the coroutine with in and returns what it yields, with a nil
// error; or, when it ends, its last value and the error its function
// returned (a *PanicError if it panicked); or the configured ErrRunning if
// it is running, or ErrClosed if it has ended.
func (r *Resumer[I, O]) Send(in I) (O, error) {
	r.in = in
	r.step()
	return r.out, r.err
}
