package corio

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Seeded runs: where the hub has a choice, a seed makes it.
//
// A hub left alone makes its choices in a fixed way: the ready queue is
// FIFO, timers due at the same instant fire in the order they were set.
// A program that is correct only because of those orders has a bug that a
// different order (another hub, a busier machine, a goroutine twin) would
// show. Under Seed the hub makes every such choice with a pseudo-random
// generator seeded by the seed: the same seed and the same program make
// the same choices, so a run that fails replays exactly; many seeds
// explore many orders. The primitives' own orders stay what they
// document (a Queue serves its getters in arrival order, a Semaphore its
// waiters, an Event wakes its waiters in order): what the seed varies is
// which of the tasks made ready runs first.

// ErrNondeterministic is wrapped by the error of a call a seeded run
// cannot replay (see Seed): one that reaches outside the hub, to another
// goroutine, the kernel or the real clock. The error names the call.
var ErrNondeterministic = errors.New("corio: not deterministic under Seed")

// A Strategy is how a seeded run picks which ready task runs next.
type Strategy struct {
	// Random picks uniformly among the ready tasks at every choice,
	// instead of PCT (below).
	Random bool
	// Depth is PCT's d: the run changes priorities at Depth-1 points, so
	// that it finds, with probability at least 1/(n·k^(d-1)) per seed, any
	// bug that needs d ordering constraints between n tasks over k steps.
	// Default 3.
	Depth int
	// Steps is PCT's k, the number of choices over which the change points
	// are spread: about the number of task switches of the run. Default
	// 1000; sim.Check measures it on the first run and sets it.
	Steps int
}

// DefaultStrategy is the Strategy of Seed: PCT of depth 3 over 1000 steps.
var DefaultStrategy = Strategy{Depth: 3, Steps: 1000}

// Seed makes the hub a seeded one: it runs on the virtual clock, and
// every choice the hub makes between tasks comes from a generator seeded
// by seed, with DefaultStrategy. The choices are:
//   - which ready task runs next, the order in which spawned tasks first
//     run and where a task that yields (Sleep(ctx, 0)) comes back among
//     the others;
//   - the order in which timers due at the same instant fire (and so, on
//     package sim's network, the order in which messages arrive).
//
// The strategy is PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte:
// "A randomized scheduler with probabilistic guarantees of finding bugs",
// ASPLOS 2010): each task gets a random priority when it is spawned, the
// highest-priority ready task runs, and at Depth-1 random points of the
// run the running task drops below every other. Unlike choosing at
// random at each switch, which almost never keeps one task away for long,
// PCT finds the bug that needs a task to be late many switches in a row
// as easily as one that needs it once. A task that yields draws a new
// priority: a loop that yields until another task acts must let it.
//
// With the same seed, the same program makes the same choices: Trace
// shows them. A call the hub cannot replay fails instead of silently
// making the run unrepeatable, with an error wrapping ErrNondeterministic
// that names it: Blocking (another goroutine), NewFD on a kernel
// descriptor (the kernel's timing; give the run package sim's network
// instead), a wait on a context with a deadline of package context (the
// real clock: use WithTimeout). What the hub cannot see stays the
// program's to avoid: other goroutines (Hub.Submit, Hub.Spawn),
// time.Now, the file system, maps iterated in their random order.
func Seed(seed uint64) Option { return SeedWith(seed, DefaultStrategy) }

// SeedWith is Seed with a strategy of the caller's.
func SeedWith(seed uint64, s Strategy) Option {
	return func(c *runConfig) {
		c.virtual = true
		c.seed, c.seeded, c.strategy = seed, true, s
	}
}

// Trace has fn told of every choice the hub makes, in order: each task it
// runs, and each move of its clock. With Seed, two runs of the same
// program with the same seed give the same trace; a digest of the events
// is a cheap proof (package sim compares them). fn runs on the hub's
// goroutine between tasks: it must not wait or spawn.
func Trace(fn func(TraceEvent)) Option { return func(c *runConfig) { c.trace = fn } }

// A TraceEvent is one choice of the hub.
type TraceEvent struct {
	Step  int64         // its number in the run, from 1
	Kind  TraceKind     // what was chosen
	Task  uint64        // TraceRun: the task's ID (see Task.ID)
	Ready int           // TraceRun: how many tasks were ready to choose from
	Time  time.Duration // the hub's clock, since Run began
}

// TraceKind says what a TraceEvent chose.
type TraceKind uint8

const (
	TraceRun  TraceKind = iota + 1 // Task runs, chosen among Ready
	TraceTime                      // the clock moved to Time: every task waited
)

func (k TraceKind) String() string {
	switch k {
	case TraceRun:
		return "run"
	case TraceTime:
		return "time"
	}
	return "invalid"
}

func (e TraceEvent) String() string {
	if e.Kind == TraceTime {
		return fmt.Sprintf("%d time %v", e.Step, e.Time)
	}
	return fmt.Sprintf("%d run task %d of %d ready at %v", e.Step, e.Task, e.Ready, e.Time)
}

