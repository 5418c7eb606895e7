package crawl_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// Allow and Deny decide which links are followed; the starting URL is
// not filtered.
func TestURLFilters(t *testing.T) {
	site := demosite.Site{Pages: 12, Fanout: 3, Size: 10} // "/" → 1 2 3; 1 → 4 5 6; 2 → 7 8 9; 3 → 10 11 12
	for _, tc := range []struct {
		name        string
		allow, deny []string
		want        []int
	}{
		{"deny", nil, []string{`/p/[23]$`}, []int{1, 4, 5, 6}},
		{"allow", []string{`/p/[0-9]$`}, nil, []int{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"allow and deny", []string{`/p/[0-9]$`}, []string{`/p/1$`}, []int{2, 3, 7, 8, 9}},
		{"allow nothing", []string{`^$`}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := crawl.Config{Concurrency: 3, Depth: 5}
			for _, s := range tc.allow {
				cfg.Allow = append(cfg.Allow, regexp.MustCompile(s))
			}
			for _, s := range tc.deny {
				cfg.Deny = append(cfg.Deny, regexp.MustCompile(s))
			}
			pages, _, base := crawlSite(t, site, cfg)
			got := urlsOf(pages)
			want := pageURLs(base, tc.want...)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("crawled %q, want %q", got, want)
			}
		})
	}
}

// Delay spaces the starts of fetches from one host (virtual clock).
func TestDelay(t *testing.T) {
	site := demosite.Site{Pages: 4, Fanout: 4, Size: 10}
	var starts []time.Duration
	var t0 time.Time
	cfg := crawl.Config{Concurrency: 4, Delay: 100 * time.Millisecond}
	_, sum, _ := crawlSiteWith(t, site, cfg, func(ctx context.Context, p *crawl.Page) {
		if t0.IsZero() {
			t0 = corio.Now(ctx)
		}
		starts = append(starts, corio.Now(ctx).Sub(t0))
	}, "/p/1", "/p/2", "/p/3", "/p/4")
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	if !slices.Equal(starts, want) || sum.Seconds != 0.3 {
		t.Errorf("pages ended at %v (crawl %v s), want %v (0.3 s)", starts, sum.Seconds, want)
	}
}

// The page callback may wait: the other fetches go on meanwhile.
func TestCallbackMayWait(t *testing.T) {
	site := demosite.Site{Pages: 4, Fanout: 4, Latency: 50 * time.Millisecond, Size: 10}
	cfg := crawl.Config{Concurrency: 4}
	pages, sum, _ := crawlSiteWith(t, site, cfg, func(ctx context.Context, p *crawl.Page) {
		if err := corio.Sleep(ctx, time.Second); err != nil {
			t.Error(err)
		}
	}, "/p/1", "/p/2", "/p/3", "/p/4")
	// robots.txt (50 ms), the four pages at once (50 ms), the four
	// callbacks at once (1 s).
	if len(pages) != 4 || sum.Seconds != 1.1 {
		t.Errorf("%d pages in %v s, want 4 in 1.1 s", len(pages), sum.Seconds)
	}
}

// A page carries its header, its body when KeepBody, and its links.
func TestPageDetails(t *testing.T) {
	site := demosite.Site{Pages: 2, Fanout: 2, Size: 10}
	for _, keep := range []bool{false, true} {
		cfg := crawl.Config{Concurrency: 1, Depth: 1, KeepBody: keep}
		pages, _, base := crawlSite(t, site, cfg)
		root := pages[0]
		if root.URL != base+"/" || root.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("first page %s, Content-Type %q", root.URL, root.Header.Get("Content-Type"))
		}
		if wantLinks := pageURLs(base, 1, 2)[1:]; !slices.Equal(root.Links, wantLinks) {
			t.Errorf("links %q, want %q", root.Links, wantLinks)
		}
		if keep != (int64(len(root.Body)) == root.Bytes) || keep != strings.Contains(string(root.Body), "<title>corio demo site</title>") {
			t.Errorf("KeepBody %v: body of %d bytes (%d counted)", keep, len(root.Body), root.Bytes)
		}
		if root.Referrer != "" || root.ContentType != "text/html; charset=utf-8" || root.Time.IsZero() || root.Final != "" {
			t.Errorf("first page: referrer %q, content type %q, time %v, final %q", root.Referrer, root.ContentType, root.Time, root.Final)
		}
		for _, p := range pages[1:] {
			if p.Depth != 1 || p.Links != nil {
				t.Errorf("page %s at depth %d has links %q; pages at Depth are not scanned", p.URL, p.Depth, p.Links)
			}
			if p.Referrer != root.URL || p.Time.Before(root.Time) {
				t.Errorf("page %s: referrer %q, time %v; want %s, after %v", p.URL, p.Referrer, p.Time, root.URL, root.Time)
			}
		}
	}
}

