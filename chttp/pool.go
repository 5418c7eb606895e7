package chttp

import (
	"bufio"
	"context"
	"io"
	"slices"
	"time"

	"github.com/corio-go/corio"
)

// A pool holds one hub's connections. Only that hub's tasks and callbacks
// touch it, so it has no lock.
type pool struct {
	t     *Transport
	hub   *corio.Hub
	hosts map[connKey]*hostConns

	// The idle connections of all hosts, oldest first: MaxIdleConns
	// closes from the front, the idle timer sweeps from it.
	oldest, newest *persistConn
	nIdle          int
	sweep          *corio.Timer

	buffers buffers
}

// hostConns are the connections for one connKey.
type hostConns struct {
	p       *pool
	key     connKey
	idle    []*persistConn // newest last: the next to reuse
	conns   int            // dialling, busy and idle
	waiters []*connWaiter  // requests waiting under MaxConnsPerHost, FIFO
}

// A connWaiter is a request waiting for a connection of a host at its
// MaxConnsPerHost: woken when one is idle or closed, to try again.
type connWaiter struct {
	ev    corio.Event
	woken bool
}

func newPool(t *Transport, hb *corio.Hub) *pool {
	return &pool{t: t, hub: hb, hosts: make(map[connKey]*hostConns)}
}

func (p *pool) host(key connKey) *hostConns {
	mk := key.mapKey()
	hc := p.hosts[mk]
	if hc == nil {
		hc = &hostConns{p: p, key: key}
		p.hosts[mk] = hc
	}
	return hc
}

// get returns a connection for key: an idle one that is still sound, a
// new one, or, at MaxConnsPerHost, the first to become available.
func (p *pool) get(ctx context.Context, key connKey) (*persistConn, error) {
	for {
		if pc := p.host(key).takeIdle(ctx); pc != nil {
			return pc, nil
		}
		// Looked up again: closing the last stale idle connection drops
		// the host's entry, and a connection made for a dropped entry
		// would serve no later request.
		hc := p.host(key)
		if max := p.t.MaxConnsPerHost; max <= 0 || hc.conns < max {
			hc.conns++
			pc, err := p.dial(ctx, hc)
			if err != nil {
				hc.gone()
				return nil, err
			}
			return pc, nil
		}
		if err := hc.wait(ctx); err != nil {
			return nil, err
		}
	}
}

// takeIdle returns the newest idle connection that is still sound,
// closing those that are not (the peer closed them, or they outlived
// IdleConnTimeout).
func (hc *hostConns) takeIdle(ctx context.Context) *persistConn {
	for len(hc.idle) > 0 {
		pc := hc.idle[len(hc.idle)-1]
		hc.idle[len(hc.idle)-1] = nil
		hc.idle = hc.idle[:len(hc.idle)-1]
		hc.p.unlistIdle(pc)
		if pc.sound(hc.p.expired(ctx, pc)) {
			pc.reused = true
			pc.br = hc.p.buffers.reader(pc)
			return pc
		}
		pc.close()
	}
	return nil
}

// wait waits for a connection of hc to become idle or to close.
func (hc *hostConns) wait(ctx context.Context) error {
	w := &connWaiter{}
	hc.waiters = append(hc.waiters, w)
	err := w.ev.Wait(ctx)
	if err == nil {
		return nil
	}
	if w.woken {
		hc.wakeOne() // the news was for this request: pass it on
	} else {
		if i := slices.Index(hc.waiters, w); i >= 0 {
			hc.waiters = slices.Delete(hc.waiters, i, i+1)
		}
	}
	return err
}

// wakeOne tells the first waiting request that a connection of hc is
// idle or closed.
func (hc *hostConns) wakeOne() {
	if len(hc.waiters) == 0 {
		return
	}
	w := hc.waiters[0]
	hc.waiters[0] = nil
	hc.waiters = hc.waiters[1:]
	w.woken = true
	w.ev.Set()
}

// gone accounts for a connection of hc that closed or was never made.
func (hc *hostConns) gone() {
	hc.conns--
	hc.wakeOne()
	if hc.conns == 0 && len(hc.waiters) == 0 {
		delete(hc.p.hosts, hc.key.mapKey())
	}
}

// put takes back a connection whose response is complete: idle for the
// next request, or closed if it may not be reused or too many are idle.
func (p *pool) put(ctx context.Context, pc *persistConn) {
	hc := pc.host
	if pc.broken || p.t.DisableKeepAlives {
		pc.close()
		return
	}
	if len(hc.waiters) == 0 && len(hc.idle) >= p.maxIdlePerHost() || pc.br.Buffered() > 0 {
		pc.close() // too many idle, or the server sent more than its response
		return
	}
	// An idle connection holds no buffer.
	p.buffers.putReader(pc.br)
	pc.br = nil
	hc.idle = append(hc.idle, pc)
	p.listIdle(ctx, pc)
	hc.wakeOne()
	if max := p.t.MaxIdleConns; max > 0 && p.nIdle > max {
		p.closeIdleConn(p.oldest)
	}
}

