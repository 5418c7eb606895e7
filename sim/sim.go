package sim

import (
	"context"
	"net"
	"net/netip"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// A Network is a simulated network: hosts with names and addresses,
// streams and datagrams between them with latency drawn from the seed,
// and the faults the test makes (Partition and Heal, Hold and Release,
// Host.Crash and Host.Restart, Reset). Make one per run with NewNetwork
// and give it to corio.Run with Option.
type Network = simnet.Network

// A Host is a machine of a Network. Tasks run on the host they were
// spawned on (Host.Spawn), or on the network's first host, "main"
// (10.0.0.1); their sockets are that host's. Its name resolves to its
// address; "localhost" to the host the task runs on.
type Host = simnet.Host

// Config is how a Network behaves: latency bounds, stream buffers,
// backlog, connect timeout, datagram queue, and the faults the seed
// schedules.
type Config = simnet.Config

// Faults has the seed schedule faults: partitions, holds and crashes at
// times, on hosts and for lengths the seed draws (see simnet's Faults
// doc, repeated at Config.Faults).
type Faults = simnet.Faults

// A Fault is one the seed scheduled; Result.Faults lists a run's.
type Fault = simnet.Fault

// A FaultKind is what a scheduled fault does.
type FaultKind = simnet.FaultKind

// The kinds of fault the seed schedules.
const (
	PartitionFault = simnet.PartitionFault // Partition two hosts, then Heal
	HoldFault      = simnet.HoldFault      // Hold what goes between two hosts, then Release
	CrashFault     = simnet.CrashFault     // Crash a host with a main function, then Restart it
)

// NewNetwork makes a network with one host, "main". Its latency draws
// come from cfg.Seed; Option sets it to the run's seed.
func NewNetwork(cfg Config) *Network { return simnet.New(cfg) }

// Option runs a hub on n, seeded with seed: corio.Seed(seed), and n in
// every task's context, where package cnet finds it (so chttp and crawl,
// built on cnet, run on it too). n must be new: a network serves one run.
func Option(seed uint64, n *Network) corio.Option {
	return corio.Options(corio.Seed(seed), OnNetwork(n))
}

// OnNetwork puts n in every task's context without a seed: the run is on
// the virtual clock and in corio's FIFO order (with corio.Seed or
// corio.SeedWith beside it, in a seeded order).
func OnNetwork(n *Network) corio.Option {
	return corio.Options(corio.VirtualClock(), corio.WithValue(simnet.Key, n))
}

// NetworkOf is the network of ctx, or nil outside a simulated run.
func NetworkOf(ctx context.Context) *Network { return simnet.From(ctx) }

// Reset resets conn, a connection on the simulated network, as a
// middlebox would: both ends fail with ECONNRESET (the peer once the reset
// reaches it). It reports whether conn was found open.
func Reset(ctx context.Context, conn net.Conn) bool {
	n := simnet.From(ctx)
	if n == nil {
		return false
	}
	local, err1 := netip.ParseAddrPort(conn.LocalAddr().String())
	remote, err2 := netip.ParseAddrPort(conn.RemoteAddr().String())
	if err1 != nil || err2 != nil {
		return false
	}
	return n.Reset(local, remote)
}