// OnHTML rules run on each element their selector matches, in document
// order, before the page callback; links are found all the same.
func TestOnHTML(t *testing.T) {
	site := demosite.Site{Pages: 3, Fanout: 3, Size: 10}
	var events []string
	cfg := crawl.Config{Concurrency: 1, Depth: 1, OnHTML: []crawl.HTMLRule{
		{Selector: "title", Do: func(ctx context.Context, p *crawl.Page, e *html.Node) {
			events = append(events, "title "+e.FirstChild.Data)
		}},
		{Selector: "ul a[href]", Do: func(ctx context.Context, p *crawl.Page, e *html.Node) {
			events = append(events, "link "+e.Attr[0].Val)
		}},
	}}
	pages, _, base := crawlSiteWith(t, site, cfg, func(ctx context.Context, p *crawl.Page) {
		events = append(events, "page "+p.URL)
	})
	_ = pages
	want := []string{"title corio demo site", "link /p/1", "link /p/2", "link /p/3", "page " + base + "/"}
	for n := 1; n <= 3; n++ {
		want = append(want, fmt.Sprintf("title page %d", n), fmt.Sprintf("page %s/p/%d", base, n))
	}
	if !slices.Equal(events, want) {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(events, "\n"), strings.Join(want, "\n"))
	}
}

// The requests carry the User-Agent and the header fields asked for, and
// robots.txt is read for that User-Agent.
func TestUserAgentAndHeader(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Path] = r.UserAgent() + " " + r.Header.Get("X-Crawl")
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: special\nDisallow: /secret\n\nUser-agent: *\nDisallow: /open\n")
		case "/":
			fmt.Fprint(w, `<a href="/secret">s</a> <a href="/open">o</a>`)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	t.Cleanup(srv.Close)
	cfg := crawl.Config{Concurrency: 1, Depth: 1, UserAgent: "special", Header: http.Header{"X-Crawl": {"yes"}}}
	pages, sum := crawlServer(t, srv, cfg, "/")
	var paths []string
	for _, p := range pages {
		paths = append(paths, p.URL)
	}
	if !slices.Equal(paths, []string{"/", "/open"}) || sum.Disallowed != 1 {
		t.Errorf("crawled %q, %d disallowed; want / and /open, 1 disallowed", paths, sum.Disallowed)
	}
	want := map[string]string{"/robots.txt": "special yes", "/": "special yes", "/open": "special yes"}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

// A panic in a callback (the page callback, an OnHTML rule's Do) fails
// that page, never the crawl: every other page is fetched and reported,
// the page counts as failed with a *CallbackPanic as its error, and Crawl
// returns the first panic once the crawl has ended.
func TestCallbackPanic(t *testing.T) {
	site := demosite.Site{Pages: 4, Fanout: 4, Size: 10}
	var pages []crawl.Page
	var sum crawl.Summary
	err := hubtest.Run(t, func(ctx context.Context) error {
		base, stop := serveSite(ctx, t, site)
		defer stop()
		cfg := crawl.Config{Concurrency: 1, Depth: 1, OnHTML: []crawl.HTMLRule{{Selector: "title", Do: func(ctx context.Context, p *crawl.Page, e *html.Node) {
			if strings.HasSuffix(p.URL, "/p/3") {
				_ = e.Parent.Parent.Parent.Parent.Data // nil: a rule that assumes too much
			}
		}}}}
		var err error
		sum, err = crawl.Crawl(ctx, cfg, []string{base + "/"}, func(ctx context.Context, p *crawl.Page) {
			if strings.HasSuffix(p.URL, "/p/2") {
				panic("callback broke")
			}
			pages = append(pages, *p)
		})
		return err
	}, corio.VirtualClock())
	var cp *crawl.CallbackPanic
	if !errors.As(err, &cp) || !strings.HasSuffix(cp.URL, "/p/2") || cp.Value != "callback broke" || cp.Callback != "the page callback" ||
		!strings.Contains(err.Error(), "crawl: 2 page callbacks panicked (their pages failed); the first, on http://") {
		t.Fatalf("Crawl = %v; want the first panic, the page callback's on /p/2", err)
	}
	if sum.Pages != 5 || sum.OK != 3 || sum.Failed != 2 || sum.Panics != 2 {
		t.Fatalf("summary %+v; want 5 pages, 3 ok, 2 failed by panics", sum)
	}
	var failed []string
	for _, p := range pages {
		if !p.OK() {
			failed = append(failed, p.URL[strings.LastIndex(p.URL, "/"):]+": "+*p.Error)
			var cp *crawl.CallbackPanic
			if !errors.As(p.Err, &cp) || !strings.Contains(string(cp.Stack), "TestCallbackPanic") {
				t.Errorf("page %s: Err %v; want a *CallbackPanic with the stack", p.URL, p.Err)
			}
		}
	}
	if want := `/3: panic in OnHTML rule "title": runtime error: invalid memory address or nil pointer dereference`; len(pages) != 4 || len(failed) != 1 || failed[0] != want {
		t.Fatalf("%d pages reported, failed %q; want 4 (all but /p/2, whose callback panicked), /p/3 failed: %q", len(pages), failed, want)
	}
}

