package crawl

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/corio-go/corio/chttp"
)

// keep writes what the crawl keeps of a page (its WARC records, its
// mirror file), before the page is reported: a page counted done has its
// results on disk.
func (c *crawler) keep(ctx context.Context, page *Page) error {
	if c.cfg.WARC != nil {
		if err := c.cfg.WARC.write(ctx, page.Exchanges, page.Truncated != ""); err != nil {
			return err
		}
	}
	if c.cfg.Mirror != nil && page.OK() {
		u, err := url.Parse(page.URL)
		if err != nil {
			return err
		}
		if err := c.cfg.Mirror.save(ctx, u, page.Final, isHTML(page.ContentType), page.Body); errors.Is(err, ErrMirrorConflict) {
			page.setError(err) // the page's own: the crawl goes on
		} else if err != nil {
			return err
		}
	}
	return nil
}

// keepRobots keeps the fetch of a robots.txt, as wget does: its WARC
// records, and its file in the mirror. A failure to write stops the
// crawl, as a page's does.
func (c *crawler) keepRobots(ctx context.Context, u *url.URL, exchanges []*chttp.Exchange, status int, body []byte) {
	var err error
	if c.cfg.WARC != nil {
		err = c.cfg.WARC.write(ctx, exchanges, false)
	}
	if err == nil && c.cfg.Mirror != nil && status < 400 {
		err = c.cfg.Mirror.save(ctx, u, "", false, body)
	}
	if err != nil && ctx.Err() == nil {
		c.fail(fmt.Errorf("crawl: %s: %w", u, err))
	}
}
