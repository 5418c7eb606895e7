package crawl

import (
	"context"
	"fmt"

	"github.com/corio-go/corio/chttp"
)

// keep writes what the crawl keeps of a page (its WARC records), before
// the page is reported: a page counted done has its results on disk.
func (c *crawler) keep(ctx context.Context, page *Page) error {
	if c.cfg.WARC != nil {
		if err := c.cfg.WARC.write(ctx, page.Exchanges, page.Truncated != ""); err != nil {
			return err
		}
	}
	return nil
}

// keepRobots archives the fetch of a robots.txt, as wget does: a failure
// to write stops the crawl, as a page's does.
func (c *crawler) keepRobots(ctx context.Context, exchanges []*chttp.Exchange) {
	if c.cfg.WARC == nil || len(exchanges) == 0 {
		return
	}
	if err := c.cfg.WARC.write(ctx, exchanges, false); err != nil && ctx.Err() == nil {
		c.fail(fmt.Errorf("crawl: %s: %w", exchanges[0].URL, err))
	}
}
