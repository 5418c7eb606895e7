package simnet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Faults has the seed schedule faults, beside the ones a test makes: from
// the network's first use, a fault starts every Every or so (the gap drawn
// from Every/2 to 3·Every/2), lasts from MinLength to MaxLength, and ends
// (a partition heals, a hold is released, a crashed host restarts). The
// kind is drawn from Kinds, and the hosts from those that can take it:
// two hosts for a partition or a hold, a host with a main function
// (Host.SetMain) other than "main" for a crash. A fault whose hosts are
// down or under another scheduled fault at that moment is not made; one
// the test makes on the same link or host may end it early. Faults come
// from a generator of their own, so that the same seed draws the same
// faults whatever the run does between them, and leaving one out (as
// shrinking does) leaves the others as they were.
type Faults struct {
	// Every is the mean time between two faults' starts; 0: none.
	Every time.Duration
	// MinLength and MaxLength bound how long a fault lasts; default
	// Every/2 both.
	MinLength, MaxLength time.Duration
	// Until is when the last fault may start, from the network's first
	// use; default 10 minutes (a run that waits forever then ends, as
	// corio's deadlock detection needs, instead of seeing faults forever).
	Until time.Duration
	// Kinds are what the seed picks from; default all of them.
	Kinds []FaultKind
}

// A FaultKind is what a scheduled fault does.
type FaultKind int

const (
	PartitionFault FaultKind = iota // Partition two hosts, then Heal
	HoldFault                       // Hold what goes between two hosts, then Release
	CrashFault                      // Crash a host, then Restart it
)

