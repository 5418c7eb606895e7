package crawl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/corio-go/corio"
)

// ErrMirrorConflict is the error of a page whose file a Mirror cannot
// write without losing another page's: "/x/" and then "/x", both
// answered with a page.
var ErrMirrorConflict = errors.New("mirror: the page's file is another page's")

// A Mirror saves the pages of a crawl as files, laid out as wget --mirror
// lays them out, so that the two trees compare:
//
//   - DIR/HOST/PATH, with HOST:PORT for a port that is not the scheme's;
//   - index.html for a URL that ends in a slash;
//   - the query kept in the file name as sent, after a "?"
//     ("list?page=2");
//   - the path unescaped, except a "/" inside a segment and control
//     characters, which stay %XX (wget's --restrict-file-names=unix);
//   - a redirected page under its own URL, not the target's;
//   - robots.txt saved too; pages answered with a status of 400 or more
//     not saved.
//
// One deliberate difference: where a page's file is in the way of
// another's directory ("/a", then "/a/b"), or a directory in the way of a
// file ("/x/", then "/x"), wget loses a page ("Not a directory", "Is a
// directory"); a Mirror keeps both, the file as the directory's
// index.html.
//
// Each file is written whole (to a temporary name, then renamed), off the
// hub, before the page is reported: a crawl killed at any point leaves
// whole files. The names are resolved inside DIR (os.Root): nothing is
// written outside it, whatever the URLs.
type Mirror struct {
	root *os.Root

	mu    sync.Mutex        // guards what follows: saves run on many goroutines
	dirs  map[string]bool   // directories known to exist: not looked up again
	files map[string]string // URL (normalized) → its file, for ConvertLinks
	saved []savedPage       // in the order saved
}

// OpenMirror returns a Mirror saving under dir, which it creates if
// needed. It blocks on the file system.
func OpenMirror(dir string) (*Mirror, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	return &Mirror{root: root, dirs: map[string]bool{}, files: map[string]string{}}, nil
}

// Close lets the directory go.
func (m *Mirror) Close() error { return m.root.Close() }

// MirrorPath returns the file, relative to a Mirror's directory, that
// holds the page of u.
func MirrorPath(u *url.URL) string {
	host := u.Hostname()
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80" || u.Scheme == "https" && p == "443") {
		host += ":" + p
	}
	segs := strings.Split(u.EscapedPath(), "/")
	parts := []string{fileSafe(host)}
	for _, s := range segs[1:] { // the path starts with "/"
		if dec, err := url.PathUnescape(s); err == nil {
			s = dec
		}
		parts = append(parts, fileSafe(s))
	}
	if len(parts) == 1 { // no path at all
		parts = append(parts, "")
	}
	last := len(parts) - 1
	if parts[last] == "" {
		parts[last] = "index.html"
	}
	if u.RawQuery != "" {
		parts[last] += "?" + fileSafe(u.RawQuery) // as sent: wget keeps its escapes
	}
	for i, p := range parts[:last] {
		if p == "" { // "a//b": an empty segment is no directory
			parts[i] = "%2F"
		}
	}
	return path.Join(parts...)
}

// fileSafe quotes what may not be in a file name on Unix, as wget does:
// "/", control characters, and the names "." and "..".
func fileSafe(s string) string {
	if s == "." || s == ".." {
		return strings.ReplaceAll(s, ".", "%2E")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// save writes body as the file of u, whole, off the hub. final is the
// URL the page came from after redirects ("": u), which its links are
// relative to.
func (m *Mirror) save(ctx context.Context, u *url.URL, final string, isHTML bool, body []byte) error {
	_, err := corio.Blocking(ctx, func(context.Context) (struct{}, error) {
		file, err := m.write(MirrorPath(u), body)
		if err == nil {
			m.remember(u, final, file, isHTML)
		}
		return struct{}{}, err
	})
	return err
}

// write writes a file under the root: to a temporary name, then renamed.
// A file in the way of a directory moves into it, as its index.html (the
// page of "/a" saved before "/a/b" needs a directory "a").
func (m *Mirror) write(name string, body []byte) (string, error) {
	dir := path.Dir(name)
	m.mu.Lock()
	known := m.dirs[dir]
	m.mu.Unlock()
	if !known {
		if err := m.mkdirAll(dir); err != nil {
			return "", fmt.Errorf("mirror: %w", err)
		}
		m.mu.Lock()
		m.dirs[dir] = true
		m.mu.Unlock()
	}
	if st, err := m.root.Lstat(name); err == nil && st.IsDir() {
		index := path.Join(name, "index.html") // "/a" after "/a/b"
		if _, err := m.root.Lstat(index); err == nil {
			return "", fmt.Errorf("%w: %s is a directory, and its index.html is another page's", ErrMirrorConflict, name)
		}
		name = index
	}
	tmp := name + ".corio-part"
	if err := m.root.WriteFile(tmp, body, 0o666); err != nil {
		return "", fmt.Errorf("mirror: %w", err)
	}
	if err := m.root.Rename(tmp, name); err != nil {
		m.root.Remove(tmp)
		return "", fmt.Errorf("mirror: %w", err)
	}
	return name, nil
}

// mkdirAll makes dir and its parents; a file where a directory must be
// becomes that directory's index.html.
func (m *Mirror) mkdirAll(dir string) error {
	if dir == "." || dir == "/" {
		return nil
	}
	st, err := m.root.Lstat(dir)
	switch {
	case err == nil && st.IsDir():
		return nil
	case err == nil && st.Mode().IsRegular():
		if err := m.mkdirAll(path.Dir(dir)); err != nil {
			return err
		}
		tmp := dir + ".corio-moving"
		if err := m.root.Rename(dir, tmp); err != nil {
			return err
		}
		if err := m.root.Mkdir(dir, 0o777); err != nil {
			return err
		}
		return m.root.Rename(tmp, path.Join(dir, "index.html"))
	case err == nil:
		return fmt.Errorf("%s is neither a file nor a directory", dir)
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	if err := m.mkdirAll(path.Dir(dir)); err != nil {
		return err
	}
	if err := m.root.Mkdir(dir, 0o777); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}
