package simnet

import (
	"fmt"
	"slices"
	"time"

	"github.com/corio-go/corio"
)

// A link is the state of the path between two hosts, both ways: what the
// caller's faults have done to it.
type link struct {
	partitioned bool     // datagrams lost, stream segments wait for Heal
	held        bool     // everything waits for Release
	datagrams   []func() // held datagrams' deliveries, in the order sent
}

// linkOf is the link between a and b (in either order).
func (n *Network) linkOf(a, b *Host) *link {
	key := orderedPair(a, b)
	l := n.links[key]
	if l == nil {
		l = &link{}
		n.links[key] = l
	}
	return l
}

// open reports whether a message from a to b goes now.
func (n *Network) open(a, b *Host) bool {
	if a == b {
		return true
	}
	l := n.links[orderedPair(a, b)]
	return l == nil || (!l.partitioned && !l.held)
}

// orderedPair is the key of the link between a and b, the same both ways.
func orderedPair(a, b *Host) [2]*Host {
	if a.addr.Compare(b.addr) > 0 {
		a, b = b, a
	}
	return [2]*Host{a, b}
}

// Partition cuts a from b: datagrams between them are lost and stream
// segments (connects included) wait, as TCP retransmits them, until Heal;
// what was on its way is caught too.
func (n *Network) Partition(a, b *Host) error {
	return n.changeLink(a, b, func(l *link) { l.partitioned = true })
}

// Heal ends a partition of a from b: what waited goes, with new latency.
func (n *Network) Heal(a, b *Host) error {
	return n.changeLink(a, b, func(l *link) { l.partitioned = false })
}

// Hold stops everything between a and b, datagrams included, until
// Release, which delivers it all.
func (n *Network) Hold(a, b *Host) error {
	return n.changeLink(a, b, func(l *link) { l.held = true })
}

// Release ends a Hold: what waited goes, in the order sent, with new
// latency.
func (n *Network) Release(a, b *Host) error {
	return n.changeLink(a, b, func(l *link) { l.held = false })
}

// changeLink applies a fault's change to the link between a and b, then
// takes what is on its way off the wire if the link is now closed, or
// sends what waited if it is open.
func (n *Network) changeLink(a, b *Host, change func(*link)) error {
	if err := n.pair(a, b); err != nil {
		return err
	}
	change(n.linkOf(a, b))
	if n.open(a, b) {
		n.resume(a, b)
	} else {
		n.stopPipes(a, b)
	}
	return nil
}

func (n *Network) pair(a, b *Host) error {
	switch {
	case a == nil || b == nil:
		return fmt.Errorf("simnet: a fault between %v and %v: a host is missing", a, b)
	case a.n != n || b.n != n:
		return fmt.Errorf("simnet: a fault between %v and %v: a host of another network", a, b)
	case a == b:
		return fmt.Errorf("simnet: a fault between %v and itself", a)
	}
	return nil
}

// between reports whether p runs between a and b, either way.
func (p *pipe) between(a, b *Host) bool {
	return (p.src == a && p.dst == b) || (p.src == b && p.dst == a)
}

// stopPipes takes what the pipes between a and b carry off the wire.
func (n *Network) stopPipes(a, b *Host) {
	n.prunePipes()
	for _, p := range n.pipes {
		if p.between(a, b) {
			p.stop()
		}
	}
}

// resume sends again what waited between a and b, the link being open.
func (n *Network) resume(a, b *Host) {
	for _, p := range n.pipes {
		if p.between(a, b) {
			p.retime()
		}
	}
	l := n.linkOf(a, b)
	held := l.datagrams
	l.datagrams = nil
	for _, deliver := range held {
		deliver()
	}
}

// segKind is what a stream segment carries.
type segKind uint8

const (
	segData segKind = iota
	segFIN
	segRST
	segSYN
	segSYNACK
)

// A segment is a message of a stream, one way.
type segment struct {
	kind segKind
	data []byte
	at   time.Time // when it arrives; zero while it waits off the wire
}

// A pipe is one direction of a stream: the segments on their way, in
// order. Each arrives at its time, never before the one ahead of it.
type pipe struct {
	n        *Network
	src, dst *Host
	from     *Stream // the sending end: it says where segments go
	segs     []segment
	last     time.Time // arrival of the last segment on the wire
	timer    *corio.Timer
	done     bool // its stream has ended and it carries nothing more
}

func (n *Network) newPipe(from *Stream, dst *Host) *pipe {
	p := &pipe{n: n, src: from.host, dst: dst, from: from}
	if len(n.pipes) >= 64 && len(n.pipes)&(len(n.pipes)-1) == 0 {
		n.prunePipes() // at each doubling: amortised, they stay at most twice those live
	}
	n.pipes = append(n.pipes, p)
	return p
}

// prunePipes forgets the pipes that carry nothing more.
func (n *Network) prunePipes() {
	n.pipes = slices.DeleteFunc(n.pipes, func(p *pipe) bool { return p.done })
}

// send puts seg on its way.
func (p *pipe) send(seg segment) {
	p.segs = append(p.segs, seg)
	p.retime()
}

// retime gives the segments that wait their arrival times, if the link
// is open, and arms the timer for the first.
func (p *pipe) retime() {
	if !p.n.open(p.src, p.dst) {
		return
	}
	now := p.n.now()
	for i := range p.segs {
		if p.segs[i].at.IsZero() {
			at := now.Add(p.n.latency(p.src, p.dst))
			if at.Before(p.last) {
				at = p.last
			}
			p.segs[i].at, p.last = at, at
		}
	}
	p.arm()
}

// stop takes the segments not yet arrived off the wire.
func (p *pipe) stop() {
	for i := range p.segs {
		p.segs[i].at = time.Time{}
	}
	p.last = time.Time{}
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

// arm sets the timer for the first segment's arrival.
func (p *pipe) arm() {
	if p.timer != nil || len(p.segs) == 0 || p.segs[0].at.IsZero() {
		return
	}
	p.timer = p.n.after(p.segs[0].at.Sub(p.n.now()), p.arrive)
}

// arrive delivers the segments due, in order.
func (p *pipe) arrive() {
	p.timer = nil
	now := p.n.now()
	for len(p.segs) > 0 && !p.segs[0].at.IsZero() && !p.segs[0].at.After(now) {
		seg := p.segs[0]
		p.segs[0] = segment{}
		p.segs = p.segs[1:]
		p.from.deliver(seg)
	}
	if len(p.segs) == 0 {
		p.segs = nil
		p.done = p.from.closed
	}
	p.arm()
}
