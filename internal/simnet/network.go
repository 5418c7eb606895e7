// Package simnet is an in-memory network owned by one hub: hosts with
// addresses, TCP-like streams and UDP-like datagrams between them, with
// latency drawn from a seed and faults under the caller's control
// (partition, hold, reset, crash). Package cnet uses it in place of the
// kernel when a Network is in the context (see From); package sim is its
// public face. Everything runs on the hub's goroutine: the network's
// state is touched only there, and its only clock is the hub's.
package simnet

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/corio-go/corio"
)

// Config is how a Network behaves.
type Config struct {
	// Seed seeds the latency draws (package sim passes the run's seed).
	Seed uint64
	// MinLatency and MaxLatency bound the one-way latency between two
	// hosts, drawn per message (per datagram, per segment of a stream,
	// whose bytes still arrive in order). Messages within a host take
	// none.
	MinLatency, MaxLatency time.Duration
	// Buffer is how many bytes a stream holds in each direction, sent and
	// not yet read by the peer; a writer waits beyond it (backpressure).
	// Default 64 KiB.
	Buffer int
	// Backlog is how many connections a listener holds before Accept
	// takes them; connects beyond it are not answered and try again, as a
	// kernel's. Default 128.
	Backlog int
	// ConnectTimeout is how long a connect goes unanswered before it fails
	// with ETIMEDOUT (Linux's default: about 127 s).
	ConnectTimeout time.Duration
	// DatagramQueue bounds the datagrams a packet socket holds unread;
	// more are dropped. Default 256.
	DatagramQueue int
	// Faults has the seed schedule faults (none unless Faults.Every is
	// set): see Faults.
	Faults Faults
}

func (c *Config) setDefaults() {
	if c.Buffer <= 0 {
		c.Buffer = 64 << 10
	}
	if c.Backlog <= 0 {
		c.Backlog = 128
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 127 * time.Second
	}
	if c.DatagramQueue <= 0 {
		c.DatagramQueue = 256
	}
	c.MaxLatency = max(c.MaxLatency, c.MinLatency)
	c.Faults.setDefaults()
}

// A Network is the hosts and the links between them.
type Network struct {
	cfg    Config
	rng    *rand.Rand
	ctx    context.Context // a context of the hub: for its clock and timers
	hosts  []*Host
	byName map[string]*Host
	byAddr map[netip.Addr]*Host
	links  map[[2]*Host]*link
	// pipes are the streams' directions that carry something, in the
	// order made: a fault re-times what they carry.
	pipes  []*pipe
	nextID uint64
	faults faultPlan // the faults the seed schedules
}

// New makes a network with cfg and one host, "main" (10.0.0.1), on which
// tasks run unless started on another.
func New(cfg Config) *Network {
	cfg.setDefaults()
	n := &Network{
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x73696d6e6574)),
		byName: make(map[string]*Host),
		byAddr: make(map[netip.Addr]*Host),
		links:  make(map[[2]*Host]*link),
		faults: faultPlan{
			rng:     rand.New(rand.NewPCG(cfg.Seed, 0x6661756c7473)), // "faults": a stream of its own
			skip:    make(map[int]bool),
			busyNow: make(map[*Host]bool),
		},
	}
	n.AddHost("main")
	return n
}

// Config is the network's configuration, defaults filled in.
func (n *Network) Config() Config { return n.cfg }

// Bind ties the network to the hub of ctx, once: its timers are that
// hub's, and the faults the seed schedules start then. It fails if the
// network is bound to another hub already (a Network serves one Run), or
// if its Faults cannot be meant.
func (n *Network) Bind(ctx context.Context) error {
	hb := corio.HubOf(ctx)
	if hb == nil {
		return corio.ErrNoTask
	}
	if n.ctx != nil {
		if corio.HubOf(n.ctx) != hb {
			return fmt.Errorf("simnet: the network is another run's: make one per Run")
		}
		return nil
	}
	if err := n.cfg.Faults.check(); err != nil {
		return err
	}
	n.ctx = ctx
	n.startFaults()
	return nil
}

// now is the hub's clock, in nanoseconds since its start.
func (n *Network) now() time.Time { return corio.Now(n.ctx) }

// after calls fn on the hub after d.
func (n *Network) after(d time.Duration, fn func()) *corio.Timer {
	return corio.AfterFunc(n.ctx, d, fn)
}

// latency draws the one-way latency from a to b.
func (n *Network) latency(a, b *Host) time.Duration {
	if a == b {
		return 0
	}
	lo, hi := n.cfg.MinLatency, n.cfg.MaxLatency
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(n.rng.Int64N(int64(hi-lo)+1))
}

// Rand is the network's generator, for faults the seed schedules.
func (n *Network) Rand() *rand.Rand { return n.rng }

// key is the context key of a Network.
type key struct{}

// Key is the key under which a Network is in a run's context: package sim
// gives it to corio.WithValue.
var Key any = key{}

// From returns the network of ctx, or nil.
func From(ctx context.Context) *Network {
	n, _ := ctx.Value(Key).(*Network)
	return n
}
