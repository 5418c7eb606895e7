package corio

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio/internal/coro"
)

// A Stall is what the watchdog reports: a task that has kept its hub for
// longer than the threshold without letting another run, or, with Ready
// set, a ready task that has waited longer than the threshold for its
// turn, behind a queue too long for the hub (no task holds it too long,
// but together they do).
type Stall struct {
	TaskID   uint64
	TaskName string
	For      time.Duration // how long it had run (or waited, with Ready) when reported, at least
	Stack    string        // the stack of the task's goroutine at that moment
	// Ready, if not 0, says this is a wait in the ready queue, of the task
	// next to run, with Ready tasks ready in all; TaskID, TaskName and
	// Stack are then the running task's.
	Ready int
}

func (s Stall) String() string {
	if s.Ready > 0 {
		return fmt.Sprintf("corio: a ready task has waited %v for its turn, with %d tasks ready: the hub has more to run than it can (task %d %q runs now):\n%s",
			s.For, s.Ready, s.TaskID, s.TaskName, s.Stack)
	}
	return fmt.Sprintf("corio: task %d %q has kept the hub for %v without switching:\n%s", s.TaskID, s.TaskName, s.For, s.Stack)
}

// Watchdog watches the hub from a goroutine of its own and reports a task
// that keeps the hub for longer than threshold without waiting (gevent's
// max_blocking_time): every other task of the hub is stopped meanwhile.
// It also reports a ready task that has waited longer than threshold for
// its turn (a Stall with Ready set): a hub with more work than it can
// run. report is called on the watchdog's goroutine, once per stall; nil
// prints the stall to standard error. The check runs every threshold/4,
// so a stall is seen between threshold and 1.25×threshold after it
// begins (a wait in the queue, up to 1.5×threshold).
func Watchdog(threshold time.Duration, report func(Stall)) Option {
	return func(c *runConfig) {
		c.watchThreshold = threshold
		c.watchReport = report
	}
}

type watchdog struct {
	h        *hub
	goids    map[*coro.Fiber]uint64 // the goroutine of each fiber (hub's goroutine only)
	switches atomic.Uint64          // counts task switches
	// started counts the tasks taken from the ready queue to run, and
	// ready is the queue's length then: the tasks put in it so far number
	// started+ready, and the queue being FIFO, the next to run is the
	// (started+1)th put in (see queueWait).
	started   atomic.Uint64
	ready     atomic.Int64
	running   atomic.Pointer[task] // the running task
	goid      atomic.Uint64        // its goroutine
	threshold time.Duration
	report    func(Stall)
	stop      chan struct{}
	done      chan struct{}

	// what the last check saw
	lastSwitch uint64
	since      time.Time
	reported   bool
	// The checks' record of how many tasks had been put in the ready
	// queue by when, oldest first, and whether the wait of the task that
	// is next to run now has been reported.
	queued        []queuedBy
	queueReported uint64 // started+1 when its wait was reported
}

// queuedBy: by time at, n tasks had been put in the ready queue.
type queuedBy struct {
	at time.Time
	n  uint64
}

func (h *hub) startWatchdog(threshold time.Duration, report func(Stall)) {
	if threshold <= 0 {
		return
	}
	if report == nil {
		report = func(s Stall) { fmt.Fprintln(os.Stderr, s) }
	}
	w := &watchdog{h: h, threshold: threshold, report: report, goids: map[*coro.Fiber]uint64{},
		stop: make(chan struct{}), done: make(chan struct{})}
	h.watch = w
	go w.run(max(threshold/4, time.Millisecond))
}

func (w *watchdog) run(every time.Duration) {
	defer close(w.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-tick.C:
			w.check(now)
		}
	}
}

// check compares what the hub does now with the last check.
func (w *watchdog) check(now time.Time) {
	w.checkQueue(now)
	sw, cur := w.switches.Load(), w.running.Load()
	if cur == nil || sw != w.lastSwitch {
		w.lastSwitch, w.since, w.reported = sw, now, false
		return
	}
	if d := now.Sub(w.since); !w.reported && d >= w.threshold {
		w.reported = true
		w.report(Stall{TaskID: cur.id, TaskName: cur.displayName(), For: d, Stack: goroutineStack(w.goid.Load())})
	}
}

// checkQueue reports the wait of the task next to run, taken from the
// checks' record: it was put in the ready queue after the last check that
// had seen fewer put in than it, so it has waited at least since the
// first that had seen it put in.
func (w *watchdog) checkQueue(now time.Time) {
	started, ready := w.started.Load(), w.ready.Load()
	if n := started + uint64(max(ready, 0)); len(w.queued) == 0 || w.queued[len(w.queued)-1].n != n {
		if len(w.queued) == maxQueuedRecord { // the oldest matters most: thin the next
			w.queued = append(w.queued[:1], w.queued[2:]...)
		}
		w.queued = append(w.queued, queuedBy{at: now, n: n})
	}
	// The record need go no further back than the oldest task still
	// queued: the next to run.
	for len(w.queued) > 1 && w.queued[1].n <= started {
		w.queued = w.queued[1:]
	}
	if ready <= 0 || w.queueReported == started+1 {
		return
	}
	for _, q := range w.queued {
		if q.n > started { // the next to run was in the queue by then
			if waited := now.Sub(q.at); waited >= w.threshold {
				w.queueReported = started + 1
				cur := w.running.Load()
				st := Stall{For: waited, Ready: int(ready), Stack: "(the hub's own loop)"}
				if cur != nil {
					st.TaskID, st.TaskName, st.Stack = cur.id, cur.displayName(), goroutineStack(w.goid.Load())
				}
				w.report(st)
			}
			return
		}
	}
}

// maxQueuedRecord bounds the checks' record of the ready queue.
const maxQueuedRecord = 1024

// switched records, on the hub, that t (nil: the hub's own loop) runs now.
func (w *watchdog) switched(t *task) {
	w.switches.Add(1)
	w.running.Store(t)
	w.ready.Store(int64(w.h.ready.len()))
	if t != nil {
		w.started.Add(1)
		w.goid.Store(w.goids[t.fiber]) // 0 for a new fiber: enter sets it
	}
}

// enter records, on f's goroutine as a task starts on it, f's goroutine.
func (w *watchdog) enter(f *coro.Fiber) {
	id, ok := w.goids[f]
	if !ok {
		id = goid()
		w.goids[f] = id
	}
	w.goid.Store(id)
}

func (w *watchdog) close() {
	close(w.stop)
	<-w.done
}

// goid is the id of the calling goroutine, read from its stack header
// ("goroutine 18 [running]:"). It costs a stack dump: only tasks of a hub
// with a watchdog pay it, once each.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

// goroutineStack is the stack of goroutine id, from a dump of all.
func goroutineStack(id uint64) string {
	buf := make([]byte, 1<<20)
	all := buf[:runtime.Stack(buf, true)]
	head := []byte("goroutine " + strconv.FormatUint(id, 10) + " [")
	for block := range bytes.SplitSeq(all, []byte("\n\n")) {
		if bytes.HasPrefix(block, head) {
			return string(block)
		}
	}
	return "(stack not found)"
}