func TestBadOptions(t *testing.T) {
	for _, tc := range []struct {
		cfg  crawl.Config
		want string
	}{
		{crawl.Config{Concurrency: 1, Delay: -time.Second}, "delay must not be negative, got -1s"},
		{crawl.Config{Concurrency: 1, Allow: []*regexp.Regexp{nil}}, "allow filter 0 is nil"},
		{crawl.Config{Concurrency: 1, Deny: []*regexp.Regexp{regexp.MustCompile("x"), nil}}, "deny filter 1 is nil"},
		{crawl.Config{Concurrency: 1, OnHTML: []crawl.HTMLRule{{Selector: "a[", Do: func(context.Context, *crawl.Page, *html.Node) {}}}}, `OnHTML rule 0: selector "a["`},
		{crawl.Config{Concurrency: 1, OnHTML: []crawl.HTMLRule{{Selector: "a"}}}, `OnHTML rule 0 ("a") has no Do`},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// recordingFrontier is the memory frontier, with what was given back.
type recordingFrontier struct {
	crawl.Frontier
	released []crawl.Entry
}

func (f *recordingFrontier) GiveBack(ctx context.Context, entries []crawl.Entry) error {
	f.released = append(f.released, entries...)
	return f.Frontier.GiveBack(ctx, entries)
}

// A crawl stopped by its context gives the frontier back what it had
// taken and not finished, and reports none of it.
func TestStoppedCrawlGivesBack(t *testing.T) {
	site := demosite.Site{Pages: 4, Fanout: 4, Latency: 50 * time.Millisecond, Size: 10}
	front := &recordingFrontier{Frontier: crawl.NewMemoryFrontier()}
	var pages []string
	var sum crawl.Summary
	err := hubtest.Run(t, func(ctx context.Context) error {
		base, stop := serveSite(ctx, t, site)
		defer stop()
		ctx, cancel := corio.WithCancel(ctx)
		defer cancel()
		cfg := crawl.Config{Concurrency: 2, Depth: 1, Frontier: front}
		var err error
		sum, err = crawl.Crawl(ctx, cfg, []string{base + "/"}, func(ctx context.Context, p *crawl.Page) {
			pages = append(pages, strings.TrimPrefix(p.URL, base))
			if len(pages) == 2 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("crawl: %v, want context.Canceled", err)
		}
		return nil
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	var released []string
	for _, e := range front.released {
		released = append(released, e.URL[strings.Index(e.URL, "/p/"):])
	}
	slices.Sort(released)
	// "/", then /p/1 and /p/2 at once (-c 2): /p/1's callback stops the
	// crawl, and /p/2, fetched but not reported, goes back.
	if !slices.Equal(pages, []string{"/", "/p/1"}) || !sum.Interrupted || !slices.Equal(released, []string{"/p/2"}) {
		t.Errorf("pages %q, interrupted %v, given back %q", pages, sum.Interrupted, released)
	}
}

// Progress is told, after each page, the pages done and the URLs known.
func TestProgress(t *testing.T) {
	site := demosite.Site{Pages: 6, Fanout: 2, Size: 10} // "/" → 1 2; 1 → 3 4; 2 → 5 6
	var calls []string
	cfg := crawl.Config{Concurrency: 1, Depth: 2, IgnoreRobots: true, Deny: []*regexp.Regexp{regexp.MustCompile(`/private/`)},
		Progress: func(done, known int) { calls = append(calls, fmt.Sprintf("%d/%d", done, known)) }}
	crawlSite(t, site, cfg)
	want := []string{"1/3", "2/5", "3/7", "4/7", "5/7", "6/7", "7/7"}
	if !slices.Equal(calls, want) {
		t.Errorf("progress %q, want %q", calls, want)
	}
}
