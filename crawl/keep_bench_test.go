package crawl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// BenchmarkCrawlKeeping crawls a 200-page site on one hub, served by
// the same hub with no latency: plain, into a WARC, and into a mirror.
// What a page costs to keep is the difference.
func BenchmarkCrawlKeeping(b *testing.B) {
	site := demosite.Site{Pages: 199, Fanout: 4, Size: 2000}
	for _, mode := range []string{"plain", "warc", "mirror"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				dir := b.TempDir()
				cfg := crawl.Config{Concurrency: 100, Depth: site.Depth()}
				err := corio.Run(context.Background(), func(ctx context.Context) error {
					base, stop := serveSite(ctx, b, site)
					defer stop()
					switch mode {
					case "warc":
						w, err := crawl.CreateWARC(filepath.Join(dir, "b.warc.gz"), crawl.WARCOptions{})
						if err != nil {
							return err
						}
						defer w.Close()
						cfg.WARC = w
					case "mirror":
						m, err := crawl.OpenMirror(dir)
						if err != nil {
							return err
						}
						defer m.Close()
						cfg.Mirror = m
					}
					sum, err := crawl.Crawl(ctx, cfg, []string{base + "/"}, nil)
					if err == nil && sum.OK != site.Pages+1 {
						err = fmt.Errorf("%d pages ok, want %d", sum.OK, site.Pages+1)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				os.RemoveAll(dir)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(site.Pages+1), "ns/page")
		})
	}
}
