package cnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/corio-go/corio"
)

// A BurstHandler serves one connection burst by burst (see
// StreamServer.Bursts). Between bursts the connection holds no task, no
// goroutine and no buffer: only its descriptor's registration with the
// poller and a small record (the Conn, and whatever the handler keeps in
// itself). The state a connection carries from one burst to the next lives
// in the handler, not on a stack.
type BurstHandler interface {
	// Burst serves what has come on the connection, in a task (one of the
	// hub's workers, which serve bursts one after another), written in
	// the usual blocking style: a first Read finds the data
	// there; it may Read more (waiting), Write, Sleep, call other services
	// and spawn. Returning nil gives the connection back to waiting for
	// its next data, which makes the next Burst; an error (io.EOF
	// included) closes it. ctx ends when the server closes.
	Burst(ctx context.Context, c *Conn) error
	// Closed is called once, after the connection has been closed, with
	// why: nil when the peer closed it (or Burst returned io.EOF), the
	// error Burst returned, an error wrapping os.ErrDeadlineExceeded
	// when it was idle longer than StreamServer.IdleTimeout, or
	// ErrServerClosed when the server stopped. It runs on the hub's
	// goroutine and may be outside any task: it must not wait.
	Closed(c *Conn, err error)
}

// ErrDetach, returned (or wrapped) by Burst or Open, hands the connection
// over to the handler's own code: the server forgets it without closing
// it (a protocol upgrade, an HTTP hijack). Closed is still called, with
// ErrDetach; whoever holds the connection closes it, from the hub's tasks.
var ErrDetach = errors.New("cnet: connection detached from its server")

// A BurstOpener is a BurstHandler with something to do as soon as the
// connection is accepted (a greeting, say): Open runs in a task before the
// first wait for data, and an error closes the connection.
type BurstOpener interface {
	BurstHandler
	Open(ctx context.Context, c *Conn) error
}

// burstConn is a connection served burst by burst: all it holds between
// bursts. Its watch has a worker serve the next burst.
type burstConn struct {
	Conn
	corio.ReadWatch
	h      BurstHandler
	sh     *serverHub
	slot   int32 // its index in sh.bursts
	opened bool  // Open has run, or there is none
	idle   bool  // its own watch waits for data (the FD's may be another's, during a burst)
	ended  bool
}

// startBursts serves an accepted connection with the Bursts handler: a
// worker for Open if it has one, else a watch for its first data. It runs
// on sh's hub, in a task or a submitted function.
func (s *StreamServer) startBursts(sh *serverHub, l *Listener, fd *corio.FD, peer unix.Sockaddr) {
	bc := &burstConn{sh: sh, slot: int32(len(sh.bursts))}
	bc.Conn.init(fd, l.network, l.localAddr(), peer)
	bc.Watcher = bc
	if s.IdleTimeout > 0 {
		bc.SetIdleTimeout(s.IdleTimeout)
	}
	sh.bursts = append(sh.bursts, bc)
	h, err := s.newBurstHandler(&bc.Conn)
	if err != nil {
		bc.end(err)
		return
	}
	bc.h = h
	if _, ok := h.(BurstOpener); ok {
		bc.handToWorker()
		return
	}
	bc.opened = true
	bc.awaitData(true)
}

// newBurstHandler calls Bursts, turning a panic into an error.
func (s *StreamServer) newBurstHandler(c *Conn) (h BurstHandler, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logf("cnet: Bursts for %v panicked: %v", c.RemoteAddr(), r)
			err = fmt.Errorf("cnet: Bursts panicked: %v", r)
		}
	}()
	if h = s.Bursts(c); h == nil {
		s.logf("cnet: Bursts returned a nil BurstHandler for %v; connection closed", c.RemoteAddr())
		return nil, errors.New("cnet: Bursts returned a nil BurstHandler")
	}
	return h, nil
}

// ReadReady is the watch's report: data has come (a worker serves the
// burst), the idle timeout passed or the connection was closed.
func (bc *burstConn) ReadReady(_ *corio.FD, err error) {
	bc.idle = false
	bc.sh.unqueueIdle(bc)
	if err != nil {
		bc.end(bc.opError("read", err))
		return
	}
	bc.handToWorker()
}

// handToWorker has a worker serve the connection's next burst (or Open).
func (bc *burstConn) handToWorker() {
	if bc.sh.srv.killed.Load() { // Close: no burst starts now
		bc.end(ErrServerClosed)
		return
	}
	bc.sh.schedule(bc)
}

