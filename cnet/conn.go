package cnet

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// A Conn is a cooperative stream connection (TCP or Unix): a net.Conn
// whose Read and Write make the calling task wait instead of blocking the
// hub. Make one with Dial, or get one from a Listener.
type Conn struct {
	fd    *corio.FD
	laddr net.Addr
	// The peer's address: a TCP peer's kept compact in peer, whose
	// net.Addr RemoteAddr makes when asked (a server holds a Conn for
	// every connection, and few ever ask); any other in raddr.
	peer  netip.AddrPort
	raddr net.Addr
	// With an idle timeout (SetIdleTimeout), each wait for data is bounded
	// by it as well as by the read deadline the owner set, which is kept
	// here (hub clock, through corio.FD's conversion: a time.Time's
	// UnixNano; 0 for none). Both may be set from any goroutine.
	idle         atomic.Int64 // nanoseconds; 0: none
	readDeadline atomic.Int64
	network      netKind // a small number, not a string: every connection holds one
}

// netKind is a Conn's network, by number.
type netKind uint8

var netKinds = [...]string{"tcp", "tcp4", "tcp6", "unix"}

func kindOf(network string) netKind {
	for i, n := range netKinds {
		if n == network {
			return netKind(i)
		}
	}
	panic("cnet: a Conn of network " + network) // the callers checked it
}

func (k netKind) String() string { return netKinds[k] }

var _ net.Conn = (*Conn)(nil)

// newConn makes the Conn of a connected socket, asking the kernel for its
// addresses.
func newConn(fd *corio.FD, network string) *Conn {
	return connOf(fd, network, nil, nil)
}

// connOf makes the Conn of a connected socket whose local address and
// peer's, if not nil, are known already (an accepted connection's).
func connOf(fd *corio.FD, network string, local net.Addr, peer unix.Sockaddr) *Conn {
	c := &Conn{}
	c.init(fd, network, local, peer)
	return c
}

// init makes c, a zero Conn (inside a larger record, say), the Conn of a
// connected socket, as connOf does.
func (c *Conn) init(fd *corio.FD, network string, local net.Addr, peer unix.Sockaddr) {
	// Nothing has been read: until the poller reports data (it does at
	// once for data that came before registration), a read would fail
	// with EAGAIN.
	fd.SetReadDrained()
	c.fd, c.network, c.laddr = fd, kindOf(network), local
	if local == nil {
		if sa, err := unix.Getsockname(fd.Sysfd()); err == nil {
			c.laddr = netAddr(network, sa)
		}
	}
	if peer == nil {
		peer, _ = unix.Getpeername(fd.Sysfd())
	}
	if ap, ok := tcpPeer(network, peer); ok {
		c.peer = ap
	} else if peer != nil {
		c.raddr = netAddr(network, peer)
	}
}

// opError wraps err the way package net does, so that errors.Is(err,
// os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed) and the
// net.Error Timeout method work as callers expect.
func (c *Conn) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: c.network.String(), Source: c.laddr, Addr: c.RemoteAddr(), Err: err}
}

// taskContext, the nil context, tells readContext and writeContext to wait
// with the running task's own context, as corio.FD's WaitRead does: Read
// and Write take no context, and looking the task up would cost their hot
// path a call.
var taskContext context.Context

// Read reads up to len(b) bytes, waiting while none has arrived. It
// returns io.EOF once the peer has closed its side and everything sent
// has been read.
func (c *Conn) Read(b []byte) (int, error) { return c.readContext(taskContext, b) }

// ReadContext is Read that also ends, with ctx's error, when ctx does: a
// request's context bounds the reads made for it without a deadline to
// set and reset. ctx must be of the running task, as for every wait.
func (c *Conn) ReadContext(ctx context.Context, b []byte) (int, error) {
	if ctx == nil {
		panic("cnet: ReadContext with a nil context")
	}
	return c.readContext(ctx, b)
}

// readContext reads, waiting with ctx, or with the task's own context if
// ctx is nil.
func (c *Conn) readContext(ctx context.Context, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, c.opError("read", c.fd.ReadExpired())
	}
	if err := c.waitIfDrained(ctx); err != nil {
		return 0, err
	}
	for {
		if err := c.fd.ReadExpired(); err != nil {
			return 0, c.opError("read", err)
		}
		n, err := c.read(b)
		switch err {
		case nil:
			if n == 0 {
				return 0, io.EOF
			}
			if n < len(b) {
				c.fd.SetReadDrained() // a stream socket returns less only when it has no more
			}
			return n, nil
		case unix.EINTR:
		case unix.EAGAIN:
			c.boundIdleWait()
			if err := c.fd.WaitReadContext(ctx); err != nil {
				return 0, c.opError("read", err)
			}
		case net.ErrClosed:
			return 0, c.opError("read", err)
		default:
			return 0, c.opError("read", os.NewSyscallError("read", err))
		}
	}
}

