package simnet

import (
	"context"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// A Stream is one end of a TCP-like connection: ordered bytes, a bounded
// buffer each way (a writer waits while the peer has not read), FIN and
// RST, as a kernel's socket. Its methods answer as the system calls do,
// with unix errnos (EAGAIN when the caller should wait on the FD), so
// that package cnet's code runs unchanged above it.
type Stream struct {
	n      *Network
	id     uint64
	host   *Host
	fd     *corio.FD
	local  netip.AddrPort
	remote netip.AddrPort
	out    *pipe   // toward the peer
	peer   *Stream // the other end, once the connect reached a listener
	dst    *Host   // the peer's host

	in      []byte // arrived, unread
	unacked int    // written and not yet read by the peer

	connected  bool
	connectErr error // ECONNREFUSED, ETIMEDOUT: the connect failed
	synTimer   *corio.Timer
	synTries   int

	wrShut, rdShut bool // shut down (CloseWrite, CloseRead)
	finIn          bool // the peer's FIN arrived: reads end after in
	resetIn        bool // a reset arrived: the next call fails with ECONNRESET
	resetSeen      bool // ... and it has
	closed         bool // closed here (or its host crashed)
	linger0        bool // SetLinger(0): Close resets
}

func (n *Network) newStream(ctx context.Context, h *Host, local netip.AddrPort) (*Stream, error) {
	n.nextID++
	s := &Stream{n: n, id: n.nextID, host: h, local: local}
	fd, err := corio.NewVirtualFD(ctx, s)
	if err != nil {
		return nil, err
	}
	s.fd = fd
	h.streams = append(h.streams, s)
	return s, nil
}

// FD is the stream's descriptor.
func (s *Stream) FD() *corio.FD { return s.fd }

// LocalAddr and RemoteAddr are the two ends' addresses.
func (s *Stream) LocalAddr() netip.AddrPort  { return s.local }
func (s *Stream) RemoteAddr() netip.AddrPort { return s.remote }

// Dial connects from the host of ctx's task to ap, waiting (bounded by
// ctx) until the connection is made or refused, or no answer came for the
// network's ConnectTimeout. Errors are the kernel's: ECONNREFUSED,
// ETIMEDOUT, or ctx's.
func (n *Network) Dial(ctx context.Context, ap netip.AddrPort) (*Stream, error) {
	if err := n.Bind(ctx); err != nil {
		return nil, err
	}
	h := n.HostOf(ctx)
	if !h.up {
		return nil, unix.ENETUNREACH
	}
	dst := n.hostAt(h, ap.Addr())
	port, err := h.ephemeralPort(h.streamPortTaken)
	if err != nil {
		return nil, err
	}
	s, err := n.newStream(ctx, h, netip.AddrPortFrom(h.addr, port))
	if err != nil {
		return nil, err
	}
	s.remote = ap
	if dst != nil {
		s.dst = dst
		s.out = n.newPipe(s, dst)
		s.sendSYN()
	}
	deadline := n.after(n.cfg.ConnectTimeout, func() { s.connectFailed(unix.ETIMEDOUT) })
	defer deadline.Stop()
	for !s.connected && s.connectErr == nil {
		if err := s.fd.WaitWriteContext(ctx); err != nil {
			s.fd.Close()
			return nil, err
		}
	}
	if s.connectErr != nil {
		err := s.connectErr
		s.fd.Close()
		return nil, err
	}
	return s, nil
}

// hostAt is the host that has addr, seen from h: h itself for a loopback
// or unspecified address; nil if none has it.
func (n *Network) hostAt(h *Host, addr netip.Addr) *Host {
	addr = addr.Unmap()
	if addr.IsLoopback() || addr.IsUnspecified() || addr == h.addr {
		return h
	}
	return n.byAddr[addr]
}

// sendSYN sends the connect, and tries again as a kernel does while no
// answer comes (after 1 s, 2 s, 4 s, ...).
func (s *Stream) sendSYN() {
	s.out.send(segment{kind: segSYN})
	wait := time.Second << min(s.synTries, 6)
	s.synTries++
	s.synTimer = s.n.after(wait, func() {
		if !s.connected && s.connectErr == nil && s.peer == nil && !s.closed {
			s.sendSYN()
		}
	})
}

// connectFailed ends a connect in progress with err.
func (s *Stream) connectFailed(err error) {
	if s.connected || s.connectErr != nil || s.closed {
		return
	}
	s.connectErr = err
	s.fd.Ready(false, true, false)
}

// deliver acts on a segment s sent, now arrived at the other end.
func (s *Stream) deliver(seg segment) {
	if !s.dst.up {
		return // lost: the host is down (a connect tries again)
	}
	if seg.kind == segSYN {
		s.n.arriveSYN(s)
		return
	}
	if seg.kind == segSYNACK {
		// A reply to a connect (s is the server's end): s.peer is the
		// client, on whose host it arrives.
		s.peer.arriveSYNACK()
		return
	}
	if s.peer != nil {
		s.peer.arrive(seg)
	}
}

// arriveSYN is a connect from c reaching its destination.
func (n *Network) arriveSYN(c *Stream) {
	if c.peer != nil || c.closed {
		return // a retry of a connect already answered
	}
	l := c.dst.listeners[c.remote.Port()]
	if l == nil || l.closed {
		n.reply(c.dst, c.host, func() { c.connectFailed(unix.ECONNREFUSED) })
		return
	}
	if len(l.backlog) >= n.cfg.Backlog {
		return // dropped: the client tries again
	}
	srv, err := n.newStream(n.ctx, c.dst, netip.AddrPortFrom(c.dst.addr, c.remote.Port()))
	if err != nil {
		n.reply(c.dst, c.host, func() { c.connectFailed(unix.ECONNREFUSED) })
		return
	}
	srv.remote, srv.peer, srv.dst, srv.connected = c.local, c, c.host, true
	srv.out = n.newPipe(srv, c.host)
	c.peer = srv
	l.backlog = append(l.backlog, srv)
	l.fd.Ready(true, false, false)
	srv.out.send(segment{kind: segSYNACK})
}

// reply sends a one-off answer from a to b (a refusal), with latency.
func (n *Network) reply(a, b *Host, fn func()) {
	if !n.open(a, b) {
		return
	}
	n.after(n.latency(a, b), func() {
		if b.up {
			fn()
		}
	})
}

// arriveSYNACK completes s's connect.
func (s *Stream) arriveSYNACK() {
	if s.closed || s.connectErr != nil {
		return
	}
	s.connected = true
	if s.synTimer != nil {
		s.synTimer.Stop()
	}
	s.fd.Ready(false, true, false)
}

// arrive acts on a segment from the peer.
func (s *Stream) arrive(seg segment) {
	if s.closed {
		if seg.kind != segRST && s.out != nil {
			s.out.send(segment{kind: segRST}) // nobody is here: reset
		}
		return
	}
	switch seg.kind {
	case segData:
		if s.rdShut {
			return
		}
		s.in = append(s.in, seg.data...)
		s.fd.Ready(true, false, false)
	case segFIN:
		s.finIn = true
		s.fd.Ready(true, false, true)
	case segRST:
		s.resetIn = true
		s.in = nil
		s.fd.Ready(true, true, true)
	}
}

// Read reads what has arrived: EAGAIN when nothing has and the stream is
// open, 0 at its end, ECONNRESET once after a reset.
func (s *Stream) Read(b []byte) (int, error) {
	if len(s.in) > 0 {
		n := copy(b, s.in)
		s.in = s.in[n:]
		if len(s.in) == 0 {
			s.in = nil
		}
		if s.peer != nil {
			s.peer.acked(n)
		}
		return n, nil
	}
	switch {
	case s.resetIn && !s.resetSeen:
		s.resetSeen = true
		return 0, unix.ECONNRESET
	case s.resetIn || s.finIn || s.rdShut:
		return 0, nil
	case !s.connected:
		return 0, unix.ENOTCONN
	}
	return 0, unix.EAGAIN
}

// Peek is Read that leaves the data: whether some waits, or what a read
// would end with.
func (s *Stream) Peek() (more bool, err error) {
	switch {
	case len(s.in) > 0:
		return true, nil
	case s.resetIn && !s.resetSeen:
		return false, unix.ECONNRESET
	case s.resetIn || s.finIn || s.rdShut:
		return false, nil
	}
	return false, unix.EAGAIN
}

// acked frees what the peer has read of s's writes.
func (s *Stream) acked(n int) {
	full := s.unacked >= s.n.cfg.Buffer
	s.unacked -= n
	if full && s.unacked < s.n.cfg.Buffer && !s.closed {
		s.fd.Ready(false, true, false)
	}
}

// Write sends as much of b as the buffer takes: EAGAIN when it takes
// nothing, EPIPE after CloseWrite, ECONNRESET once after a reset (EPIPE
// after that).
func (s *Stream) Write(b []byte) (int, error) {
	switch {
	case s.resetIn && !s.resetSeen:
		s.resetSeen = true
		return 0, unix.ECONNRESET
	case s.resetIn || s.wrShut:
		return 0, unix.EPIPE
	case !s.connected:
		return 0, unix.ENOTCONN
	}
	room := s.n.cfg.Buffer - s.unacked
	if room <= 0 {
		return 0, unix.EAGAIN
	}
	n := min(room, len(b))
	s.unacked += n
	s.out.send(segment{kind: segData, data: append([]byte(nil), b[:n]...)})
	return n, nil
}

// Shutdown shuts a side down (unix.SHUT_RD, SHUT_WR or SHUT_RDWR).
func (s *Stream) Shutdown(how int) error {
	if !s.connected {
		return unix.ENOTCONN
	}
	if how == unix.SHUT_RD || how == unix.SHUT_RDWR {
		s.rdShut = true
		s.in = nil
		s.fd.Ready(true, false, true)
	}
	if (how == unix.SHUT_WR || how == unix.SHUT_RDWR) && !s.wrShut {
		s.wrShut = true
		if !s.resetIn {
			s.out.send(segment{kind: segFIN})
		}
	}
	return nil
}

// SetLinger0 makes Close reset the connection (SO_LINGER 0), or not.
func (s *Stream) SetLinger0(on bool) { s.linger0 = on }

// Close closes the stream (its FD's Close calls it): a FIN after what was
// written, or a reset if data arrived that was never read (as Linux does)
// or with SetLinger0.
func (s *Stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.host.removeStream(s)
	if s.synTimer != nil {
		s.synTimer.Stop()
	}
	switch {
	case s.out == nil || s.resetIn:
	case !s.connected:
		if s.peer != nil {
			s.out.send(segment{kind: segRST})
		}
	case s.linger0 || len(s.in) > 0:
		s.in = nil
		s.out.send(segment{kind: segRST})
	case !s.wrShut:
		s.wrShut = true
		s.out.send(segment{kind: segFIN})
	}
	s.retire()
	return nil
}

// crash ends s with its host: the peer is reset.
func (s *Stream) crash() {
	if s.closed {
		return
	}
	s.closed = true
	s.host.removeStream(s)
	if s.out != nil && s.peer != nil && !s.resetIn {
		s.out.send(segment{kind: segRST})
	}
	s.resetIn, s.resetSeen = true, true
	s.fd.Ready(true, true, true)
	s.retire()
}

// retire marks s's pipe done once it has carried what it has.
func (s *Stream) retire() {
	if s.out != nil && len(s.out.segs) == 0 {
		s.out.done = true
	}
}

// Reset resets the connection whose end on a host has address local and
// whose peer is remote, as a middlebox would: both ends read ECONNRESET
// (the far one once the reset reaches it). It reports whether it found
// the connection.
func (n *Network) Reset(local, remote netip.AddrPort) bool {
	for _, h := range n.hosts {
		for _, s := range h.streams {
			if s.local == local && s.remote == remote && !s.closed {
				if s.out != nil && s.peer != nil && !s.resetIn {
					s.out.send(segment{kind: segRST})
				}
				s.arrive(segment{kind: segRST})
				return true
			}
		}
	}
	return false
}