func (p *pool) maxIdlePerHost() int {
	if n := p.t.MaxIdleConnsPerHost; n > 0 {
		return n
	}
	return DefaultMaxIdleConnsPerHost
}

// listIdle appends pc to the pool's idle list and makes sure the idle
// timer runs.
func (p *pool) listIdle(ctx context.Context, pc *persistConn) {
	pc.idleSince = corio.Now(ctx)
	pc.olderIdle, pc.newerIdle = p.newest, nil
	if p.newest != nil {
		p.newest.newerIdle = pc
	} else {
		p.oldest = pc
	}
	p.newest = pc
	pc.isIdle = true
	p.nIdle++
	if d := p.t.IdleConnTimeout; d > 0 && p.sweep == nil {
		p.sweep = corio.AfterFunc(ctx, d, func() { p.sweepIdle(ctx) })
	}
}

// unlistIdle takes pc out of the pool's idle list.
func (p *pool) unlistIdle(pc *persistConn) {
	if !pc.isIdle {
		return
	}
	if pc.olderIdle != nil {
		pc.olderIdle.newerIdle = pc.newerIdle
	} else {
		p.oldest = pc.newerIdle
	}
	if pc.newerIdle != nil {
		pc.newerIdle.olderIdle = pc.olderIdle
	} else {
		p.newest = pc.olderIdle
	}
	pc.olderIdle, pc.newerIdle, pc.isIdle = nil, nil, false
	p.nIdle--
}

// closeIdleConn closes an idle connection, taking it out of its host's
// idle list.
func (p *pool) closeIdleConn(pc *persistConn) {
	hc := pc.host
	if i := slices.Index(hc.idle, pc); i >= 0 {
		hc.idle = slices.Delete(hc.idle, i, i+1)
	}
	p.unlistIdle(pc)
	pc.close()
}

// expired reports whether pc has been idle longer than IdleConnTimeout.
func (p *pool) expired(ctx context.Context, pc *persistConn) bool {
	d := p.t.IdleConnTimeout
	return d > 0 && corio.Now(ctx).Sub(pc.idleSince) >= d
}

// sweepIdle closes the connections idle for IdleConnTimeout and sets the
// timer for the next. It runs on the hub, outside any task.
func (p *pool) sweepIdle(ctx context.Context) {
	p.sweep = nil
	for p.oldest != nil && p.expired(ctx, p.oldest) {
		p.closeIdleConn(p.oldest)
	}
	if p.oldest != nil {
		next := p.oldest.idleSince.Add(p.t.IdleConnTimeout).Sub(corio.Now(ctx))
		p.sweep = corio.AfterFunc(ctx, max(next, time.Millisecond), func() { p.sweepIdle(ctx) })
	}
}

// closeIdle closes every idle connection.
func (p *pool) closeIdle() {
	for p.oldest != nil {
		p.closeIdleConn(p.oldest)
	}
	if p.sweep != nil {
		p.sweep.Stop()
		p.sweep = nil
	}
}

// buffers are a pool's spare read and write buffers: a connection takes a
// write buffer only while it writes a request, and a read buffer only
// while it is not idle, so that idle connections cost no buffer.
type buffers struct {
	readers spares[*bufio.Reader]
	writers spares[*bufio.Writer]
}

func (b *buffers) reader(r io.Reader) *bufio.Reader {
	if br, ok := b.readers.take(); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReader(r)
}

func (b *buffers) putReader(br *bufio.Reader) {
	br.Reset(nil)
	b.readers.give(br)
}

func (b *buffers) writer(w io.Writer) *bufio.Writer {
	if bw, ok := b.writers.take(); ok {
		bw.Reset(w)
		return bw
	}
	return bufio.NewWriter(w)
}

func (b *buffers) putWriter(bw *bufio.Writer) {
	bw.Reset(nil)
	b.writers.give(bw)
}

// spares is a free list, of at most maxSpareBuffers items.
type spares[T any] struct{ items []T }

// maxSpareBuffers bounds the spare buffers of each kind a pool keeps.
const maxSpareBuffers = 256

func (s *spares[T]) take() (T, bool) {
	var zero T
	n := len(s.items)
	if n == 0 {
		return zero, false
	}
	v := s.items[n-1]
	s.items[n-1] = zero
	s.items = s.items[:n-1]
	return v, true
}

func (s *spares[T]) give(v T) {
	if len(s.items) < maxSpareBuffers {
		s.items = append(s.items, v)
	}
}
