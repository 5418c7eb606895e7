package cnet

import (
	"os"
	"time"

	"github.com/corio-go/corio"
)

// idleQueue holds a hub's connections that wait between bursts under the
// server's idle timeout, in the order they began to wait. The timeout is
// the same for all of them, so that is also the order in which their
// timeouts end, and one hub timer, set for the first, bounds them all.
//
// A connection costs it 16 bytes, in an array indexed like
// serverHub.bursts, and only while the server has an idle timeout. A
// timer of each connection's own cost an entry of the hub's timer queue,
// and one more left dead by each burst until swept (about 110 bytes per
// idle connection at 10,000; BENCHMARKS.md).
//
// The links are slots of serverHub.bursts plus one, so that the zero
// value is an empty queue and 0 means none.
type idleQueue struct {
	links      []idleLink // by slot
	head, tail int32
	timer      *corio.Timer // set for the first's timeout, while any waits
	expire     func()       // sh.expireIdle, made once
}

type idleLink struct {
	prev, next int32
	since      int64 // the hub clock's UnixNano when it began to wait; 0: not queued
}

// queueIdle puts bc, which now waits for its next burst, at the end of
// the queue.
func (sh *serverHub) queueIdle(bc *burstConn) {
	q := &sh.idle
	if len(q.links) < len(sh.bursts) { // grown as bursts is, not more
		links := make([]idleLink, cap(sh.bursts))
		copy(links, q.links)
		q.links = links
	}
	s := bc.slot + 1
	q.links[bc.slot] = idleLink{prev: q.tail, since: bc.Now().UnixNano()}
	if q.tail != 0 {
		q.links[q.tail-1].next = s
	} else {
		q.head = s
	}
	q.tail = s
	if q.timer == nil {
		sh.armIdle()
	}
}

// unqueueIdle takes bc out of the queue, if it is in it.
func (sh *serverHub) unqueueIdle(bc *burstConn) {
	q := &sh.idle
	if int(bc.slot) >= len(q.links) || q.links[bc.slot].since == 0 {
		return
	}
	l := q.links[bc.slot]
	if l.prev != 0 {
		q.links[l.prev-1].next = l.next
	} else {
		q.head = l.next
	}
	if l.next != 0 {
		q.links[l.next-1].prev = l.prev
	} else {
		q.tail = l.prev
	}
	q.links[bc.slot] = idleLink{}
	if q.head == 0 && q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
}

// moveIdle follows the connection that removeBurst moved from slot from
// to slot to.
func (sh *serverHub) moveIdle(from, to int32) {
	q := &sh.idle
	if int(from) >= len(q.links) || q.links[from].since == 0 {
		return
	}
	l := q.links[from]
	q.links[to], q.links[from] = l, idleLink{}
	if l.prev != 0 {
		q.links[l.prev-1].next = to + 1
	} else {
		q.head = to + 1
	}
	if l.next != 0 {
		q.links[l.next-1].prev = to + 1
	} else {
		q.tail = to + 1
	}
}

// armIdle sets the timer for the first connection's timeout.
func (sh *serverHub) armIdle() {
	q := &sh.idle
	if q.expire == nil {
		q.expire = sh.expireIdle
	}
	end := q.links[q.head-1].since + int64(sh.srv.IdleTimeout)
	q.timer = corio.AfterFunc(sh.ctx, time.Duration(end-sh.now()), q.expire)
}

// expireIdle, when the timer fires, closes the connections whose timeout
// has ended, as a wait past its deadline would (Closed is told
// os.ErrDeadlineExceeded), and sets the timer for the next.
func (sh *serverHub) expireIdle() {
	q := &sh.idle
	q.timer = nil
	now := sh.now()
	for q.head != 0 {
		if q.links[q.head-1].since+int64(sh.srv.IdleTimeout) > now {
			sh.armIdle()
			return
		}
		bc := sh.bursts[q.head-1]
		sh.unqueueIdle(bc)
		if bc.fd.UnwatchRead() {
			bc.idle = false
			bc.end(bc.opError("read", os.ErrDeadlineExceeded))
		}
	}
}

// now is the hub clock's UnixNano.
func (sh *serverHub) now() int64 { return corio.Now(sh.ctx).UnixNano() }

// queuesIdle reports whether bc waits for its next burst in the queue: it
// has the server's idle timeout (a handler may have set another on its
// Conn, which its read deadline then applies as before).
func (sh *serverHub) queuesIdle(bc *burstConn) bool {
	d := sh.srv.IdleTimeout
	return d > 0 && bc.Conn.idle.Load() == int64(d)
}