func (k FaultKind) String() string {
	switch k {
	case PartitionFault:
		return "partition"
	case HoldFault:
		return "hold"
	case CrashFault:
		return "crash"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// A Fault is one the seed scheduled, as it came.
type Fault struct {
	Index int           // the draw that made it, from 0: the same fault in every run of the seed
	At    time.Duration // when it started, from the network's first use
	Kind  FaultKind
	Hosts []string      // the two hosts of a link, or the host crashed
	For   time.Duration // how long it lasted
	// Skipped: it was drawn but left out (SkipFaults), as shrinking does.
	Skipped bool
}

func (f Fault) String() string {
	s := fmt.Sprintf("#%d at %v: %v", f.Index, f.At.Round(time.Microsecond), f.Kind)
	switch len(f.Hosts) {
	case 1:
		s += " " + f.Hosts[0]
	case 2:
		s += " " + f.Hosts[0] + "–" + f.Hosts[1]
	}
	s += fmt.Sprintf(" for %v", f.For.Round(time.Microsecond))
	if f.Skipped {
		s += " (skipped)"
	}
	return s
}

func (f *Faults) setDefaults() {
	if f.Every <= 0 {
		return
	}
	if f.MinLength <= 0 && f.MaxLength <= 0 {
		f.MinLength, f.MaxLength = f.Every/2, f.Every/2
	}
	f.MaxLength = max(f.MaxLength, f.MinLength)
	if f.Until <= 0 {
		f.Until = 10 * time.Minute
	}
	if len(f.Kinds) == 0 {
		f.Kinds = []FaultKind{PartitionFault, HoldFault, CrashFault}
	}
}

// check refuses a Faults that cannot be meant.
func (f *Faults) check() error {
	if f.Every < 0 || f.MinLength < 0 || f.MaxLength < 0 || f.Until < 0 {
		return fmt.Errorf("simnet: Faults %+v: durations must not be negative", *f)
	}
	for _, k := range f.Kinds {
		if k < PartitionFault || k > CrashFault {
			return fmt.Errorf("simnet: Faults: no fault kind %v", k)
		}
	}
	return nil
}

// faultPlan is the scheduler's state: its generator, the faults so far,
// what they hold, and which to leave out.
type faultPlan struct {
	rng     *rand.Rand
	start   time.Time // the network's first use
	draws   int       // faults drawn: the next one's index
	log     []Fault
	skip    map[int]bool
	busyNow map[*Host]bool // hosts under a fault now
}

// SkipFaults leaves out the scheduled faults of these indexes (still
// drawn, so that the others come as they would): for shrinking a failing
// run to the faults it needs. Call it before the run.
func (n *Network) SkipFaults(indexes ...int) {
	for _, i := range indexes {
		n.faults.skip[i] = true
	}
}

// ScheduledFaults are the faults the seed scheduled so far, in order.
func (n *Network) ScheduledFaults() []Fault { return slices.Clone(n.faults.log) }

// startFaults begins the schedule at the network's first use.
func (n *Network) startFaults() {
	n.faults.start = n.now()
	if n.cfg.Faults.Every > 0 {
		n.after(n.faultGap(), n.nextFault)
	}
}

// faultGap draws the time to the next fault.
func (n *Network) faultGap() time.Duration {
	every := n.cfg.Faults.Every
	return every/2 + time.Duration(n.faults.rng.Int64N(int64(every)+1))
}

// nextFault draws a fault, makes it (unless skipped), schedules its end,
// and schedules the next. Every draw takes the same numbers from the
// generator whatever the run's state, so that a draw's index names the
// same fault in every run of the seed: a draw whose hosts are down or
// under another fault at that moment makes none.
func (n *Network) nextFault() {
	p, cfg := &n.faults, &n.cfg.Faults
	at := n.now().Sub(p.start)
	if at > cfg.Until {
		return
	}
	index := p.draws
	p.draws++
	kind := cfg.Kinds[p.rng.IntN(len(cfg.Kinds))]
	length := cfg.MinLength + time.Duration(p.rng.Int64N(int64(cfg.MaxLength-cfg.MinLength)+1))
	hosts := n.faultHosts(kind)
	n.after(n.faultGap(), n.nextFault)
	if hosts == nil {
		return
	}
	for _, h := range hosts {
		if !h.up || p.busyNow[h] {
			return
		}
	}
	f := Fault{Index: index, At: at, Kind: kind, For: length, Skipped: p.skip[index]}
	for _, h := range hosts {
		f.Hosts = append(f.Hosts, h.name)
	}
	p.log = append(p.log, f)
	if f.Skipped {
		return
	}
	start, end := n.faultActions(kind, hosts)
	for _, h := range hosts {
		p.busyNow[h] = true
	}
	start()
	n.after(length, func() {
		end()
		for _, h := range hosts {
			delete(p.busyNow, h)
		}
	})
}

// faultHosts draws the hosts a fault of kind takes: two of the network's
// for a partition or a hold, one with a main function (not "main") for a
// crash; nil if the network has none such.
func (n *Network) faultHosts(kind FaultKind) []*Host {
	candidates := n.hosts
	if kind == CrashFault {
		candidates = nil
		for _, h := range n.hosts[1:] {
			if h.main != nil {
				candidates = append(candidates, h)
			}
		}
	}
	switch {
	case kind == CrashFault && len(candidates) > 0:
		return []*Host{candidates[n.faults.rng.IntN(len(candidates))]}
	case kind != CrashFault && len(candidates) >= 2:
		i := n.faults.rng.IntN(len(candidates))
		j := n.faults.rng.IntN(len(candidates) - 1)
		if j >= i {
			j++
		}
		return []*Host{candidates[i], candidates[j]}
	}
	return nil
}

// faultActions are what starts and what ends a fault of kind on hosts.
func (n *Network) faultActions(kind FaultKind, hosts []*Host) (start, end func()) {
	switch kind {
	case PartitionFault:
		return func() { n.Partition(hosts[0], hosts[1]) }, func() { n.Heal(hosts[0], hosts[1]) }
	case HoldFault:
		return func() { n.Hold(hosts[0], hosts[1]) }, func() { n.Release(hosts[0], hosts[1]) }
	}
	// Restart fails only if the host is up: the test restarted it first,
	// and there is nothing left to end.
	return hosts[0].Crash, func() { hosts[0].Restart() }
}
