package sim_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/sim"
)

// The crawler runs on the simulated network unchanged: the demo site
// served by a chttp.Server on host "site", crawled whole from "main"; the
// same seed crawls in the same order, another seed in another.
func TestCrawlOverTheSimulatedNetwork(t *testing.T) {
	site := demosite.Site{Pages: 30, Fanout: 3, Latency: 20 * time.Millisecond, Size: 500}
	crawlSeed := func(seed uint64) []string {
		var order []string
		r := sim.RunSeed(t.Context(), seed, func(ctx context.Context, n *sim.Network) error {
			h, err := n.AddHost("site")
			if err != nil {
				return err
			}
			h.Spawn(ctx, func(ctx context.Context) error {
				return (&chttp.Server{Addr: ":80", Handler: site.Handler()}).ServeIn(ctx)
			})
			sum, err := crawl.Crawl(ctx, crawl.Config{Concurrency: 4, Depth: -1}, []string{"http://site/"}, func(ctx context.Context, p *crawl.Page) {
				if p.Error != nil {
					order = append(order, p.URL+" "+*p.Error)
					return
				}
				order = append(order, strings.TrimPrefix(p.URL, "http://site"))
			})
			if err != nil {
				return err
			}
			if sum.Failed != 0 {
				return fmt.Errorf("%d pages failed: %q", sum.Failed, order)
			}
			return nil
		}, sim.WithConfig(sim.Config{MinLatency: time.Millisecond, MaxLatency: 10 * time.Millisecond}))
		if r.Err != nil {
			t.Fatalf("seed %d: %v", seed, r.Err)
		}
		return order
	}
	first := crawlSeed(1)
	got := slices.Clone(first)
	slices.Sort(got)
	want := site.Paths()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("crawled %q, want the site's %q", got, want)
	}
	if again := crawlSeed(1); !slices.Equal(again, first) {
		t.Errorf("seed 1 crawled in another order the second time:\n%q\n%q", first, again)
	}
	if other := crawlSeed(2); slices.Equal(other, first) {
		t.Errorf("seeds 1 and 2 crawled in the same order")
	}
}
