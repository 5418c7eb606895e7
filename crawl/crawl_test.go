package crawl_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/internal/fixture/hubtest"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// crawlSite serves site on a listener of the hub and crawls it from the
// seeds (paths under the site, "/" if none), on the virtual clock: the
// site's latency takes no time and the order is deterministic. It returns
// the pages in the order they ended, the summary and the base URL.
func crawlSite(t *testing.T, site demosite.Site, cfg crawl.Config, paths ...string) ([]crawl.Page, crawl.Summary, string) {
	t.Helper()
	return crawlSiteWith(t, site, cfg, nil, paths...)
}

// crawlSiteWith is crawlSite with a page callback of the test's, called
// before the page is recorded.
func crawlSiteWith(t *testing.T, site demosite.Site, cfg crawl.Config, onPage func(context.Context, *crawl.Page), paths ...string) ([]crawl.Page, crawl.Summary, string) {
	t.Helper()
	leakcheck.Check(t)
	var pages []crawl.Page
	var sum crawl.Summary
	var base string
	err := hubtest.Run(t, func(ctx context.Context) error {
		var stop func()
		base, stop = serveSite(ctx, t, site)
		defer stop()
		if len(paths) == 0 {
			paths = []string{"/"}
		}
		var seeds []string
		for _, p := range paths {
			seeds = append(seeds, base+p)
		}
		var err error
		sum, err = crawl.Crawl(ctx, cfg, seeds, func(ctx context.Context, p *crawl.Page) {
			if onPage != nil {
				onPage(ctx, p)
			}
			pages = append(pages, *p)
		})
		return err
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	return pages, sum, base
}

// serveSite serves site on a loopback listener of the hub of ctx until
// stop, and returns its base URL.
func serveSite(ctx context.Context, t testing.TB, site demosite.Site) (base string, stop func()) {
	t.Helper()
	l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	corio.Spawn(ctx, func(ctx context.Context) error { return site.Serve(ctx, l) })
	return "http://" + l.Addr().String(), func() { l.Close() }
}

func urlsOf(pages []crawl.Page) []string {
	var urls []string
	for _, p := range pages {
		urls = append(urls, p.URL)
	}
	return urls
}

func pageURLs(base string, ns ...int) []string {
	urls := []string{base + "/"}
	for _, n := range ns {
		urls = append(urls, fmt.Sprintf("%s/p/%d", base, n))
	}
	return urls
}

func upTo(n int) []int {
	ns := make([]int, n)
	for i := range ns {
		ns[i] = i + 1
	}
	return ns
}

// The crawl visits exactly the site's pages to the depth asked, each
// once, breadth first, leaving out what robots.txt disallows, other hosts,
// fragments and mailto links.
func TestDepthAndDeduplication(t *testing.T) {
	site := demosite.Site{Pages: 40, Fanout: 4, Latency: 50 * time.Millisecond, Size: 100}
	for _, tc := range []struct {
		name       string
		cfg        crawl.Config
		want       []string // paths, in order
		disallowed int
	}{
		{"depth 0", crawl.Config{Concurrency: 5}, nil, 0},
		{"depth 1", crawl.Config{Concurrency: 5, Depth: 1}, []string{"1", "2", "3", "4"}, 0},
		{"depth 2", crawl.Config{Concurrency: 5, Depth: 2}, nil, 4},
		{"whole site", crawl.Config{Concurrency: 5, Depth: 10}, nil, 40},
		{"max 10", crawl.Config{Concurrency: 5, Depth: 10, Max: 10}, nil, 9}, // the private link of each page but "/"
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages, sum, base := crawlSite(t, site, tc.cfg)
			var want []string
			switch tc.name {
			case "depth 0":
				want = pageURLs(base)
			case "depth 1":
				want = pageURLs(base, 1, 2, 3, 4)
			case "depth 2":
				want = pageURLs(base, upTo(20)...)
			case "whole site":
				want = pageURLs(base, upTo(40)...)
			case "max 10":
				want = pageURLs(base, upTo(9)...)
			}
			if got := urlsOf(pages); !slices.Equal(got, want) {
				t.Errorf("crawled\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, p := range pages {
				if !p.OK() || p.Status != 200 || p.Bytes == 0 {
					t.Errorf("page %s: %+v", p.URL, p)
				}
			}
			if sum.Pages != len(want) || sum.OK != len(want) || sum.Failed != 0 || sum.Disallowed != tc.disallowed {
				t.Errorf("summary %+v, want %d pages all ok, %d disallowed", sum, len(want), tc.disallowed)
			}
		})
	}
}

func TestIgnoreRobots(t *testing.T) {
	site := demosite.Site{Pages: 4, Fanout: 4, Size: 10}
	pages, sum, base := crawlSite(t, site, crawl.Config{Concurrency: 3, Depth: 2, IgnoreRobots: true})
	want := pageURLs(base, 1, 2, 3, 4)
	for n := 1; n <= 4; n++ {
		want = append(want, fmt.Sprintf("%s/private/%d", base, n))
	}
	if got := urlsOf(pages); !slices.Equal(got, want) || sum.Disallowed != 0 {
		t.Errorf("crawled %q (disallowed %d), want %q", got, sum.Disallowed, want)
	}
}

// The crawl takes as long as its slowest chain of pages at the given
// concurrency: 40 pages of 50 ms at -c 10 take 4 rounds, plus robots.txt.
func TestConcurrencyAndPerHost(t *testing.T) {
	site := demosite.Site{Pages: 40, Fanout: 40, Latency: 50 * time.Millisecond, Size: 10}
	var paths []string
	for n := 1; n <= 40; n++ {
		paths = append(paths, fmt.Sprintf("/p/%d", n))
	}
	for _, tc := range []struct {
		cfg     crawl.Config
		seconds float64
	}{
		{crawl.Config{Concurrency: 10}, 0.05 + 4*0.05},
		{crawl.Config{Concurrency: 1}, 0.05 + 40*0.05},
		{crawl.Config{Concurrency: 40}, 0.05 + 0.05},
		{crawl.Config{Concurrency: 10, PerHost: 2}, 0.05 + 20*0.05},
	} {
		_, sum, _ := crawlSite(t, site, tc.cfg, paths...)
		if sum.Pages != 40 || sum.OK != 40 || fmt.Sprintf("%.3f", sum.Seconds) != fmt.Sprintf("%.3f", tc.seconds) {
			t.Errorf("-c %d --per-host %d: %d pages (%d ok) in %.3f s, want 40 in %.3f s",
				tc.cfg.Concurrency, tc.cfg.PerHost, sum.Pages, sum.OK, sum.Seconds, tc.seconds)
		}
	}
}

// Network errors and 5xx answers are retried with a doubling backoff; a
// 4xx is not; a page that keeps failing is reported with its error.
func TestRetries(t *testing.T) {
	leakcheck.Check(t)
	var flaky, broken, missing atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if flaky.Add(1) < 3 {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "ok")
		case "/broken":
			broken.Add(1)
			http.Error(w, "down", http.StatusInternalServerError)
		case "/missing":
			missing.Add(1)
			http.NotFound(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	var pages []crawl.Page
	err := hubtest.Run(t, func(ctx context.Context) error {
		cfg := crawl.Config{Concurrency: 3, Retries: 2, Backoff: time.Millisecond}
		_, err := crawl.Crawl(ctx, cfg, []string{srv.URL + "/flaky", srv.URL + "/broken", srv.URL + "/missing"},
			func(_ context.Context, p *crawl.Page) { pages = append(pages, *p) })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range pages {
		e := ""
		if p.Error != nil {
			e = *p.Error
		}
		got[strings.TrimPrefix(p.URL, srv.URL)] = fmt.Sprintf("%d %q", p.Status, e)
	}
	want := map[string]string{
		"/flaky":   `200 ""`,
		"/broken":  `500 "500 Internal Server Error"`,
		"/missing": `404 "404 Not Found"`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if flaky.Load() != 3 || broken.Load() != 3 || missing.Load() != 1 {
		t.Errorf("attempts: flaky %d, broken %d, missing %d; want 3, 3, 1", flaky.Load(), broken.Load(), missing.Load())
	}
}

// A page that does not answer in Timeout fails with the deadline, after
// each retry's backoff (virtual clock).
func TestTimeout(t *testing.T) {
	site := demosite.Site{Pages: 1, Fanout: 1, Latency: time.Hour, Size: 10}
	pages, sum, _ := crawlSite(t, site, crawl.Config{Concurrency: 1, Timeout: time.Second, Retries: 1, Backoff: time.Second}, "/p/1")
	// robots.txt times out too (1 s), which allows everything; then two
	// attempts of 1 s with 1 s between.
	if len(pages) != 1 || pages[0].Error == nil || !strings.Contains(*pages[0].Error, "deadline exceeded") || pages[0].MS != 3000 {
		t.Fatalf("pages %+v", pages)
	}
	if sum.Failed != 1 || sum.Seconds != 4 {
		t.Errorf("summary %+v, want 1 failed in 4 s", sum)
	}
}

func TestBadInput(t *testing.T) {
	err := hubtest.Run(t, func(ctx context.Context) error {
		for _, tc := range []struct {
			cfg   crawl.Config
			seeds []string
			want  string
		}{
			{crawl.Config{Concurrency: 0}, nil, "concurrency must be at least 1, got 0"},
			{crawl.Config{Concurrency: 1, Depth: -2}, nil, "depth must be -1 (no bound) or more, got -2"},
			{crawl.Config{Concurrency: 1}, []string{"ftp://x/"}, `"ftp://x/" is not an http:// or https:// URL`},
			{crawl.Config{Concurrency: 1}, []string{"http:///nohost"}, `has no host`},
			{crawl.Config{Concurrency: 1}, []string{"http://a b/"}, `invalid character " " in host name`},
		} {
			if _, err := crawl.Crawl(ctx, tc.cfg, tc.seeds, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%+v %q: %v, want %q", tc.cfg, tc.seeds, err, tc.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// --any-host follows the link off the site (here served by the site
// itself, through the client's dialer); without it the link is left.
func TestAnyHost(t *testing.T) {
	site := demosite.Site{Pages: 2, Fanout: 2, Size: 10}
	for _, anyHost := range []bool{false, true} {
		var addr string
		client := &http.Client{Transport: &chttp.Transport{
			Dial: func(ctx context.Context, network, _ string) (*cnet.Conn, error) {
				return cnet.Dial(ctx, network, addr) // every host is the site
			},
		}}
		leakcheck.Check(t)
		var urls []string
		err := hubtest.Run(t, func(ctx context.Context) error {
			l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			defer l.Close()
			addr = l.Addr().String()
			corio.Spawn(ctx, func(ctx context.Context) error { return site.Serve(ctx, l) })
			cfg := crawl.Config{Concurrency: 2, Depth: 2, AnyHost: anyHost, Client: client}
			_, err = crawl.Crawl(ctx, cfg, []string{"http://" + addr + "/p/1"}, func(_ context.Context, p *crawl.Page) { urls = append(urls, p.URL) })
			return err
		}, corio.VirtualClock())
		if err != nil {
			t.Fatal(err)
		}
		other := "http://" + demosite.OtherHost + "/"
		if slices.Contains(urls, other) != anyHost {
			t.Errorf("any host %v: crawled %q", anyHost, urls)
		}
	}
}

// Depth -1 follows links with no bound but the site's own (and Max).
func TestUnboundedDepth(t *testing.T) {
	site := demosite.Site{Pages: 30, Fanout: 2, Size: 100}
	pages, _, base := crawlSite(t, site, crawl.Config{Concurrency: 4, Depth: -1})
	if got, want := slices.Sorted(slices.Values(urlsOf(pages))), slices.Sorted(slices.Values(pageURLs(base, upTo(30)...))); !slices.Equal(got, want) {
		t.Errorf("depth -1 crawled %d pages, want the site's %d", len(got), len(want))
	}
	pages, _, _ = crawlSite(t, site, crawl.Config{Concurrency: 4, Depth: -1, Max: 7})
	if len(pages) != 7 {
		t.Errorf("depth -1, max 7: %d pages", len(pages))
	}
}
