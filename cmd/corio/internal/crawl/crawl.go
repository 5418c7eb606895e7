// Package crawl is the crawler behind `corio crawl`: the seed's
// spawn-a-get_page-per-URL program grown into a tool. Every page is
// fetched by a task of one hub through a chttp client, at most
// Concurrency at once; links are followed to Depth on the hosts of the
// starting URLs, each URL once, robots.txt respected.
package crawl

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// UserAgent is how the crawler names itself, to servers and to
// robots.txt.
const UserAgent = "corio-crawl/1.0"

// Config is what to crawl and how.
type Config struct {
	Concurrency  int           // pages fetched at once, at least 1 (at most ConcurrencyBound)
	Depth        int           // links followed from a starting URL (0: the URLs only)
	Max          int           // pages in all, at most (0: no bound)
	PerHost      int           // pages fetched at once from one host (0: no bound but Concurrency)
	Timeout      time.Duration // per attempt at a page (0: none)
	Retries      int           // more attempts after a network error or a 5xx
	Backoff      time.Duration // before the first retry; doubles for each next one
	IgnoreRobots bool          // fetch what robots.txt disallows
	AnyHost      bool          // follow links (and redirects) to any host, not only the starting URLs' hosts
	Client       *http.Client  // nil: one on a chttp.Transport made for the crawl

	// Bounds on what one page may cost. A page cut at one is reported
	// (Page.Truncated), keeps what was read and the links found, and
	// counts as fetched.
	MaxBody  int64 // bytes of a body read, decompressed (0: DefaultMaxBody)
	MaxLinks int   // links taken from one page (0: DefaultMaxLinks)

	// Progress, if set, is called after each page with the pages done and
	// the pages known so far (done, running and queued).
	Progress func(done, known int)
}

// The bounds a page has when Config leaves them 0: colly's body bound,
// and more links than a page of a real site has.
const (
	DefaultMaxBody  = 10 << 20
	DefaultMaxLinks = 10000
)

func (c *Config) maxBody() int64 {
	if c.MaxBody == 0 {
		return DefaultMaxBody
	}
	return c.MaxBody
}

func (c *Config) maxLinks() int {
	if c.MaxLinks == 0 {
		return DefaultMaxLinks
	}
	return c.MaxLinks
}

// Validate reports the first setting that is wrong, naming it.
func (c *Config) Validate() error {
	if c.Concurrency < 1 {
		return fmt.Errorf("concurrency must be at least 1, got %d", c.Concurrency)
	}
	for _, f := range []struct {
		name     string
		value    any
		negative bool
	}{
		{"depth", c.Depth, c.Depth < 0},
		{"max", c.Max, c.Max < 0},
		{"per-host", c.PerHost, c.PerHost < 0},
		{"timeout", c.Timeout, c.Timeout < 0},
		{"retries", c.Retries, c.Retries < 0},
		{"backoff", c.Backoff, c.Backoff < 0},
		{"max-body", c.MaxBody, c.MaxBody < 0},
		{"max-links", c.MaxLinks, c.MaxLinks < 0},
	} {
		if f.negative {
			return fmt.Errorf("%s must not be negative, got %v", f.name, f.value)
		}
	}
	return nil
}

// A Page is the outcome of one URL.
type Page struct {
	URL    string  `json:"url"`
	Status int     `json:"status"` // 0 if no response came
	Bytes  int64   `json:"bytes"`  // of the body, as received (decompressed)
	MS     float64 `json:"ms"`     // from the first attempt to the end of the body
	Depth  int     `json:"depth"`
	Error  *string `json:"error"` // null when the page is ok
	// Truncated says what of the page was cut at the crawl's bounds
	// (MaxBody, MaxLinks); absent when nothing was.
	Truncated string `json:"truncated,omitempty"`
}

// OK reports whether the page was fetched with a status below 400.
func (p *Page) OK() bool { return p.Error == nil && p.Status > 0 && p.Status < 400 }