// serve runs in a worker's task: Open first if it is due, then Burst,
// and again while more data waits (after the other tasks' turn), until a
// watch holds the connection again or it has ended.
func (bc *burstConn) serve(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			bc.sh.srv.logf("cnet: handler for %v panicked: %v", bc.RemoteAddr(), r)
			bc.end(fmt.Errorf("cnet: handler panicked: %v", r))
		}
	}()
	if !bc.opened {
		bc.opened = true
		if err := bc.h.(BurstOpener).Open(ctx, &bc.Conn); err != nil {
			bc.end(err)
			return
		}
		if bc.awaitData(false) {
			return
		}
	}
	for {
		if err := bc.h.Burst(ctx, &bc.Conn); err != nil {
			bc.end(err)
			return
		}
		if bc.awaitData(false) {
			return
		}
		corio.Sleep(ctx, 0) // more has come: the others' turn first
	}
}

// awaitData gives the connection back to waiting for data: it reports
// true when a watch now holds it or it has ended, false when data waits
// already (serve it). From a worker (fromAccept false); from the accept
// path (fromAccept true), data already there goes to a worker.
func (bc *burstConn) awaitData(fromAccept bool) bool {
	if bc.sh.draining {
		bc.end(ErrServerClosed)
		return true
	}
	more, err := bc.Pending()
	if err == nil && !more {
		queued := bc.sh.queuesIdle(bc)
		if queued {
			// The queue bounds the wait, not the read deadline, which a
			// wait in the burst may have moved.
			bc.unboundIdleWait()
		} else {
			bc.boundIdleWait()
		}
		var armed bool
		armed, err = bc.fd.WatchRead(&bc.ReadWatch)
		if armed {
			bc.idle = true
			if queued {
				bc.sh.queueIdle(bc)
			}
			return true
		}
		if err != nil {
			err = bc.opError("read", err)
		}
	}
	if err != nil {
		bc.end(err)
		return true
	}
	if fromAccept {
		bc.handToWorker()
		return true
	}
	return false
}

// end closes the connection, once, and tells the handler and the server.
// err is why (see BurstHandler.Closed): io.EOF and a closed connection
// while the server stops are told as nil and ErrServerClosed.
func (bc *burstConn) end(err error) {
	if bc.ended {
		return
	}
	bc.ended = true
	detached := errors.Is(err, ErrDetach)
	if !detached {
		bc.Conn.Close()
	}
	sh := bc.sh
	sh.removeBurst(bc)
	switch {
	case detached:
		err = ErrDetach
	case errors.Is(err, io.EOF):
		err = nil
	case sh.draining && errors.Is(err, net.ErrClosed):
		err = ErrServerClosed
	}
	if bc.h != nil {
		sh.srv.closed(bc.h, &bc.Conn, err)
	}
	sh.connDone()
}

// closed calls h.Closed, logging a panic rather than letting it end the
// hub (it may run outside any task).
func (s *StreamServer) closed(h BurstHandler, c *Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logf("cnet: Closed for %v panicked: %v", c.RemoteAddr(), r)
		}
	}()
	h.Closed(c, err)
}

// removeBurst takes bc out of the hub's connections served by bursts.
func (sh *serverHub) removeBurst(bc *burstConn) {
	sh.unqueueIdle(bc)
	last := len(sh.bursts) - 1
	moved := sh.bursts[last]
	sh.moveIdle(int32(last), bc.slot)
	sh.bursts[bc.slot], moved.slot = moved, bc.slot
	sh.bursts[last] = nil
	sh.bursts = sh.bursts[:last]
	if last == 0 && sh.draining {
		sh.burstsGone.Set()
	}
}

// drainBursts, once the hub accepts no more, closes the connections that
// wait between bursts and waits for those in a burst to finish it
// (Shutdown) or end killed (Close).
func (sh *serverHub) drainBursts(ctx context.Context) error {
	sh.draining = true
	sh.dismissWorkers()
	for _, bc := range sh.bursts {
		if bc.idle {
			bc.Conn.Close() // the watch reports it later (bc.end): the list does not change now
		}
	}
	if err := sh.conns.Join(ctx); err != nil {
		return err
	}
	// A burst whose task was killed before it ran (Close) has not ended.
	for _, bc := range slices.Clone(sh.bursts) {
		if !bc.idle {
			bc.end(ErrServerClosed)
		}
	}
	if len(sh.bursts) == 0 {
		return nil
	}
	return sh.burstsGone.Wait(ctx) // the closed watches' reports
}
