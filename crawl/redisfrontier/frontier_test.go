package redisfrontier_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/crawl/redisfrontier"
	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
	"github.com/corio-go/corio/internal/fixture/redisserver"
)

// startSite serves site, counting the requests per path, until the test
// ends.
func startSite(t *testing.T, site demosite.Site, each func(path string) func()) *demosite.Counted {
	t.Helper()
	cs, err := demosite.StartCounted(site, each)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func open(t *testing.T, ctx context.Context, url, name, worker string, lease time.Duration) *redisfrontier.Frontier {
	t.Helper()
	f, err := redisfrontier.Open(ctx, redisfrontier.Options{URL: url, Crawl: name, Worker: worker, Lease: lease, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Two workers in one hub share a crawl: together they fetch every page
// once, and the crawl's status adds up.
func TestTwoWorkersShareACrawl(t *testing.T) {
	leakcheck.Check(t)
	url := redisserver.Start(t)
	site := demosite.Site{Pages: 200, Fanout: 5, Size: 100}
	cs := startSite(t, site, nil)
	var status redisfrontier.Status
	var sums [2]crawl.Summary
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		g := corio.NewGroup()
		for i := range 2 {
			f := open(t, ctx, url, "two", fmt.Sprintf("w%d", i), time.Second)
			cfg := crawl.Config{Concurrency: 8, Depth: 10, Frontier: f}
			var seeds []string
			if i == 0 {
				seeds = []string{cs.Base + "/"}
			} else {
				// The second joins once the crawl exists.
				for start := corio.Now(ctx); ; {
					_, err := f.Status(ctx)
					if err == nil {
						break
					}
					if corio.Now(ctx).Sub(start) > 10*time.Second {
						return fmt.Errorf("the crawl did not start in 10 s: %v", err)
					}
					corio.Sleep(ctx, time.Millisecond)
				}
			}
			g.Spawn(ctx, func(ctx context.Context) error {
				var err error
				sums[i], err = crawl.Crawl(ctx, cfg, seeds, nil)
				return err
			})
		}
		if err := g.Join(ctx); err != nil {
			return err
		}
		var err error
		status, err = open(t, ctx, url, "two", "reader", 0).Status(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all, twice := cs.Pages()
	if !slices.Equal(all, site.Paths()) || len(twice) > 0 {
		t.Errorf("fetched %d paths (%d twice: %q), want the site's %d once", len(all), len(twice), twice, site.Pages+1)
	}
	if sums[0].Pages+sums[1].Pages != site.Pages+1 || sums[1].Pages == 0 {
		t.Errorf("workers fetched %d and %d pages, want %d in all, by both", sums[0].Pages, sums[1].Pages, site.Pages+1)
	}
	want := int64(site.Pages + 1)
	if !status.Finished || status.Fetched != want || status.Admitted != want || status.Queued != 0 || status.InFlight != 0 || len(status.Workers) != 2 {
		t.Errorf("status %+v", status)
	}
	for _, w := range status.Workers {
		if w.Fetched != int64(sums[w.Name[1]-'0'].OK) {
			t.Errorf("worker %s: %d fetched, its summary %d", w.Name, w.Fetched, sums[w.Name[1]-'0'].OK)
		}
	}
}

// Max and Depth hold for the whole crawl, not per worker; the crawl's
// robots.txt skips count as skipped.
func TestMaxAndDepthAcrossWorkers(t *testing.T) {
	url := redisserver.Start(t)
	site := demosite.Site{Pages: 100, Fanout: 3, Size: 10}
	for _, tc := range []struct {
		name       string
		depth, max int
		want       int64
	}{
		{"depth 2", 2, 0, 1 + 3 + 9},
		{"max 20", 10, 20, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := startSite(t, site, nil)
			var status redisfrontier.Status
			err := corio.Run(context.Background(), func(ctx context.Context) error {
				g := corio.NewGroup()
				name := strings.ReplaceAll(tc.name, " ", "-")
				for i := range 3 {
					f := open(t, ctx, url, name, fmt.Sprintf("w%d", i), time.Second)
					cfg := crawl.Config{Concurrency: 2, Depth: tc.depth, Max: tc.max, Frontier: f}
					g.Spawn(ctx, func(ctx context.Context) error {
						_, err := crawl.Crawl(ctx, cfg, []string{cs.Base + "/"}, nil) // each seeds: admitted once
						return err
					})
				}
				if err := g.Join(ctx); err != nil {
					return err
				}
				var err error
				status, err = open(t, ctx, url, name, "reader", 0).Status(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			all, twice := cs.Pages()
			if int64(len(all)) != tc.want || len(twice) > 0 || status.Fetched != tc.want || !status.Finished {
				t.Errorf("fetched %d pages (%q twice), status %+v; want %d", len(all), twice, status, tc.want)
			}
		})
	}
}

// PerHost holds across workers: with a limit of 1, two workers never
// fetch from the host at once.
func TestPerHostAcrossWorkers(t *testing.T) {
	url := redisserver.Start(t)
	site := demosite.Site{Pages: 12, Fanout: 12, Latency: 5 * time.Millisecond, Size: 10}
	var mu sync.Mutex
	running, most := 0, 0
	cs := startSite(t, site, func(string) func() {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		return func() {
			mu.Lock()
			running--
			mu.Unlock()
		}
	})
	var pages int
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		g := corio.NewGroup()
		for i := range 2 {
			f := open(t, ctx, url, "perhost", fmt.Sprintf("w%d", i), time.Second)
			cfg := crawl.Config{Concurrency: 4, Depth: 1, PerHost: 1, IgnoreRobots: true, Frontier: f}
			g.Spawn(ctx, func(ctx context.Context) error {
				sum, err := crawl.Crawl(ctx, cfg, []string{cs.Base + "/"}, nil)
				pages += sum.Pages
				return err
			})
		}
		return g.Join(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 13 || most != 1 {
		t.Errorf("%d pages, at most %d at once; want 13, 1", pages, most)
	}
}

// A worker that dies keeps nothing: its leases end (those it took ahead
// too), and another worker takes its URLs, ahead of the rest. Its late outcome for
// a URL still queued takes that URL out of the queue.
func TestLeasesExpire(t *testing.T) {
	url := redisserver.Start(t)
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		lease := 300 * time.Millisecond
		dead := open(t, ctx, url, "leases", "dead", lease)
		live := open(t, ctx, url, "leases", "live", lease)
		var seeds []crawl.Entry
		for i := range 20 {
			seeds = append(seeds, crawl.Entry{URL: fmt.Sprintf("http://h/%d", i)})
		}
		if _, n, err := dead.Open(ctx, crawl.Settings{}, seeds); err != nil || n != 20 {
			return fmt.Errorf("open: %d admitted, %v", n, err)
		}
		if _, _, err := live.Open(ctx, crawl.Settings{}, nil); err != nil {
			return err
		}
		kctx, stopKeep := corio.WithCancel(ctx)
		defer stopKeep()
		corio.Spawn(kctx, live.Keep) // the live worker renews its leases
		// The dead worker asks for 2 and takes 16: 14 ahead, for later.
		taken, _, err := dead.Take(ctx, 2)
		if err != nil || !slices.Equal(taken, seeds[:2]) {
			return fmt.Errorf("dead took %v, %v", taken, err)
		}
		// Before the leases end, the live worker gets the last 4; then it
		// waits (Take polls) until they end, and gets the 16 back, first.
		first, _, err := live.Take(ctx, 5)
		if err != nil || !slices.Equal(first, seeds[16:]) {
			return fmt.Errorf("live took %v, %v; want the last 4", first, err)
		}
		start := corio.Now(ctx)
		again, _, err := live.Take(ctx, 20)
		byURL := func(a, b crawl.Entry) int { return strings.Compare(a.URL, b.URL) }
		if err != nil || !slices.Equal(slices.SortedFunc(slices.Values(again), byURL), slices.SortedFunc(slices.Values(seeds[:16]), byURL)) {
			return fmt.Errorf("live took %v, %v; want the first 16", again, err)
		}
		if waited := corio.Now(ctx).Sub(start); waited < lease/2 {
			return fmt.Errorf("the leases ended after %v, before their %v", waited, lease)
		}
		// The dead worker's outcome for a, now live's, changes nothing of
		// live's lease.
		if _, err := dead.Done(ctx, seeds[0], crawl.Fetched, nil); err != nil {
			return err
		}
		for _, e := range append(first, again...) {
			if _, err := live.Done(ctx, e, crawl.Fetched, nil); err != nil {
				return err
			}
		}
		if taken, finished, err := live.Take(ctx, 5); err != nil || !finished || len(taken) != 0 {
			return fmt.Errorf("after all: %v, finished %v, %v", taken, finished, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// GiveBack gives back what a worker holds, in order, ahead of the rest;
// what it no longer holds is left alone.
func TestGiveBack(t *testing.T) {
	url := redisserver.Start(t)
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		w := open(t, ctx, url, "release", "w", time.Second)
		other := open(t, ctx, url, "release", "other", time.Second)
		var seeds []crawl.Entry
		for _, s := range []string{"a", "b", "c", "d"} {
			seeds = append(seeds, crawl.Entry{URL: "http://h/" + s})
		}
		if _, _, err := w.Open(ctx, crawl.Settings{}, seeds); err != nil {
			return err
		}
		taken, _, err := w.Take(ctx, 3)
		if err != nil {
			return err
		}
		if _, err := w.Done(ctx, taken[1], crawl.Failed, nil); err != nil {
			return err
		}
		if err := w.GiveBack(ctx, taken); err != nil { // b is done: not given back
			return err
		}
		got, _, err := other.Take(ctx, 10)
		want := []crawl.Entry{seeds[0], seeds[2], seeds[3]}
		if err != nil || !slices.Equal(got, want) {
			return fmt.Errorf("after release: %v, %v; want %v", got, err, want)
		}
		st, err := other.Status(ctx)
		if err != nil || st.Failed != 1 || st.InFlight != 3 || st.Queued != 0 {
			return fmt.Errorf("status %+v, %v", st, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Bad input is refused with an error that names it, and nothing is
// written to Redis.
func TestBadInput(t *testing.T) {
	url := redisserver.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://" + l.Addr().String() + "/0"
	l.Close()
	for _, tc := range []struct {
		opts redisfrontier.Options
		want string
	}{
		{redisfrontier.Options{URL: "http://127.0.0.1:6379/0", Crawl: "x"}, `frontier "http://127.0.0.1:6379/0": want redis://HOST:PORT/DB`},
		{redisfrontier.Options{URL: "127.0.0.1:6379", Crawl: "x"}, `want redis://HOST:PORT/DB`},
		{redisfrontier.Options{URL: "redis://127.0.0.1:6379/x", Crawl: "x"}, `invalid database number: "x"`},
		{redisfrontier.Options{URL: url, Crawl: "a b"}, `crawl name "a b": want 1 to 100 letters`},
		{redisfrontier.Options{URL: url, Crawl: ""}, `crawl name ""`},
		{redisfrontier.Options{URL: url, Crawl: "x", Lease: time.Millisecond}, `lease 1ms: at least 100ms`},
		{redisfrontier.Options{URL: url, Crawl: "x", Worker: "a:b"}, `worker name "a:b"`},
		{redisfrontier.Options{URL: closed, Crawl: "x"}, "the Redis server does not answer at " + closed},
	} {
		_, err := redisfrontier.Open(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
		if strings.HasPrefix(tc.opts.URL, closed) && !errors.Is(err, redisfrontier.ErrUnreachable) {
			t.Errorf("%v is not ErrUnreachable", err)
		}
	}
	rdb := redis.NewClient(&redis.Options{Addr: strings.TrimSuffix(strings.TrimPrefix(url, "redis://"), "/0")})
	defer rdb.Close()
	err = corio.Run(context.Background(), func(ctx context.Context) error {
		f := open(t, ctx, url, "settings", "w", 0)
		// Joining a crawl that does not exist.
		if _, _, err := f.Open(ctx, crawl.Settings{}, nil); !errors.Is(err, crawl.ErrNoCrawl) {
			return fmt.Errorf("joining nothing: %v", err)
		}
		if n := rdb.DBSize(ctx).Val(); n != 0 {
			return fmt.Errorf("%d keys written by a refused join", n)
		}
		if _, _, err := f.Open(ctx, crawl.Settings{Depth: 2}, []crawl.Entry{{URL: "http://h/"}}); err != nil {
			return err
		}
		before := rdb.Keys(ctx, "*").Val()
		slices.Sort(before)
		_, _, err := f.Open(ctx, crawl.Settings{Depth: 3}, []crawl.Entry{{URL: "http://other/"}})
		if !errors.Is(err, crawl.ErrSettings) || !strings.Contains(err.Error(), `"depth":2`) || !strings.Contains(err.Error(), `"depth":3`) {
			return fmt.Errorf("other settings: %v", err)
		}
		after := rdb.Keys(ctx, "*").Val()
		slices.Sort(after)
		if !slices.Equal(before, after) || rdb.SIsMember(ctx, "corio:crawl:{settings}:hosts", "other").Val() {
			return fmt.Errorf("keys %q became %q", before, after)
		}
		// The crawl's status, then its removal.
		if st, err := f.Status(ctx); err != nil || st.Queued != 1 || st.Settings.Depth != 2 || !slices.Equal(st.Hosts, []string{"h"}) {
			return fmt.Errorf("status %+v, %v", st, err)
		}
		if err := f.Drop(ctx); err != nil {
			return err
		}
		if n := rdb.DBSize(ctx).Val(); n != 0 {
			return fmt.Errorf("%d keys left after Drop", n)
		}
		if _, err := f.Status(ctx); !errors.Is(err, crawl.ErrNoCrawl) {
			return fmt.Errorf("status of a dropped crawl: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Pages that end while a batch is on its way go together in the next:
// fifty at once take two calls, each learns its own links' fate, and the
// calls take what comes next for the fetches the pages freed.
func TestDoneBatches(t *testing.T) {
	url := redisserver.Start(t)
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		f := open(t, ctx, url, "batches", "w", time.Second)
		var seeds []crawl.Entry
		for i := range 50 {
			seeds = append(seeds, crawl.Entry{URL: fmt.Sprintf("http://h/%d", i)})
		}
		if _, _, err := f.Open(ctx, crawl.Settings{}, seeds); err != nil {
			return err
		}
		taken, _, err := f.Take(ctx, 50)
		if err != nil || len(taken) != 50 {
			return fmt.Errorf("took %d, %v", len(taken), err)
		}
		admitted := make([]int, 50)
		g := corio.NewGroup()
		for i, e := range taken {
			g.Spawn(ctx, func(ctx context.Context) error {
				// Its own link, and one every page has.
				found := []crawl.Entry{{URL: fmt.Sprintf("http://h/found/%d", i), Depth: 1}, {URL: "http://h/shared", Depth: 1}}
				var err error
				admitted[i], err = f.Done(ctx, e, crawl.Fetched, found)
				return err
			})
		}
		if err := g.Join(ctx); err != nil {
			return err
		}
		want := make([]int, 50)
		for i := range want {
			want[i] = 1
		}
		want[0] = 2 // the first page admits the shared link
		if !slices.Equal(admitted, want) || f.Batches() != 2 {
			return fmt.Errorf("admitted %v in %d batches; want %v in 2", admitted, f.Batches(), want)
		}
		// Each batch also took, for the fetches its pages freed: 1, then
		// 15 more (16 at most are held ahead).
		st, err := f.Status(ctx)
		if err != nil || st.Fetched != 50 || st.InFlight != 16 || st.Queued != 51-16 {
			return fmt.Errorf("status %+v, %v", st, err)
		}
		next, _, err := f.Take(ctx, 20)
		if err != nil || len(next) != 16 || next[0].URL != "http://h/found/0" {
			return fmt.Errorf("took %v, %v; want the 16 taken with the batches, first found first", next, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A take that finds nothing queued wakes when a page of this worker ends
// with new links, even when the page ended while the take's own call was
// on its way: it does not wait for the next poll (here a minute).
func TestTakeWakesOnOwnDone(t *testing.T) {
	url := redisserver.Start(t)
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		f, err := redisfrontier.Open(ctx, redisfrontier.Options{URL: url, Crawl: "wake", Worker: "w", Poll: time.Minute})
		if err != nil {
			return err
		}
		defer f.Close()
		if _, _, err := f.Open(ctx, crawl.Settings{}, []crawl.Entry{{URL: "http://h/0"}}); err != nil {
			return err
		}
		held, _, err := f.Take(ctx, 1)
		if err != nil {
			return err
		}
		for round := 1; round <= 20; round++ {
			next := crawl.Entry{URL: fmt.Sprintf("http://h/%d", round), Depth: 1}
			corio.Spawn(ctx, func(ctx context.Context) error {
				_, err := f.Done(ctx, held[0], crawl.Fetched, []crawl.Entry{next})
				return err
			})
			tctx, cancel := corio.WithTimeout(ctx, 10*time.Second)
			held, _, err = f.Take(tctx, 1)
			cancel()
			if err != nil || !slices.Equal(held, []crawl.Entry{next}) {
				return fmt.Errorf("round %d: took %v, %v; want %v at once", round, held, err, next)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
