package cnet

import (
	"context"
	"slices"

	"github.com/corio-go/corio"
)

// Bursts are served by a hub's workers: tasks that take the connections
// whose data has come from the hub's ready list, one after another, and
// wait, a few at most, when it is empty. A burst then costs no task of its
// own (no allocation, no spawn), and the tasks a hub holds are bounded by
// the bursts that wait at once, not by the connections: a burst that
// never waits (an echo, a parse and a reply) is served by the worker that
// served the one before, as an event loop would; while one waits, the
// next in the list goes to another worker.

// maxIdleWorkers is how many workers a hub keeps waiting for bursts; more,
// freed at once after a crowd of waiting bursts, end.
const maxIdleWorkers = 16

// burstWorker is a worker task.
type burstWorker struct {
	sh     *serverHub
	handed corio.Event // set when the ready list has something, or to dismiss
}

// schedule puts bc in the ready list and makes sure a worker will take
// it: an idle one woken, or a new one unless one is about to start.
func (sh *serverHub) schedule(bc *burstConn) {
	sh.ready = append(sh.ready, bc)
	if n := len(sh.idleWorkers); n > 0 {
		w := sh.idleWorkers[n-1]
		sh.idleWorkers[n-1] = nil
		sh.idleWorkers = sh.idleWorkers[:n-1]
		w.handed.Set()
		return
	}
	sh.addWorker()
}

// addWorker spawns a worker, unless one has been spawned that has not
// started yet: it will take what is ready when it does.
func (sh *serverHub) addWorker() {
	if sh.workerStarting {
		return
	}
	sh.workerStarting = true
	w := &burstWorker{sh: sh}
	if _, err := sh.conns.Spawn(sh.ctx, w.run); err != nil {
		// The hub is ending: what is ready is ended with the server (see
		// drainBursts).
		sh.workerStarting = false
	}
}

// nextReady takes the first connection of the ready list, or nil.
func (sh *serverHub) nextReady() *burstConn {
	if sh.readyHead == len(sh.ready) {
		return nil
	}
	bc := sh.ready[sh.readyHead]
	sh.ready[sh.readyHead] = nil
	sh.readyHead++
	if sh.readyHead == len(sh.ready) { // empty: start over at the front
		sh.ready, sh.readyHead = sh.ready[:0], 0
	}
	return bc
}

// run serves the ready list until it is empty, then waits to be woken,
// until it is dismissed, killed, or one worker too many would wait.
func (w *burstWorker) run(ctx context.Context) error {
	sh := w.sh
	sh.workerStarting = false
	for {
		if ctx.Err() != nil { // killed: what is ready is ended with the server
			return nil
		}
		bc := sh.nextReady()
		if bc == nil {
			if sh.draining || len(sh.idleWorkers) >= maxIdleWorkers {
				return nil
			}
			sh.idleWorkers = append(sh.idleWorkers, w)
			if err := w.handed.Wait(ctx); err != nil { // killed (Close)
				if i := slices.Index(sh.idleWorkers, w); i >= 0 {
					sh.idleWorkers = slices.Delete(sh.idleWorkers, i, i+1)
				}
				return nil
			}
			w.handed.Clear()
			continue
		}
		if sh.readyHead < len(sh.ready) && len(sh.idleWorkers) == 0 {
			// More is ready: should this burst wait, a worker takes it.
			sh.addWorker()
		}
		bc.serve(ctx)
	}
}

// dismissWorkers wakes the idle workers to end once the ready list is
// empty (the hub is draining).
func (sh *serverHub) dismissWorkers() {
	for _, w := range sh.idleWorkers {
		w.handed.Set()
	}
	clear(sh.idleWorkers)
	sh.idleWorkers = sh.idleWorkers[:0]
}
