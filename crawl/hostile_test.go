package crawl_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/hubtest"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// Pages written to hurt a crawler, served by net/http: each must end
// within its bounds, be reported as what it is, and leave the crawl going.

// crawlServer crawls seeds (paths of srv) with cfg on a hub of the real
// clock and returns the pages by path, in the order they ended, and the
// summary.
func crawlServer(t *testing.T, srv *httptest.Server, cfg crawl.Config, paths ...string) ([]crawl.Page, crawl.Summary) {
	t.Helper()
	leakcheck.Check(t)
	var pages []crawl.Page
	var sum crawl.Summary
	var seeds []string
	for _, p := range paths {
		seeds = append(seeds, srv.URL+p)
	}
	err := hubtest.Run(t, func(ctx context.Context) error {
		var err error
		sum, err = crawl.Crawl(ctx, cfg, seeds, func(_ context.Context, p *crawl.Page) {
			p.URL = strings.TrimPrefix(p.URL, srv.URL)
			pages = append(pages, *p)
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages, sum
}

func errorOf(p crawl.Page) string {
	if p.Error == nil {
		return ""
	}
	return *p.Error
}

// An endless page of links is read to MaxBody, its first MaxLinks links
// followed, and reported truncated for both.
func TestEndlessPageIsBounded(t *testing.T) {
	var linked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			linked.Add(1)
			fmt.Fprint(w, "leaf")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		for i := 0; r.Context().Err() == nil; i++ {
			if _, err := fmt.Fprintf(w, "<a href=\"/l/%d\">link</a>\n", i); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	cfg := crawl.Config{Concurrency: 4, Depth: 1, MaxBody: 1 << 20, MaxLinks: 100, IgnoreRobots: true}
	pages, sum := crawlServer(t, srv, cfg, "/")
	var root crawl.Page
	for _, p := range pages {
		if p.URL == "/" {
			root = p
		}
	}
	want := "body over 1048576 bytes, the rest not read; over 100 links, the rest not followed"
	if root.Truncated != want || root.Bytes != 1<<20 || root.Status != 200 || root.Error != nil {
		t.Fatalf("the endless page: %+v (error %q); want 1 MiB read, status 200, truncated %q", root, errorOf(root), want)
	}
	if len(pages) != 101 || linked.Load() != 100 || sum.Truncated != 1 || sum.OK != 101 || sum.Failed != 0 {
		t.Fatalf("%d pages, %d links fetched, summary %+v; want 101 pages, 100 links, 1 truncated", len(pages), linked.Load(), sum)
	}
}

// A small gzip response that unpacks to far more than MaxBody is bounded
// by what it unpacks to, not by what came over the wire.
func TestGzipBombIsBounded(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 { // 256 MiB unpacked
		zw.Write(zeros)
	}
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "gzip only", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html")
		w.Write(bomb.Bytes())
	}))
	defer srv.Close()
	start := time.Now()
	pages, sum := crawlServer(t, srv, crawl.Config{Concurrency: 1, Depth: 1, MaxBody: 4 << 20, IgnoreRobots: true}, "/")
	if len(pages) != 1 || pages[0].Bytes != 4<<20 || pages[0].Truncated != "body over 4194304 bytes, the rest not read" || sum.Truncated != 1 {
		t.Fatalf("pages %+v, summary %+v; want one page of 4 MiB, truncated", pages, sum)
	}
	if bomb.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes on the wire: not a bomb", bomb.Len())
	}
	t.Logf("%d bytes on the wire, 256 MiB unpacked, read 4 MiB in %v", bomb.Len(), time.Since(start))
}

// robots.txt's status decides as RFC 9309 says: a 4xx allows everything,
// a 5xx disallows everything.
func TestRobotsStatus(t *testing.T) {
	for _, tc := range []struct {
		status     int
		fetched    []string
		disallowed int
	}{
		{http.StatusNotFound, []string{"/", "/secret"}, 0},
		{http.StatusForbidden, []string{"/", "/secret"}, 0},
		{http.StatusServiceUnavailable, nil, 1},
		{http.StatusInternalServerError, nil, 1},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			var hits hitLog
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" {
					http.Error(w, "robots", tc.status)
					return
				}
				hits.add(r.URL.Path)
				fmt.Fprint(w, `<a href="/secret">secret</a>`)
			}))
			defer srv.Close()
			_, sum := crawlServer(t, srv, crawl.Config{Concurrency: 1, Depth: 1}, "/")
			if fetched := hits.all(); !slices.Equal(fetched, tc.fetched) || sum.Disallowed != tc.disallowed {
				t.Fatalf("robots.txt %d: fetched %q, %d disallowed; want %q, %d", tc.status, hits.all(), sum.Disallowed, tc.fetched, tc.disallowed)
			}
		})
	}
}

// Redirects follow the crawl's rules, and one that cannot be followed is
// not retried: another try would be redirected the same way.
func TestRedirects(t *testing.T) {
	var hits hitLog
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.URL.Path)
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/ftp":
			http.Redirect(w, r, "ftp://example.com/file", http.StatusFound)
		case "/away":
			// The same server under another host name: another host.
			http.Redirect(w, r, strings.Replace("http://"+r.Host+"/here", "127.0.0.1", "localhost", 1), http.StatusFound)
		case "/to-private":
			http.Redirect(w, r, "/private", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		default:
			fmt.Fprint(w, "here")
		}
	}))
	defer srv.Close()
	cfg := crawl.Config{Concurrency: 1, Retries: 2, Backoff: time.Millisecond}
	pages, sum := crawlServer(t, srv, cfg, "/loop", "/ftp", "/away", "/to-private", "/moved")
	want := map[string]string{
		"/loop":       "redirect not followed: stopped after 10 redirects",
		"/ftp":        "redirect not followed: to ftp://example.com/file, not an http or https URL",
		"/away":       "redirect not followed: to http://localhost:PORT/here, another host (--any-host follows it)",
		"/to-private": "redirect not followed: to " + srv.URL + "/private, which robots.txt disallows",
		"/moved":      "",
	}
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	for _, p := range pages {
		w := strings.Replace(want[p.URL], "PORT", port, 1)
		if got := errorOf(p); got != w {
			t.Errorf("%s: error %q, want %q", p.URL, got, w)
		}
		if p.URL == srv.URL+"/moved" && p.Final != srv.URL+"/here" {
			t.Errorf("/moved: final URL %q, want %s/here", p.Final, srv.URL)
		}
	}
	if len(pages) != 5 || sum.Disallowed != 1 || sum.OK != 1 || sum.Failed != 4 {
		t.Errorf("%d pages, summary %+v; want 5 pages, 1 ok, 4 failed, 1 disallowed", len(pages), sum)
	}
	// Each tried once: the loop's first request and the 9 redirects
	// followed before the tenth was refused.
	for path, n := range map[string]int{"/loop": 10, "/ftp": 1, "/away": 1, "/to-private": 1, "/private": 0, "/here": 1} {
		if got := hits.count(path); got != n {
			t.Errorf("%s requested %d times, want %d", path, got, n)
		}
	}
}

// hitLog records the paths requested, from the server's goroutines.
type hitLog struct {
	mu    sync.Mutex
	paths []string
}

func (h *hitLog) add(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.paths = append(h.paths, path)
}

func (h *hitLog) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.paths)
}

func (h *hitLog) count(path string) int {
	n := 0
	for _, p := range h.all() {
		if p == path {
			n++
		}
	}
	return n
}
