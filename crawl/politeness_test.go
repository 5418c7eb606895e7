package crawl_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/hubhttp"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// crawlOnHub crawls paths of h's site on the virtual clock.
func crawlOnHub(t *testing.T, h http.Handler, cfg crawl.Config, paths ...string) map[string]crawl.Page {
	t.Helper()
	pages := map[string]crawl.Page{}
	err := hubtest.Run(t, func(ctx context.Context) error {
		base, stop := hubhttp.Serve(ctx, t, h)
		defer stop()
		var seeds []string
		for _, p := range paths {
			seeds = append(seeds, base+p)
		}
		_, err := crawl.Crawl(ctx, cfg, seeds, func(_ context.Context, p *crawl.Page) {
			pages[strings.TrimPrefix(p.URL, base)] = *p
		})
		return err
	}, corio.VirtualClock())
	if err != nil && !strings.Contains(err.Error(), "page(s) failed") {
		t.Fatal(err)
	}
	return pages
}

// A 429 or 503 with Retry-After is tried again after that long (seconds
// or a date), within MaxRetryAfter; one asking more fails at once, saying
// why; a 429 without it is retried after the backoff.
func TestRetryAfter(t *testing.T) {
	start := time.Now()
	tries := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries[r.URL.Path]++
		if tries[r.URL.Path] > 1 {
			fmt.Fprint(w, "ok")
			return
		}
		switch r.URL.Path {
		case "/seconds":
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/date":
			_ = start
			w.Header().Set("Retry-After", time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/too-long":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/plain-429":
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	cfg := crawl.Config{Concurrency: 4, Retries: 2, Backoff: 500 * time.Millisecond, IgnoreRobots: true}
	pages := crawlOnHub(t, h, cfg, "/seconds", "/date", "/too-long", "/plain-429")
	for path, want := range map[string]struct {
		ms    float64
		tries int
		err   string
	}{
		"/seconds":   {3000, 2, ""},
		"/plain-429": {500, 2, ""},
		"/too-long":  {0, 1, "429 Too Many Requests (Retry-After 1h0m0s, over the 1m0s bound: not waited for)"},
	} {
		p := pages[path]
		if p.MS != want.ms || tries[path] != want.tries || errorOf(p) != want.err {
			t.Errorf("%s: %v ms, %d tries, error %q; want %v ms, %d, %q", path, p.MS, tries[path], errorOf(p), want.ms, want.tries, want.err)
		}
	}
	// A date is read on the real clock of the server: about 10 s.
	if p := pages["/date"]; !p.OK() || p.MS < 8000 || p.MS > 11000 || tries["/date"] != 2 {
		t.Errorf("/date: %v ms, %d tries, error %q; want about 10 s, 2 tries", p.MS, tries["/date"], errorOf(p))
	}
}

// robots.txt's Crawl-delay spaces the fetches from its host, as Delay
// does, when it is the longer of the two.
func TestCrawlDelay(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 2\n")
		case "/":
			fmt.Fprint(w, `<a href="/a">a</a><a href="/b">b</a><a href="/c">c</a>`)
		default:
			fmt.Fprint(w, "leaf")
		}
	})
	for _, tc := range []struct {
		delay   time.Duration
		spacing time.Duration
	}{{0, 2 * time.Second}, {3 * time.Second, 3 * time.Second}} {
		pages := crawlOnHub(t, h, crawl.Config{Concurrency: 4, Depth: 1, Delay: tc.delay}, "/")
		var starts []time.Time
		for _, p := range []string{"/", "/a", "/b", "/c"} {
			starts = append(starts, pages[p].Time)
		}
		for i := 1; i < len(starts); i++ {
			if d := starts[i].Sub(starts[i-1]); d != tc.spacing {
				t.Errorf("delay %v: fetch %d started %v after the one before, want %v", tc.delay, i, d, tc.spacing)
			}
		}
	}
}