// Summary totals a crawl.
type Summary struct {
	Pages      int     `json:"pages"`
	OK         int     `json:"ok"`
	Failed     int     `json:"failed"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	PagesPerS  float64 `json:"pages_per_s"`
	Disallowed int     `json:"disallowed"` // URLs robots.txt kept the crawler from
	Truncated  int     `json:"truncated"`  // pages cut at the crawl's bounds (counted in OK or Failed too)
	// Interrupted reports a crawl that ended because its context did
	// (Ctrl-C): the totals are of the pages that ended before.
	Interrupted bool `json:"interrupted"`
}

// ParseSeed checks a starting URL: absolute, http or https, with a host.
func ParseSeed(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q has port %s; a port is 1 to 65535", raw, p)
		}
	}
	return normalize(u), nil
}

// Crawl fetches seeds and, to cfg.Depth, the pages they link to, calling
// onPage for each page as it ends, in a task of the hub of ctx. It
// returns the totals; an error only for bad input (a seed that is not a
// URL, a bad Config) or when ctx ends: the totals are then those of the
// pages that ended before, marked Interrupted, and the pages still being
// fetched are stopped and not reported.
func Crawl(ctx context.Context, cfg Config, seeds []string, onPage func(Page)) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if err := corio.InTask(ctx); err != nil {
		return Summary{}, fmt.Errorf("crawl: %w", err)
	}
	c := newCrawler(cfg, onPage)
	for _, raw := range seeds {
		u, err := ParseSeed(raw)
		if err != nil {
			return Summary{}, fmt.Errorf("crawl: starting URL: %w", err)
		}
		c.hosts[u.Host] = true
	}
	c.seeds = seeds
	start := corio.Now(ctx)
	err := c.run(ctx)
	c.sum.Interrupted = ctx.Err() != nil
	c.sum.Seconds = corio.Now(ctx).Sub(start).Seconds()
	if c.sum.Seconds > 0 {
		c.sum.PagesPerS = float64(c.sum.Pages) / c.sum.Seconds
	}
	if tr, ok := c.client.Transport.(*chttp.Transport); ok && cfg.Client == nil {
		tr.CloseIdleConnections()
	}
	return c.sum, err
}

// crawler is one crawl's state, owned by the hub's goroutine.
type crawler struct {
	cfg     Config
	client  *http.Client // for robots.txt: the Config's, as it is
	pages   *http.Client // for pages: client with the crawl's redirect policy
	onPage  func(Page)
	hosts   map[string]bool     // the starting URLs' hosts (host:port)
	seeds   []string            // the starting URLs, taken in order before the queue
	seen    map[uint64]struct{} // the fingerprint of every URL met, normalized
	seed    maphash.Seed        // of the fingerprints
	queued  int                 // URLs queued to fetch, for Max
	queue   []target            // URLs found in pages, waiting for a fetcher, breadth first
	work    corio.Event         // set when the queue gains a URL or a fetch ends
	active  int                 // fetches running
	slots   int                 // fetches that may run at once
	perHost map[string]*corio.Semaphore
	robots  map[string]*robotsRules
	sum     Summary
}

// A target is a URL queued, as text: a parsed URL is several times the
// size, and a crawl may queue a long list at once.
type target struct {
	url   string
	depth int
}

func newCrawler(cfg Config, onPage func(Page)) *crawler {
	slots := cfg.slots()
	client := cfg.Client
	if client == nil {
		client = &http.Client{Transport: &chttp.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: slots,
			MaxIdleConns:        slots, // with the fetches, within the descriptors (ConcurrencyBound)
			IdleConnTimeout:     90 * time.Second,
			DialTimeout:         30 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		}}
	}
	pages := *client
	c := &crawler{
		cfg: cfg, client: client, pages: &pages, onPage: onPage, slots: slots,
		hosts: map[string]bool{}, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed(),
		perHost: map[string]*corio.Semaphore{}, robots: map[string]*robotsRules{},
	}
	pages.CheckRedirect = c.checkRedirect(client.CheckRedirect)
	return c
}

// errNotFollowed marks a redirect the crawl does not follow: not retried,
// since another try would be redirected the same way.
var errNotFollowed = errors.New("redirect not followed")

// maxRedirects is how many redirects a page may take, as http.Client's.
const maxRedirects = 10

// checkRedirect is the crawl's redirect policy, then the client's own:
// a page is redirected within the crawl's rules (http and https only, the
// starting URLs' hosts unless AnyHost, what robots.txt of the target's
// host allows) and at most maxRedirects times.
func (c *crawler) checkRedirect(then func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		u := normalize(req.URL)
		switch {
		case len(via) >= maxRedirects:
			return fmt.Errorf("%w: stopped after %d redirects", errNotFollowed, maxRedirects)
		case u.Scheme != "http" && u.Scheme != "https":
			return fmt.Errorf("%w: to %s, not an http or https URL", errNotFollowed, u.Redacted())
		case !c.cfg.AnyHost && !c.hosts[u.Host]:
			return fmt.Errorf("%w: to %s, another host (--any-host follows it)", errNotFollowed, u.Redacted())
		case !c.cfg.IgnoreRobots && !c.allowed(req.Context(), u):
			c.sum.Disallowed++
			return fmt.Errorf("%w: to %s, which robots.txt disallows", errNotFollowed, u.Redacted())
		}
		if then != nil {
			return then(req, via)
		}
		return nil
	}
}

// enqueue queues u, whose text is key, at depth unless it was queued
// before, robots.txt (known already for its host) disallows it, or the
// crawl has its Max.
func (c *crawler) enqueue(key string, u *url.URL, depth int) {
	if c.admit(key, u) {
		c.queue = append(c.queue, target{key, depth})
		c.work.Set()
	}
}

// admit reports whether u, whose text is key, is to be fetched: met for
// the first time, not disallowed by robots.txt as far as is known, and
// within Max. URLs are told apart by a 64-bit fingerprint of their text,
// which keeps a long crawl's memory small (two URLs of a million share
// one with a chance of 1 in 36 million).
func (c *crawler) admit(key string, u *url.URL) bool {
	if c.cfg.Max > 0 && c.queued >= c.cfg.Max {
		return false
	}
	fp := maphash.String(c.seed, key)
	if _, met := c.seen[fp]; met {
		return false
	}
	c.seen[fp] = struct{}{}
	if rules := c.robots[origin(u)]; !c.cfg.IgnoreRobots && rules != nil && rules.ready.IsSet() && !rules.allow(u) {
		c.sum.Disallowed++
		return false
	}
	c.queued++
	return true
}

// next takes the next URL to fetch: the starting URLs first, in order,
// then those found in pages. A starting URL comes parsed already (u);
// one from the queue, as text only (u is nil).
func (c *crawler) next() (tg target, u *url.URL, ok bool) {
	for len(c.seeds) > 0 {
		raw := c.seeds[0]
		c.seeds = c.seeds[1:]
		u, _ := ParseSeed(raw) // checked by Crawl
		key := u.String()
		if key == raw {
			key = raw // the caller's string: a long list is held once, not twice
		}
		if c.admit(key, u) {
			return target{key, 0}, u, true
		}
	}
	if len(c.queue) == 0 {
		return target{}, nil, false
	}
	tg = c.queue[0]
	c.queue[0] = target{}
	c.queue = c.queue[1:]
	return tg, nil, true
}

// run hands queued URLs to fetching tasks, at most Concurrency at once,
// until the queue is empty and no fetch runs (one could still add to it).
func (c *crawler) run(ctx context.Context) error {
	g := corio.NewGroup()
	defer g.Kill()
	for {
		for c.active < c.slots {
			tg, u, ok := c.next()
			if !ok {
				break
			}
			c.active++
			if _, err := g.Spawn(ctx, func(ctx context.Context) error {
				defer func() { c.active--; c.work.Set() }()
				c.visit(ctx, tg, u)
				return nil
			}); err != nil {
				return err
			}
		}
		if len(c.queue) == 0 && len(c.seeds) == 0 && c.active == 0 {
			return nil
		}
		c.work.Clear()
		if err := c.work.Wait(ctx); err != nil {
			return err
		}
	}
}

// visit fetches one URL (u, tg's URL parsed, if next had it), if
// robots.txt allows, reports it and queues its links.
func (c *crawler) visit(ctx context.Context, tg target, u *url.URL) {
	if u == nil {
		var err error
		if u, err = url.Parse(tg.url); err != nil { // cannot fail: it was a URL's text
			panic(fmt.Sprintf("crawl: queued URL %q does not parse: %v", tg.url, err))
		}
	}
	if !c.cfg.IgnoreRobots && !c.allowed(ctx, u) {
		c.sum.Disallowed++
		return
	}
	if c.cfg.PerHost > 0 {
		sem := c.perHost[u.Host]
		if sem == nil {
			sem = corio.NewSemaphore(c.cfg.PerHost)
			c.perHost[u.Host] = sem
		}
		if err := sem.Acquire(ctx); err != nil {
			return
		}
		defer sem.Release()
	}
	page, links := c.fetch(ctx, tg, u)
	if ctx.Err() != nil {
		return // stopped with the crawl: not a page's outcome
	}
	c.sum.Pages++
	c.sum.Bytes += page.Bytes
	if page.Truncated != "" {
		c.sum.Truncated++
	}
	if page.OK() {
		c.sum.OK++
	} else {
		c.sum.Failed++
	}
	if c.onPage != nil {
		c.onPage(page)
	}
	for _, l := range links {
		if c.cfg.AnyHost || c.hosts[l.Host] {
			c.enqueue(l.String(), l, tg.depth+1)
		}
	}
	if c.cfg.Progress != nil {
		c.cfg.Progress(c.sum.Pages, c.queued)
	}
}

// errorText is an error as a Page's Error.
func errorText(err error) *string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is the page's already
	}
	s := err.Error()
	return &s
}
