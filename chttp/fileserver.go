package chttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"sync"

	"github.com/corio-go/corio"
)

// FileServer is http.FileServer for a handler that runs on a hub: every
// call it makes to fsys (Open, and a file's Stat, Read, Seek, Readdir and
// Close) runs off the hub through corio.Blocking, with the request's
// context, so that a slow disk, a hung mount or a huge directory stalls
// the request that asked for it, not every request of its hub. A file of
// at most smallFileSize bytes is read whole in the same offloaded call
// that opens it: one round trip for the usual small file.
//
// http.FileServer given fsys directly calls it on the hub's goroutine:
// with a FIFO in the tree, one request freezes the hub. Serve a directory
// with DirFS, which also refuses what is not a regular file or a
// directory.
func FileServer(fsys http.FileSystem) http.Handler {
	return fileServer{fsys}
}

type fileServer struct{ fsys http.FileSystem }

func (s fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.FileServer(offloadedFS{r.Context(), s.fsys}).ServeHTTP(w, r)
}

// smallFileSize is the largest file that Open reads whole, in the call
// that opens it; a larger one is read piece by piece, each read offloaded.
const smallFileSize = 64 << 10

// offloadedFS is fsys seen from a task: each call is offloaded with ctx.
type offloadedFS struct {
	ctx  context.Context
	fsys http.FileSystem
}

func (o offloadedFS) Open(name string) (http.File, error) {
	return corio.Blocking(o.ctx, func(context.Context) (http.File, error) {
		f, err := o.fsys.Open(name)
		if err != nil {
			return nil, err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if info.Mode().IsRegular() && info.Size() <= smallFileSize {
			return readSmallFile(f, info)
		}
		return &offloadedFile{ctx: o.ctx, f: f, info: info}, nil
	})
}

// readSmallFile reads f, of info's size, whole into a pooled buffer and
// closes it.
func readSmallFile(f http.File, info fs.FileInfo) (http.File, error) {
	defer f.Close()
	buf := smallFiles.Get().(*[]byte)
	n, err := io.ReadFull(f, (*buf)[:info.Size()])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) { // shorter than its size: it shrank
		smallFiles.Put(buf)
		return nil, err
	}
	m := &memFile{info: info, buf: buf}
	m.Reader.Reset((*buf)[:n])
	return m, nil
}

var smallFiles = sync.Pool{New: func() any { b := make([]byte, smallFileSize); return &b }}

// memFile is a small file read whole: reading it makes no system call.
type memFile struct {
	bytes.Reader
	info fs.FileInfo
	buf  *[]byte // given back to smallFiles on Close
}

func (m *memFile) Close() error {
	if m.buf != nil {
		m.Reader.Reset(nil)
		smallFiles.Put(m.buf)
		m.buf = nil
	}
	return nil
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }

func (m *memFile) Readdir(int) ([]fs.FileInfo, error) {
	return nil, errors.New("chttp: Readdir of a file that is not a directory")
}

// offloadedFile is a file whose every call runs off the hub.
type offloadedFile struct {
	ctx  context.Context
	f    http.File
	info fs.FileInfo // from Open's Stat
}

type readResult struct {
	n   int
	err error
}

// Read reads into a buffer of its own, copied to p once the read is
// back: if the request ends first, the read still under way must not
// write into p, which its caller then reuses.
func (o *offloadedFile) Read(p []byte) (int, error) {
	buf := make([]byte, min(len(p), maxOffloadedRead))
	r, err := corio.Blocking(o.ctx, func(context.Context) (readResult, error) {
		n, err := o.f.Read(buf)
		return readResult{n, err}, nil
	})
	if err != nil {
		return 0, err
	}
	return copy(p, buf[:r.n]), r.err
}

// maxOffloadedRead bounds one offloaded read (what io.Copy asks is 32 KiB).
const maxOffloadedRead = 256 << 10

func (o *offloadedFile) Seek(offset int64, whence int) (int64, error) {
	return corio.Blocking(o.ctx, func(context.Context) (int64, error) { return o.f.Seek(offset, whence) })
}

func (o *offloadedFile) Readdir(count int) ([]fs.FileInfo, error) {
	return corio.Blocking(o.ctx, func(context.Context) ([]fs.FileInfo, error) { return o.f.Readdir(count) })
}

func (o *offloadedFile) Stat() (fs.FileInfo, error) { return o.info, nil }

// Close closes the file off the hub; it does not wait for the request's
// context (a close after the request ended must still happen).
func (o *offloadedFile) Close() error {
	_, err := corio.Blocking(context.WithoutCancel(o.ctx), func(context.Context) (struct{}, error) { return struct{}{}, o.f.Close() })
	return err
}
