package corio

import (
	"context"
	"io"
	"slices"
)

// Virtual FDs: an FD with no kernel descriptor behind it, whose readiness
// its maker reports. An in-memory network (package sim's) makes its
// sockets of them, so that everything built on FD (package cnet's
// connections, their deadlines, waits and read watches) runs on it
// unchanged.

// NewVirtualFD makes an FD of the hub of ctx with no kernel descriptor
// behind it: its Sysfd is negative, Virtual returns file, Close closes
// file (once no Acquire is in progress), and it is ready when its maker
// says so with Ready. It must be called on the hub's goroutine; the FD is
// for that goroutine only (Close included).
func NewVirtualFD(ctx context.Context, file io.Closer) (*FD, error) {
	h := hubOf(ctx)
	if h == nil {
		return nil, ErrNoTask
	}
	if h.virtual == nil {
		h.virtual = make(map[int]io.Closer)
	}
	h.lastVirtual--
	f := &FD{h: h, fd: h.lastVirtual}
	for _, d := range []*fdDir{&f.rd, &f.wr} {
		d.f = f
		d.deadline.Store(noDeadline)
	}
	h.virtual[f.fd] = file
	return f, nil
}

// Virtual is what NewVirtualFD was given, or nil for an FD of a kernel
// descriptor (or once closed).
func (f *FD) Virtual() io.Closer {
	if f.fd >= 0 {
		return nil
	}
	return f.h.virtual[f.fd]
}

// Ready reports, for a virtual FD, what the poller would report for a
// kernel one: it may be read (readable), written (writable), and the peer
// has closed its side (peerClosed: reads end without another report). On
// the hub's goroutine.
func (f *FD) Ready(readable, writable, peerClosed bool) {
	if f.Closed() {
		return
	}
	if peerClosed {
		f.rd.final = true
	}
	if readable || peerClosed {
		f.rd.edge()
	}
	if writable {
		f.wr.edge()
	}
}

// closeVirtual closes what a virtual FD stands for.
func (f *FD) closeVirtual() {
	if v := f.h.virtual[f.fd]; v != nil {
		v.Close()
	}
}

// forgetVirtual drops a closed virtual FD from the hub's table.
func (f *FD) forgetVirtual() { delete(f.h.virtual, f.fd) }

// closeVirtualFDs closes the virtual FDs still open when the hub ends, in
// the order they were made.
func (h *hub) closeVirtualFDs() {
	fds := make([]int, 0, len(h.virtual))
	for fd := range h.virtual {
		fds = append(fds, fd)
	}
	slices.Sort(fds)
	slices.Reverse(fds) // -1 first
	for _, fd := range fds {
		if v := h.virtual[fd]; v != nil {
			v.Close()
		}
	}
	h.virtual = nil
}