// control is what a hub with Seed or Trace keeps: nil otherwise, so that
// the hub's every choice pays one nil check and nothing more.
type control struct {
	h     *hub
	trace func(TraceEvent)
	step  int64

	seeded   bool
	strategy Strategy
	rng      *rand.Rand
	// PCT: the priority of each live task (by ID: the task record's size
	// is the same with or without a seed), and the steps at which the
	// running task drops to the next low priority.
	prio    map[uint64]uint64
	changes []int64
	low     uint64 // the priority the next change point gives: 1, 2, ...
}

func newControl(h *hub, cfg *runConfig) *control {
	if !cfg.seeded && cfg.trace == nil {
		return nil
	}
	c := &control{h: h, trace: cfg.trace, seeded: cfg.seeded, strategy: cfg.strategy}
	if !c.seeded {
		return c
	}
	// PCG with the seed and a constant of this package: its sequence is
	// specified, so a seed replays across Go versions and machines.
	c.rng = rand.New(rand.NewPCG(cfg.seed, 0x636f72696f))
	if c.strategy.Depth < 1 {
		c.strategy.Depth = DefaultStrategy.Depth
	}
	if c.strategy.Steps < 1 {
		c.strategy.Steps = DefaultStrategy.Steps
	}
	if !c.strategy.Random {
		c.prio = make(map[uint64]uint64)
		for range c.strategy.Depth - 1 {
			c.changes = append(c.changes, 1+c.rng.Int64N(int64(c.strategy.Steps)))
		}
		slices.Sort(c.changes)
	}
	return c
}

// highPriority draws a task's priority: above every priority a change
// point gives (those are 1 to Depth-1).
func (c *control) highPriority() uint64 {
	return uint64(c.strategy.Depth) + c.rng.Uint64N(1<<62)
}

// born gives a spawned task its priority.
func (c *control) born(t *task) {
	if c.prio != nil {
		c.prio[t.id] = c.highPriority()
	}
}

// yielded gives a task that yields a new priority, so that a task looping
// on yields until another acts does not keep it from acting.
func (c *control) yielded(t *task) {
	if c.prio != nil {
		c.prio[t.id] = c.highPriority()
	}
}

// ended forgets a task.
func (c *control) ended(t *task) {
	if c.prio != nil {
		delete(c.prio, t.id)
	}
}

// take removes from the ready queue the task to run next and returns it.
func (c *control) take(ready *deque[*task]) *task {
	n := ready.len()
	i := 0
	if c.seeded {
		i = c.choose(ready)
		if i != 0 { // to the front, where popFront takes it
			*ready.at(0), *ready.at(i) = *ready.at(i), *ready.at(0)
		}
	}
	t := ready.popFront()
	c.step++
	if c.seeded && c.prio != nil {
		for len(c.changes) > 0 && c.changes[0] <= c.step {
			c.changes = c.changes[1:]
			c.low++
			c.prio[t.id] = c.low
		}
	}
	if c.trace != nil {
		c.trace(TraceEvent{Step: c.step, Kind: TraceRun, Task: t.id, Ready: n, Time: time.Duration(c.h.clock.now)})
	}
	return t
}

// choose is the index in ready of the task the strategy runs next.
func (c *control) choose(ready *deque[*task]) int {
	n := ready.len()
	if c.strategy.Random {
		return c.rng.IntN(n)
	}
	best, bestPrio := 0, uint64(0)
	for i := range n {
		t := *ready.at(i)
		p := c.prio[t.id]
		if p > bestPrio || (p == bestPrio && t.id < (*ready.at(best)).id) {
			best, bestPrio = i, p
		}
	}
	return best
}

// seeded reports whether the hub runs under Seed.
func (h *hub) seeded() bool { return h.control != nil && h.control.seeded }

// clockMoved records that the virtual clock jumped.
func (c *control) clockMoved(now int64) {
	c.step++
	if c.trace != nil {
		c.trace(TraceEvent{Step: c.step, Kind: TraceTime, Time: time.Duration(now)})
	}
}

// shuffleDue puts the timers due at now in an order the seed picks: they
// are taken out and set again, in that order, at their times (timers due
// at the same time fire in the order they were set).
func (c *control) shuffleDue(q *timerQueue, now int64) {
	type due struct {
		t    *timer
		when int64
	}
	var batch []due
	for t, when := q.popWhen(now); t != nil; t, when = q.popWhen(now) {
		batch = append(batch, due{t, when})
	}
	if len(batch) > 1 {
		c.rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	}
	for _, d := range batch {
		q.push(d.t, d.when)
	}
}

// seedEpoch is where a seeded hub's clock starts: a fixed time, so that
// what a program reads of corio.Now is the same in every run of a seed.
var seedEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// nondeterministic is the error of a call a seeded run cannot replay.
func nondeterministic(call, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrNondeterministic, call, why)
}

// contextValue is a value WithValue puts in every task's context.
type contextValue struct{ key, value any }

// WithValue puts value under key in the context of Run's main task, and
// so of every task: what a library needs for the whole run (package sim's
// network, which package cnet finds there). key must be comparable, as
// for context.WithValue.
func WithValue(key, value any) Option {
	return func(c *runConfig) { c.values = append(c.values, contextValue{key, value}) }
}

// Options makes several options one: what a package that sets a run up
// (package sim) gives its caller.
func Options(opts ...Option) Option {
	return func(c *runConfig) {
		for _, o := range opts {
			o(c)
		}
	}
}
