// Package corio runs many tasks inside one goroutine, switching between
// them only when one would wait: gevent's hub, in Go. Tasks are written as
// plain blocking code (sleep, wait on a queue, read a socket), share
// memory without locks, and cost a coroutine each, not a thread.
//
//	err := corio.Run(ctx, func(ctx context.Context) error {
//		q := corio.NewQueue[string](10)
//		corio.Spawn(ctx, func(ctx context.Context) error {
//			defer q.Close()
//			for _, url := range urls {
//				corio.Sleep(ctx, 100*time.Millisecond) // other tasks run meanwhile
//				q.Put(ctx, url)
//			}
//			return nil
//		})
//		for {
//			url, err := q.Get(ctx) // waits, letting the producer run
//			if err != nil {
//				return nil // closed and drained
//			}
//			fmt.Println(url)
//		}
//	})
//
// Run makes a hub on the calling goroutine and runs main on it as the
// first task; Spawn starts more. A task runs until it makes a cooperative
// call that would wait (Sleep, a queue, Event.Wait, Task.Join, a socket of
// package cnet, an HTTP request through package chttp), and the hub then
// runs the next ready task, in the order they became ready. At most one
// task of a hub runs at any instant, so tasks of one hub share memory
// without locks; several hubs (one per core) run in parallel, each on its
// own goroutine. How the hub's loop schedules, parks and shares the
// thread is in docs/how-it-works.md, section "The hub's loop".
//
// # What tasks wait on
//
// Sleep and Timeout; Task.Join, JoinAll, AsCompleted and WaitAny; Event,
// Semaphore, Mutex, Queue (FIFO, LIFO, priority, bounded, joinable) and
// Channel, all served in FIFO order, and none losing a value to a waiter
// whose wait was cancelled; Group and Pool with Map, Imap and
// ImapUnordered. A Future is the one primitive safe from any goroutine: it
// is how work done elsewhere comes back to a task. Blocking runs a call
// that must block (cgo, files, a blocking library) on a goroutine of its
// own while the task waits, and a Hub handle lets other goroutines submit
// functions and spawn tasks. A generator or greenlet running inside a task
// may wait too: the wait suspends the whole chain.
//
// # The context is the handle
//
// Every call that may wait takes a context.Context first: the context a
// task's function receives (or one made from it), which carries the hub
// and the task. Calling it with a context that is not the running task's
// (one of no hub, another task's, or from a callback) returns ErrNoTask
// rather than suspending whichever task runs. Spawn takes one too, and the
// new task's context is a child of it.
//
// Cancellation is context cancellation. Kill cancels a task's context;
// every cooperative wait made with that context or one made from it then
// returns at once with an error wrapping context.Canceled, and keeps doing
// so. Timeouts are deadlines: WithTimeout and WithDeadline make contexts
// that end on the hub's clock, and Timeout runs a function under one.
// Contexts made by the standard context package work too: one made from a
// hub context is cancelled with it at once, and the hub watches the
// others with context.AfterFunc.
//
// A cancellation takes effect at once, whoever makes it (Kill, a cancel
// function, a parent's cancellation, a deadline): from the moment it is
// made, nothing is handed to the cancelled waiter. A queue item, a
// channel value, a permit, a lock or a wake-up goes to the next waiter
// instead, and the cancelled wait returns its error when its task runs
// next. After Kill, a Sleep(ctx, 0) of the killer lets the killed task run
// first, as gevent's sleep(0) does. A cancellation from another goroutine
// takes effect the next time the hub runs anything.
//
// A killed task may still clean up, and wait while it does, with a
// context that does not descend from its own: context.WithoutCancel,
// bounded by a timeout of its own (corio.WithTimeout(
// context.WithoutCancel(ctx), time.Second)), as a gevent greenlet may
// after catching GreenletExit. See the example of Task.Kill.
//
// Two differences from gevent are deliberate. A wait that has been handed
// its value before the kill returns it, and only the next wait fails:
// failing it would lose the value. And Run's shutdown does not wait for
// clean-up: tasks still alive when main returns are killed, run while they
// are ready, and unwound where they wait.
//
// A panic in a task is recovered and becomes the task's error (a
// *PanicError, with the stack); the hub goes on.
//
// # Nothing hangs silently
//
// When the main task waits and nothing can ever wake it (no ready task,
// timer, I/O, offloaded call, Future or context of the standard library
// that may still be cancelled), Run returns a *DeadlockError naming each
// waiting task and where it waits, as gevent's LoopExit does. A
// cancellable context given to Run counts: a server waiting for the
// context of signal.NotifyContext waits, it is not a deadlock.
//
// # Time
//
// The hub reads time through its clock. With the VirtualClock option, time
// stands still while tasks run and jumps to the next timer whenever every
// task waits, so tests of timeouts take no time and run in a deterministic
// order; the project's own timing tests use it.
//
// # Goroutines
//
// A hub's tasks, events, queues and timers belong to the hub's goroutine,
// and using them from another goroutine is a programming error (a data
// race the race detector reports). Kill, the cancel functions of WithCancel
// and WithTimeout, the methods of a hub context (Err, Done, Deadline,
// Value), Future and Hub may be used from any goroutine: what they read is
// immutable or atomic, and the project's tests call them from other
// goroutines under the race detector while the hub works.
//
// # Building cooperative I/O
//
// Packages cnet and chttp are built on two public pieces a library author
// can use for any non-blocking descriptor: an FD (NewFD) registers a
// descriptor with the hub's poller, and its waits (WaitRead, WaitWrite)
// suspend only the calling task; a ReadWatch runs a callback when a
// descriptor becomes readable, with no task parked at all (an idle
// connection then costs no stack). A call that blocks its goroutine
// (a file, cgo, a library that blocks) goes through Blocking instead.
//
// # Watching the hub
//
// Tasks and FormatRunInfo describe every task with the stack where it is
// paused (gevent's format_run_info). The Watchdog option reports a task
// that keeps the hub without switching for longer than a threshold, with
// its stack (gevent's max_blocking_time).
package corio
