package main

import (
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// requireWget skips a test without wget, or fails it where
// CORIO_REQUIRE_WGET is set, as in CI.
func requireWget(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("wget")
	if err != nil {
		if os.Getenv("CORIO_REQUIRE_WGET") != "" {
			t.Fatal("wget is not installed (CORIO_REQUIRE_WGET is set)")
		}
		t.Skip("wget is not installed")
	}
	return path
}

// tree returns the files under dir, each relative name with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// crawl -o lays a site out as wget --mirror does: the same file names,
// the same contents, on the demo site and on a directory served by corio
// http (where names need escaping, and directories are listings).
func TestCrawlMirrorIsWgetsTree(t *testing.T) {
	wget := requireWget(t)
	demo := startSite(t) // first: its leak check runs last
	dir := httpTree(t)
	os.WriteFile(filepath.Join(dir, "a name with spaces.txt"), []byte("spaces\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "100%.txt"), []byte("percent\n"), 0o644)
	served, _, _ := startHTTP(t, "--dir", dir, "--quiet")
	for _, site := range []struct{ name, base string }{{"demo site", demo}, {"corio http", served}} {
		t.Run(site.name, func(t *testing.T) {
			ours, theirs := t.TempDir(), t.TempDir()
			if out, errs, err := crawlCLI("", "-o", ours, "--depth", "20", "-c", "4", site.base+"/"); err != nil {
				t.Fatalf("corio crawl: %v\n%s%s", err, out, errs)
			}
			cmd := exec.Command(wget, "--mirror", "--no-verbose", "--directory-prefix", theirs, site.base+"/")
			if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "ERROR 404") {
				t.Fatalf("wget: %v\n%s", err, out)
			}
			got, want := tree(t, ours), tree(t, theirs)
			t.Logf("wget saved %d files, corio crawl -o %d", len(want), len(got))
			if len(want) < 5 {
				t.Fatalf("wget saved only %d files: %v", len(want), want)
			}
			for name, content := range want {
				if g, ok := got[name]; !ok {
					t.Errorf("%s: wget saved it, corio crawl -o did not", name)
				} else if g != content {
					t.Errorf("%s: %q, wget saved %q", name, g, content)
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("%s: corio crawl -o saved it, wget did not", name)
				}
			}
		})
	}
}

// --page-requisites fetches what wget -p fetches: each page's images,
// style sheets and scripts, those of the pages at the last level too,
// and lays them out as wget does.
func TestCrawlPageRequisitesAsWget(t *testing.T) {
	wget := requireWget(t)
	site := map[string]string{
		"/":            `<html><head><link rel="stylesheet" href="/css/site.css"></head><body><img src="logo.png"><a href="/a.html">a</a></body></html>`,
		"/a.html":      `<html><body><script src="/js/a.js"></script><a href="/deep.html">deeper</a><img src="/img/a.jpg"></body></html>`,
		"/deep.html":   `<html><body><img src="/img/deep.jpg"><a href="/deeper.html">x</a></body></html>`,
		"/deeper.html": `<p>the end</p>`,
	}
	assets := map[string]string{"/css/site.css": "body{}", "/logo.png": "PNG", "/js/a.js": "a()", "/img/a.jpg": "JPG-a", "/img/deep.jpg": "JPG-deep"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if page, ok := site[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, page)
		} else if a, ok := assets[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/octet-stream")
			io.WriteString(w, a)
		} else {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name        string
		wget, corio []string
		saved       int // files wget saves
	}{
		// The level-1 page's script and image, not the level-2 page's.
		{"depth 1", []string{"-r", "-l", "1", "-p"}, []string{"--depth", "1", "-p"}, 6},
		{"mirror", []string{"--mirror", "-p"}, []string{"--depth", "-1", "--page-requisites"}, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, theirs := t.TempDir(), t.TempDir()
			if out, errs, err := crawlCLI("", append(tc.corio, "-o", ours, srv.URL+"/")...); err != nil {
				t.Fatalf("corio crawl: %v\n%s%s", err, out, errs)
			}
			cmd := exec.Command(wget, append(tc.wget, "--no-verbose", "--directory-prefix", theirs, srv.URL+"/")...)
			if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "ERROR 404") {
				t.Fatalf("wget: %v\n%s", err, out)
			}
			got, want := tree(t, ours), tree(t, theirs)
			if len(want) != tc.saved || want[host+"/img/a.jpg"] != "JPG-a" {
				t.Errorf("wget saved %q, want %d files with %s/img/a.jpg", slices.Sorted(maps.Keys(want)), tc.saved, host)
			}
			if !maps.Equal(got, want) {
				t.Errorf("corio crawl -o saved %q\nwget saved %q", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		})
	}
}

// --convert-links rewrites the saved pages' links as wget -k does: the
// same bytes in every file.
func TestCrawlConvertLinksAsWget(t *testing.T) {
	wget := requireWget(t)
	pages := map[string]string{
		"/":           `<a href="/a">a</a> <a href=/x/>x</a> <A HREF='/q?p=1&amp;r=2'>q</a> <a href="/sp%20ace">s</a> <a href="/old">old</a> <a href="/a#frag">f</a> <a href="http://other.invalid/z">o</a> <a href="/missing">m</a> <img src="img.png"> <a href="mailto:x@y">mail</a> <a href="#top">top</a>`,
		"/a":          `<a href="/">home</a> <a href="a">self</a> <a href="../x/">x</a>`,
		"/x/":         `<a href="../a">a</a><a href="sub/deep">deep</a>`,
		"/x/sub/deep": `<a href="../../q?p=1&r=2">q</a> <a href="../">up</a>`,
		"/q?p=1&r=2":  `<a href="/">home</a>`,
		"/sp%20ace":   `space`,
		"/new":        `<a href="a">a from new</a>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/old":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case r.URL.Path == "/img.png":
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, "PNG")
		case pages[r.URL.RequestURI()] != "":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, pages[r.URL.RequestURI()])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ours, theirs := t.TempDir(), t.TempDir()
	if out, errs, err := crawlCLI("", "--depth", "-1", "-p", "-k", "-o", ours, srv.URL+"/"); err != nil && !strings.Contains(err.Error(), "failed") {
		t.Fatalf("corio crawl: %v\n%s%s", err, out, errs)
	}
	cmd := exec.Command(wget, "--mirror", "-p", "-k", "--no-verbose", "--directory-prefix", theirs, srv.URL+"/")
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "ERROR 404") {
		t.Fatalf("wget: %v\n%s", err, out)
	}
	got, want := tree(t, ours), tree(t, theirs)
	t.Logf("%d files; index.html: %s", len(want), want[strings.TrimPrefix(srv.URL, "http://")+"/index.html"])
	if len(want) != 8 {
		t.Errorf("wget saved %d files, want 8: %q", len(want), slices.Sorted(maps.Keys(want)))
	}
	for name, content := range want {
		if got[name] != content {
			t.Errorf("%s:\n got %q\nwant %q", name, got[name], content)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: corio crawl saved it, wget did not", name)
		}
	}
}
