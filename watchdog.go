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

// A Stall is a task that has kept its hub for longer than the watchdog's
// threshold without letting another run.
type Stall struct {
	TaskID   uint64
	TaskName string
	For      time.Duration // how long it had run when reported (at least)
	Stack    string        // the stack of the task's goroutine at that moment
}

func (s Stall) String() string {
	return fmt.Sprintf("corio: task %d %q has kept the hub for %v without switching:\n%s", s.TaskID, s.TaskName, s.For, s.Stack)
}

// Watchdog watches the hub from a goroutine of its own and reports a task
// that keeps the hub for longer than threshold without waiting (gevent's
// max_blocking_time): every other task of the hub is stopped meanwhile.
// report is called on the watchdog's goroutine, once per stall; nil prints
// the stall to standard error. The check runs every threshold/4, so a
// stall is seen between threshold and 1.25×threshold after it begins.
func Watchdog(threshold time.Duration, report func(Stall)) Option {
	return func(c *runConfig) {
		c.watchThreshold = threshold
		c.watchReport = report
	}
}

type watchdog struct {
	h         *hub
	goids     map[*coro.Fiber]uint64 // the goroutine of each fiber (hub's goroutine only)
	switches  atomic.Uint64          // counts task switches
	running   atomic.Pointer[task]   // the running task
	goid      atomic.Uint64          // its goroutine
	threshold time.Duration
	report    func(Stall)
	stop      chan struct{}
	done      chan struct{}

	// what the last check saw
	lastSwitch uint64
	since      time.Time
	reported   bool
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

// switched records, on the hub, that t (nil: the hub's own loop) runs now.
func (w *watchdog) switched(t *task) {
	w.switches.Add(1)
	w.running.Store(t)
	if t != nil {
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
