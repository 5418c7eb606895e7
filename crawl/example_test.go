package crawl_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"slices"
	"strings"

	"golang.org/x/net/html"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// Crawl a site two links deep, collecting each page's title with an OnHTML
// rule: the callbacks run in the pages' tasks, so the map needs no lock.
func Example() {
	site := demosite.Site{Pages: 6, Fanout: 2, Size: 100}
	base, stopSite, err := demosite.Start(site, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer stopSite()

	titles := map[string]string{}
	cfg := crawl.Config{
		Concurrency: 4,
		Depth:       2,
		OnHTML: []crawl.HTMLRule{{
			Selector: "head > title",
			Do: func(ctx context.Context, p *crawl.Page, e *html.Node) {
				titles[strings.TrimPrefix(p.URL, base)] = crawl.Text(e)
			},
		}},
	}
	err = corio.Run(context.Background(), func(ctx context.Context) error {
		sum, err := crawl.Crawl(ctx, cfg, []string{base + "/"}, func(ctx context.Context, p *crawl.Page) {
			if p.Err != nil {
				fmt.Println(p.URL, p.Err)
			}
		})
		fmt.Printf("%d pages, %d ok\n", sum.Pages, sum.OK)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, path := range slices.Sorted(maps.Keys(titles)) {
		fmt.Println(path, titles[path])
	}
	// Output:
	// 7 pages, 7 ok
	// / corio demo site
	// /p/1 page 1
	// /p/2 page 2
	// /p/3 page 3
	// /p/4 page 4
	// /p/5 page 5
	// /p/6 page 6
}
