package crawl_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/hubhttp"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// With Sitemaps, the pages the sitemaps list (through robots.txt's
// Sitemap lines, an index, a gzip-compressed file) are starting URLs,
// each once, on the starting hosts only; a sitemap that cannot be read is
// reported in the summary.
func TestSitemaps(t *testing.T) {
	var base string
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprintf(w, "User-agent: *\nDisallow: /private\nSitemap: %s/index.xml\n", base)
		case "/index.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>%s/a.xml</loc></sitemap><sitemap><loc> %s/b.xml.gz </loc></sitemap><sitemap><loc>%s/gone.xml</loc></sitemap></sitemapindex>`, base, base, base)
		case "/a.xml":
			fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/one</loc></url><url><loc>%s/two</loc><lastmod>2026-01-01</lastmod></url>
<url><loc>http://elsewhere.invalid/x</loc></url><url><loc>%s/private/p</loc></url></urlset>`, base, base, base)
		case "/b.xml.gz":
			w.Write(gz.Bytes())
		case "/gone.xml":
			http.NotFound(w, r)
		default:
			fmt.Fprint(w, "page")
		}
	})
	var pages []crawl.Page
	var sum crawl.Summary
	err := hubtest.Run(t, func(ctx context.Context) error {
		var stop func()
		base, stop = hubhttp.Serve(ctx, t, h)
		defer stop()
		fmt.Fprintf(zw, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/three</loc></url><url><loc>%s/one</loc></url></urlset>`, base, base)
		zw.Close()
		var err error
		sum, err = crawl.Crawl(ctx, crawl.Config{Concurrency: 2, Sitemaps: true}, []string{base + "/"}, func(_ context.Context, p *crawl.Page) {
			p.URL, p.Referrer = strings.TrimPrefix(p.URL, base), strings.TrimPrefix(p.Referrer, base)
			pages = append(pages, *p)
		})
		return err
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pages {
		got = append(got, p.URL+" from "+p.Referrer)
	}
	slices.Sort(got)
	want := []string{"/ from ", "/one from /a.xml", "/three from /b.xml.gz", "/two from /a.xml"}
	if !slices.Equal(got, want) {
		t.Errorf("pages %q, want %q", got, want)
	}
	if sum.Sitemaps != 3 || sum.SitemapURLs != 4 || len(sum.SitemapErrors) != 1 || !strings.HasSuffix(sum.SitemapErrors[0], "/gone.xml: 404 Not Found") || sum.Disallowed != 1 {
		t.Errorf("summary %+v", sum)
	}
}
