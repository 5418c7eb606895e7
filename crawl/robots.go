package crawl

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// robotsRules are a host's robots.txt rules for this crawler, fetched
// once; the fetches of the host's pages wait for them.
type robotsRules struct {
	ready corio.Event
	data  *robotstxt.RobotsData // nil: everything allowed
	agent string                // the crawler's name, whose rules apply
}

// maxRobotsBytes bounds a robots.txt read (Google reads 500 KiB).
const maxRobotsBytes = 500 << 10

// allowed reports whether robots.txt of u's host lets the crawler fetch
// u, fetching the rules on the host's first URL.
func (c *crawler) allowed(ctx context.Context, u *url.URL) bool {
	key := origin(u)
	rules := c.robots[key]
	if rules == nil {
		rules = &robotsRules{agent: c.cfg.userAgent()}
		c.robots[key] = rules
		rules.data = c.fetchRobots(ctx, key)
		rules.ready.Set()
	} else if err := rules.ready.Wait(ctx); err != nil {
		return false
	}
	return rules.allow(u)
}

// allow reports whether the rules let the crawler fetch u.
func (r *robotsRules) allow(u *url.URL) bool {
	if r.data == nil {
		return true
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	// TestAgent, not FindGroup's Test: the status's verdict (allow all,
	// disallow all) is kept outside the groups.
	return r.data.TestAgent(path, r.agent)
}

// maxCrawlDelay bounds the Crawl-delay a robots.txt may ask for: a site
// asking more is fetched at this pace.
const maxCrawlDelay = 30 * time.Second

// crawlDelay is the Crawl-delay robots.txt of u's origin asks of the
// crawler (0: none, or robots.txt is ignored or not read yet), within
// maxCrawlDelay.
func (c *crawler) crawlDelay(u *url.URL) time.Duration {
	r := c.robots[origin(u)]
	if c.cfg.IgnoreRobots || r == nil || !r.ready.IsSet() || r.data == nil {
		return 0
	}
	g := r.data.FindGroup(r.agent)
	if g == nil {
		return 0
	}
	return min(g.CrawlDelay, maxCrawlDelay)
}

// origin is the scheme and host of u: what one robots.txt covers.
func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// fetchRobots gets and parses origin's /robots.txt, reading status codes
// as RFC 9309 says (and the library does): a 4xx allows everything; a 5xx
// disallows everything, for the rest of the crawl (the RFC allows
// assuming it for a while; a crawl is that while). An unreachable host
// allows everything: its pages then report why they failed.
func (c *crawler) fetchRobots(ctx context.Context, origin string) *robotstxt.RobotsData {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = corio.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	var rec *chttp.Recorder
	if c.recording() {
		rec = &chttp.Recorder{Limit: maxRobotsBytes + maxRecordedHeader}
		ctx = chttp.WithRecorder(ctx, rec)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/robots.txt", nil)
	if err != nil {
		return nil
	}
	c.setHeader(req)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil // unreachable: let the pages report it
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil {
		return nil
	}
	if c.keepsFiles() {
		resp.Body.Close() // its exchange ends
		var exchanges []*chttp.Exchange
		if rec != nil {
			exchanges = rec.Exchanges
		}
		c.keepRobots(ctx, req.URL, exchanges, resp.StatusCode, body)
	}
	data, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body)
	if err != nil {
		return nil
	}
	return data
}
