// Package cnet gives the hub cooperative sockets: TCP, UDP and Unix
// sockets that implement net.Conn, net.Listener and net.PacketConn, whose
// reads, writes, accepts and connects make the calling task wait instead
// of blocking the hub's goroutine. Code written against those interfaces
// (bufio, crypto/tls, net/http's ReadRequest and ReadResponse) becomes
// cooperative unchanged: this is what gevent's monkey-patching does for
// Python, done with interfaces.
//
// # The model
//
// Every socket is non-blocking and registered with its hub's poller
// (corio.FD). A read or write first makes the system call; only when the
// kernel says EAGAIN does the task wait, for the poller's next report that
// the socket is ready. One exception saves a system call per message: a
// stream read that returned less than asked has emptied the kernel's
// buffer, so the next read waits for the poller's report first instead of
// paying a read that would fail with EAGAIN (the poller is edge-triggered
// and reports new data, or the peer's close, exactly once).
//
// Deadlines are hub timers: a read or write past its
// deadline fails with an error wrapping os.ErrDeadlineExceeded (and whose
// Timeout method reports true), as with package net. A Conn's ReadContext
// and WriteContext end with a context instead (a request's, say), with no
// deadline to set and reset; Quiet tells a pool whether an idle
// connection has anything waiting on it (data, or the peer's close).
//
// # Serving: a task per connection, or bursts
//
// StreamServer serves each connection either with a Handler in a task of
// its own for the connection's whole life (gevent's StreamServer, the
// seed's shape), or burst by burst (Bursts): between bursts of data the
// connection is held by a watch on its descriptor (corio.FD.WatchRead)
// and costs no task, goroutine or buffer; when data comes, one of the
// hub's workers runs the BurstHandler's Burst for it, in the usual
// blocking style, and gives the connection back to waiting when it
// returns. State kept from one burst to the next lives in the handler.
// The memory such a server holds is bounded by the bursts running, not by
// the connections (BENCHMARKS.md: idle memory per connection).
//
// # Who may call what
//
// A socket belongs to the hub of the context it was made with. Read,
// Write, Accept and the other calls that may wait must be made by that
// hub's tasks; from anywhere else they fail with corio.ErrNoTask. Close
// and the SetDeadline family may be called from any goroutine: a Read
// waiting in a task wakes with net.ErrClosed or os.ErrDeadlineExceeded.
//
// Names are resolved without blocking the hub: the lookup runs through
// corio.Blocking while the dialing task waits.
package cnet