// WaitReadable waits until a Read may find data, an EOF or an error,
// without reading: a handler that takes its read buffer only after it
// then holds no buffer while its connection is idle, which is most of the
// memory an idle connection would cost beyond its task. It returns at once
// when data may be there already, so a Read after it may still wait, but
// rarely. It fails as Read would on a closed connection or past the read
// deadline.
func (c *Conn) WaitReadable() error {
	if err := c.fd.ReadExpired(); err != nil {
		return c.opError("read", err)
	}
	// Not through waitIfDrained: an idle connection's task is parked here,
	// and one more frame under it pushes its stack past the runtime's
	// 2 KiB minimum, doubling it (cnet/stack_test.go guards this).
	if c.fd.ReadDrained() {
		c.boundIdleWait()
		if err := c.fd.WaitRead(); err != nil {
			return c.opError("read", err)
		}
	}
	return nil
}

// waitIfDrained waits for the poller's next report if the last read
// emptied the buffer and nothing has come since, rather than pay a read
// that would fail with EAGAIN.
func (c *Conn) waitIfDrained(ctx context.Context) error {
	if c.fd.ReadDrained() {
		c.boundIdleWait()
		if err := c.fd.WaitReadContext(ctx); err != nil {
			return c.opError("read", err)
		}
	}
	return nil
}

// Write writes all of b, waiting while the socket's buffer is full. On an
// error it returns how much was written before it.
func (c *Conn) Write(b []byte) (int, error) { return c.writeContext(taskContext, b) }

// WriteContext is Write that also ends, with ctx's error, when ctx does.
func (c *Conn) WriteContext(ctx context.Context, b []byte) (int, error) {
	if ctx == nil {
		panic("cnet: WriteContext with a nil context")
	}
	return c.writeContext(ctx, b)
}

// writeContext writes, waiting with ctx, or with the task's own context
// if ctx is nil.
func (c *Conn) writeContext(ctx context.Context, b []byte) (int, error) {
	written := 0
	for written < len(b) {
		if err := c.fd.WriteExpired(); err != nil {
			return written, c.opError("write", err)
		}
		n, err := c.write(b[written:])
		if n > 0 {
			written += n
		}
		switch err {
		case nil, unix.EINTR:
		case unix.EAGAIN:
			if err := c.fd.WaitWriteContext(ctx); err != nil {
				return written, c.opError("write", err)
			}
		case net.ErrClosed:
			return written, c.opError("write", err)
		default:
			return written, c.opError("write", os.NewSyscallError("write", err))
		}
	}
	return written, nil
}

// Quiet reports whether nothing waits to be read on the connection: no
// data, no end of stream, no error. A pool asks it before reusing an idle
// connection, on which anything readable means the peer closed it or
// broke the protocol. It costs no system call while the poller has
// reported nothing since the last read emptied the socket.
func (c *Conn) Quiet() bool {
	more, err := c.Pending()
	return !more && err == nil
}

// Pending reports whether data waits to be read (more), or else what a
// read would end with: io.EOF once the peer has closed its side, or an
// error; false, nil when nothing waits. It never waits, costs no system
// call while the poller has reported nothing since the last read emptied
// the socket, and a peek otherwise. It may be called from a ReadWatcher.
func (c *Conn) Pending() (more bool, err error) {
	if c.fd.ReadDrained() {
		return false, nil
	}
	if err := c.fd.Acquire(); err != nil {
		return false, c.opError("read", err)
	}
	defer c.fd.Release()
	for {
		more, err := sysPeek(c.fd)
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			c.fd.SetReadDrained() // the next edge reports what comes
			return false, nil
		case err != nil:
			return false, c.opError("read", os.NewSyscallError("recvfrom", err))
		case !more:
			return false, io.EOF
		default:
			return true, nil
		}
	}
}

// WatchRead has w told, once, when the connection may be read, while no
// task waits to read it: with the peer's close, say, while a request's
// handler runs (see corio.FD.WatchRead, whose rules apply).
func (c *Conn) WatchRead(w *corio.ReadWatch) (armed bool, err error) {
	armed, err = c.fd.WatchRead(w)
	return armed, c.opError("read", err)
}

// UnwatchRead disarms what WatchRead armed; see corio.FD.UnwatchRead.
func (c *Conn) UnwatchRead() bool { return c.fd.UnwatchRead() }

// Close closes the connection; a Read or Write waiting in a task fails
// with net.ErrClosed. It may be called from any goroutine.
func (c *Conn) Close() error { return c.opError("close", c.fd.Close()) }

// CloseRead shuts down the reading side: later reads return io.EOF.
func (c *Conn) CloseRead() error { return c.shutdown("close", unix.SHUT_RD) }

// CloseWrite shuts down the writing side: the peer reads io.EOF after
// what was written.
func (c *Conn) CloseWrite() error { return c.shutdown("close", unix.SHUT_WR) }

// read and write are the system calls, bracketed so that a Close from
// another goroutine waits for them (see corio.FD.Acquire).
func (c *Conn) read(b []byte) (int, error) {
	if err := c.fd.Acquire(); err != nil {
		return 0, err
	}
	defer c.fd.Release()
	return sysRead(c.fd, b)
}

