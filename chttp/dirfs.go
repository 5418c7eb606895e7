package chttp

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"syscall"
)

// A DirFS is a directory tree to serve with FileServer: http.Dir made
// safe to put on a network.
//
//   - Nothing outside the tree is served: names are resolved in an
//     os.Root, so a symbolic link that leads out of it (or is absolute)
//     is refused with fs.ErrPermission (403), as are "..", which
//     http.FileServer cleans away before.
//   - Only regular files and directories are served: a FIFO, a device or
//     a socket is refused with fs.ErrPermission (403). It is opened
//     without blocking (O_NONBLOCK) and checked before any read, so a
//     FIFO never stalls the call.
//   - Names with a part that begins with a dot (.git, .env) are not
//     found (404) and not listed, unless Dotfiles is set: serving them by
//     accident is a common leak.
//
// Its methods block (they are file system calls): on a hub, serve it with
// FileServer, which makes them off the hub.
type DirFS struct {
	// Dotfiles serves and lists names that begin with a dot.
	Dotfiles bool

	root *os.Root
	dir  string
}

// OpenDir opens dir as a DirFS. Close it when done.
func OpenDir(dir string) (*DirFS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("chttp: serve directory: %w", err)
	}
	return &DirFS{root: root, dir: dir}, nil
}

// Close lets the directory go.
func (d *DirFS) Close() error { return d.root.Close() }

// Open opens name, a slash-separated path from the tree's top ("/a/b",
// as http.FileServer asks).
func (d *DirFS) Open(name string) (http.File, error) {
	rel := strings.Trim(name, "/")
	if rel == "" {
		rel = "."
	}
	if !d.Dotfiles && hasDotPart(rel) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := d.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, refusedIfOutside(name, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() && !info.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w: not a regular file or a directory (%v)", fs.ErrPermission, info.Mode().Type())}
	}
	return &dirFile{f: f, info: info, dotfiles: d.Dotfiles}, nil
}

// hasDotPart reports whether a part of rel (cleaned, no "." or "..")
// begins with a dot.
func hasDotPart(rel string) bool {
	for part := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

// refusedIfOutside turns os.Root's refusal of a name that leads out of
// the tree, which has no error value of its own (it is neither a system
// error nor a not-found), into fs.ErrPermission; other errors stay.
func refusedIfOutside(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		var errno syscall.Errno
		if !errors.As(pe.Err, &errno) && !errors.Is(pe.Err, fs.ErrNotExist) && !errors.Is(pe.Err, fs.ErrPermission) {
			return &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w: %v", fs.ErrPermission, pe.Err)}
		}
	}
	return err
}

// dirFile is a file of a DirFS: an *os.File with only http.File's
// methods, whose listing leaves dot-files out unless they are served.
type dirFile struct {
	f        *os.File
	info     fs.FileInfo
	dotfiles bool
}

func (d *dirFile) Read(p []byte) (int, error)                   { return d.f.Read(p) }
func (d *dirFile) Seek(offset int64, whence int) (int64, error) { return d.f.Seek(offset, whence) }
func (d *dirFile) Close() error                                 { return d.f.Close() }
func (d *dirFile) Stat() (fs.FileInfo, error)                   { return d.info, nil }

func (d *dirFile) Readdir(count int) ([]fs.FileInfo, error) {
	for {
		infos, err := d.f.Readdir(count)
		if d.dotfiles {
			return infos, err
		}
		kept := infos[:0]
		for _, info := range infos {
			if !strings.HasPrefix(info.Name(), ".") {
				kept = append(kept, info)
			}
		}
		// With count > 0, an empty answer means the end: read on past a
		// batch of dot-files alone.
		if len(kept) > 0 || err != nil || count <= 0 {
			return kept, err
		}
	}
}
