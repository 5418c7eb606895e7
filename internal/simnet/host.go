package simnet

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/corio-go/corio"
)

// A Host is a machine of the network: a name, an address, its sockets, and
// the tasks that run on it (which a crash kills).
type Host struct {
	n    *Network
	name string
	addr netip.Addr
	up   bool
	// ctx is the context of the tasks on the host: a crash cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	main   func(ctx context.Context) error

	listeners map[uint16]*Listener
	packets   map[uint16]*Packet
	streams   []*Stream // open, in the order made
	nextPort  uint16
}

// AddHost adds a host named name, with the next address (10.0.0.1,
// 10.0.0.2, ...). It fails if the name is taken.
func (n *Network) AddHost(name string) (*Host, error) {
	if _, ok := n.byName[name]; ok {
		return nil, fmt.Errorf("simnet: a host named %q exists already", name)
	}
	if name == "" || name == "localhost" {
		return nil, fmt.Errorf("simnet: %q cannot name a host", name)
	}
	i := len(n.hosts) + 1
	addr := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	h := &Host{n: n, name: name, addr: addr, up: true, nextPort: 49152,
		listeners: make(map[uint16]*Listener), packets: make(map[uint16]*Packet)}
	n.hosts = append(n.hosts, h)
	n.byName[name] = h
	n.byAddr[addr] = h
	return h, nil
}

// Host is the host named name, or nil.
func (n *Network) Host(name string) *Host { return n.byName[name] }

// Hosts are the hosts, in the order added.
func (n *Network) Hosts() []*Host { return slices.Clone(n.hosts) }

// Name is the host's name.
func (h *Host) Name() string { return h.name }

// Addr is the host's address.
func (h *Host) Addr() netip.Addr { return h.addr }

// Up reports whether the host runs (it has not crashed, or has
// restarted).
func (h *Host) Up() bool { return h.up }

func (h *Host) String() string { return h.name + " (" + h.addr.String() + ")" }

// hostKey is the context key of the host a task runs on.
type hostKey struct{}

// HostOf is the host a task of ctx runs on: the one it (or the task that
// spawned it) was started on with Host.Spawn, or the network's first.
func (n *Network) HostOf(ctx context.Context) *Host {
	if h, ok := ctx.Value(hostKey{}).(*Host); ok && h.n == n {
		return h
	}
	return n.hosts[0]
}

// context is the context of tasks on h: made when first needed, under the
// network's, and made anew when the host restarts.
func (h *Host) context() context.Context {
	if h.ctx == nil {
		ctx, cancel := corio.WithCancel(h.n.ctx)
		h.ctx, h.cancel = context.WithValue(ctx, hostKey{}, h), cancel
	}
	return h.ctx
}

// Spawn starts fn as a task on h: its sockets are h's, and a crash of h
// kills it (and the tasks it spawns). ctx is a context of the run (any
// task's): the task's context descends from the network's, not from ctx.
// It fails if h is down.
func (h *Host) Spawn(ctx context.Context, fn func(ctx context.Context) error, opts ...corio.SpawnOption) (*corio.Task[struct{}], error) {
	if err := h.n.Bind(ctx); err != nil {
		return nil, err
	}
	return h.spawn(fn, opts...)
}

func (h *Host) spawn(fn func(ctx context.Context) error, opts ...corio.SpawnOption) (*corio.Task[struct{}], error) {
	if !h.up {
		return nil, fmt.Errorf("simnet: host %s is down", h)
	}
	return corio.Spawn(h.context(), fn, opts...), nil
}

// SetMain sets what h runs when it restarts (and, if it is up, starts it
// now, as Spawn does): a server's main function, say.
func (h *Host) SetMain(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := h.n.Bind(ctx); err != nil {
		return err
	}
	h.main = fn
	if h.up && fn != nil {
		_, err := h.spawn(fn, corio.Name(h.name+" main"))
		return err
	}
	return nil
}

// Crash takes h down at once: its tasks are killed, its connections
// reset (their peers read ECONNRESET once the reset reaches them), its
// listeners and packet sockets gone. Until Restart, nothing reaches it:
// connects to it go unanswered, datagrams are lost.
func (h *Host) Crash() {
	if !h.up {
		return
	}
	h.up = false
	if h.cancel != nil {
		h.cancel()
		h.ctx, h.cancel = nil, nil
	}
	for _, s := range slices.Clone(h.streams) {
		s.crash()
	}
	for _, l := range sortedValues(h.listeners) {
		l.gone()
	}
	for _, p := range sortedValues(h.packets) {
		p.gone()
	}
}

// Restart brings h back up, with no sockets, and starts its main function
// (SetMain) if it has one.
func (h *Host) Restart() error {
	if h.up {
		return fmt.Errorf("simnet: host %s is up: crash it first", h)
	}
	h.up = true
	if h.main != nil {
		_, err := h.spawn(h.main, corio.Name(h.name+" main"))
		return err
	}
	return nil
}

// ephemeralPort picks a free port for a socket that gives none.
func (h *Host) ephemeralPort(taken func(uint16) bool) (uint16, error) {
	for range 65536 - 49152 {
		p := h.nextPort
		h.nextPort++
		if h.nextPort == 0 {
			h.nextPort = 49152
		}
		if !taken(p) {
			return p, nil
		}
	}
	return 0, errAddrInUse
}

func (h *Host) streamPortTaken(p uint16) bool {
	if _, ok := h.listeners[p]; ok {
		return true
	}
	for _, s := range h.streams {
		if s.local.Port() == p {
			return true
		}
	}
	return false
}

func (h *Host) removeStream(s *Stream) {
	if i := slices.Index(h.streams, s); i >= 0 {
		h.streams = slices.Delete(h.streams, i, i+1)
	}
}

// sortedValues is m's values by key: a map's own order is random, which
// a seeded run must not depend on.
func sortedValues[V any](m map[uint16]V) []V {
	keys := make([]uint16, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vs := make([]V, len(keys))
	for i, k := range keys {
		vs[i] = m[k]
	}
	return vs
}