func (c *Conn) write(b []byte) (int, error) {
	if err := c.fd.Acquire(); err != nil {
		return 0, err
	}
	defer c.fd.Release()
	return sysWrite(c.fd, b)
}

func (c *Conn) shutdown(op string, how int) error {
	if err := c.fd.Acquire(); err != nil {
		return c.opError(op, err)
	}
	defer c.fd.Release()
	if err := sysShutdown(c.fd, how); err != nil {
		return c.opError(op, os.NewSyscallError("shutdown", err))
	}
	return nil
}

// LocalAddr is the connection's own address.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr {
	if c.peer.IsValid() {
		return net.TCPAddrFromAddrPort(c.peer)
	}
	return c.raddr
}

// SetDeadline sets the read and write deadlines (see net.Conn). It may be
// called from any goroutine.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline, also for a Read waiting now.
func (c *Conn) SetReadDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	c.readDeadline.Store(ns)
	return c.opError("set", c.fd.SetReadDeadline(t))
}

// SetIdleTimeout bounds every wait for data (in Read and WaitReadable) to
// d from its start, as well as by the read deadline: a peer that sends
// nothing for d makes the wait fail with os.ErrDeadlineExceeded, as a
// deadline does. 0 removes the bound. StreamServer.IdleTimeout sets it on
// the connections it serves. It may be called from any goroutine.
func (c *Conn) SetIdleTimeout(d time.Duration) {
	c.idle.Store(int64(max(d, 0)))
	if d <= 0 {
		c.unboundIdleWait()
	}
}

// unboundIdleWait puts the read deadline back to the owner's alone, which
// boundIdleWait may have moved earlier.
func (c *Conn) unboundIdleWait() { c.fd.SetReadDeadline(c.ownReadDeadline()) }

// ownReadDeadline is the read deadline the owner set, or the zero time.
func (c *Conn) ownReadDeadline() time.Time {
	if ns := c.readDeadline.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// boundIdleWait, before a wait for data, applies the idle timeout if
// there is one. Its common case (none) inlines into the read paths.
func (c *Conn) boundIdleWait() {
	if idle := c.idle.Load(); idle != 0 {
		c.armIdle(time.Duration(idle))
	}
}

// armIdle, before a wait for data, makes the read deadline the earlier of
// the owner's and now plus the idle timeout. Outlined, and called before
// the wait rather than around it: a parked connection's stack must not
// grow (see internal/fixture/stackprobe).
func (c *Conn) armIdle(idle time.Duration) {
	dl := c.fd.Now().Add(idle)
	if own := c.ownReadDeadline(); !own.IsZero() && own.Before(dl) {
		dl = own
	}
	c.fd.SetReadDeadline(dl)
}

// Now is the time on the clock of the connection's hub (virtual on a
// hub with corio.VirtualClock), the clock its deadlines are read on.
func (c *Conn) Now() time.Time { return c.fd.Now() }

// SetWriteDeadline sets the write deadline, also for a Write waiting now.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.opError("set", c.fd.SetWriteDeadline(t))
}

// SetNoDelay turns Nagle's algorithm off (true, the default for TCP, as
// in package net) or on. It fails on a Unix socket.
func (c *Conn) SetNoDelay(noDelay bool) error {
	return c.setInt("set", unix.IPPROTO_TCP, unix.TCP_NODELAY, boolInt(noDelay))
}

// SetKeepAlive turns TCP keep-alive probes on or off.
func (c *Conn) SetKeepAlive(keepAlive bool) error {
	return c.setInt("set", unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolInt(keepAlive))
}

// SetReadBuffer sets the size of the kernel's receive buffer.
func (c *Conn) SetReadBuffer(bytes int) error {
	return c.setInt("set", unix.SOL_SOCKET, unix.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets the size of the kernel's send buffer.
func (c *Conn) SetWriteBuffer(bytes int) error {
	return c.setInt("set", unix.SOL_SOCKET, unix.SO_SNDBUF, bytes)
}

// SetLinger sets what Close does with data not yet sent (see
// net.TCPConn.SetLinger): sec < 0 sends it in the background (the
// default), 0 discards it and resets the connection, sec > 0 waits up to
// sec seconds for it... in the kernel, since the socket is non-blocking.
func (c *Conn) SetLinger(sec int) error {
	if err := c.fd.Acquire(); err != nil {
		return c.opError("set", err)
	}
	defer c.fd.Release()
	l := unix.Linger{}
	if sec >= 0 {
		l.Onoff, l.Linger = 1, int32(sec)
	}
	if err := sysLinger(c.fd, &l); err != nil {
		return c.opError("set", os.NewSyscallError("setsockopt", err))
	}
	return nil
}

func (c *Conn) setInt(op string, level, opt, v int) error {
	if err := c.fd.Acquire(); err != nil {
		return c.opError(op, err)
	}
	defer c.fd.Release()
	if err := sysSetInt(c.fd, level, opt, v); err != nil {
		return c.opError(op, os.NewSyscallError("setsockopt", err))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
