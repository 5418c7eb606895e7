// Package coro is corio's single switching core: every coroutine in corio,
// whether a generator, a greenlet or a hub task, runs on a Go runtime
// coroutine made here, and this is the only package that calls iter.Pull.
//
// # The model
//
// A coroutine is a function running on a stack of its own (a goroutine
// stack: heap-allocated and growable, like the heap-allocated frames that
// let a Python generator stop in the middle of a function). It runs only
// when another piece of code switches to it, and it gives control back only
// by switching away; the Go scheduler is not involved in either switch.
//
// The runtime's coroutine, which iter.Pull wraps, behaves like a channel
// that always has exactly one goroutine parked in it: a goroutine that
// switches on it parks itself there and wakes the goroutine that was parked.
// A [port] is one such coroutine used as that raw swap point. Everything
// else is built on it:
//
//   - [Coro] is an asymmetric coroutine: Send (or Next) passes a value in
//     and runs the coroutine until it calls Yield (a value out) or returns.
//     Its resumer's half, [Resumer], is a type of its own so that a layer
//     can embed it and have Next and Send inlined into its users' code.
//   - Inline runs a coroutine's function with no switching at all, its
//     Yield calling a consumer: Python generators' push mode, for range.
//   - Symmetric switching (greenlets) moves control between coroutines by
//     parking the current goroutine in whichever port the target waits in;
//     see [Port].
//   - [Fiber] is that symmetric switching made general, for the hub: a
//     fiber runs a Program and, when it stops, names the fiber to run next;
//     Where and Unwind work on fibers as on a Coro, and a fiber whose
//     program has ended can be given another (Recycle, Rebind) so that its
//     goroutine is reused.
//
// # Deep suspension
//
// A Coro's Yield may be called not only by its own function but by any
// coroutine that it resumed, directly or through others, while that chain is
// running. The caller, wherever it is in the chain, parks in the Coro's port
// and the Coro's resumer runs; the next Send wakes exactly that caller.
// This is how a generator running inside a hub task waits on a socket: the
// wait suspends the whole chain up to the hub in one switch, and resuming
// the task resumes the generator where it waited. In Python this comes for
// free because a generator's frame lives on its greenlet's stack; here the
// chain of parked goroutines plays the part of that stack.
//
// # Unwinding
//
// Closing a suspended Coro makes the Yield it is paused in panic with a
// value private to this package. The panic unwinds the coroutine's stack,
// so its deferred calls run, and is recovered where the coroutine began. A
// coroutine that recovers every panic must re-panic values it does not
// recognise, as it must for any panic it does not own. If the paused Yield
// was called from deeper in the chain, each coroutine between is unwound in
// turn, innermost first.
//
// # Who may call what
//
// A Coro is used by one chain of control at a time: Send, Next, Throw,
// Close and Where must not be called concurrently from several goroutines.
// Resuming a running coroutine, including from inside itself, returns
// ErrRunning.
// A panic inside a coroutine reaches the resumer as a *PanicError holding
// the original value and the coroutine's stack; a coroutine that calls
// runtime.Goexit propagates the Goexit to its resumer, as iter.Pull does.
package coro
