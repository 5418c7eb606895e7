package crawl

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// ParseSeed checks a starting URL: absolute, http or https, with a host.
// It returns the URL normalized.
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

// settleTimeout bounds the frontier calls that settle a page or a lease
// (its outcome, the giving back of a lease, a host's slot): they run even
// when the crawl is being stopped, on a context of their own.
const settleTimeout = 5 * time.Second

// Crawl fetches seeds and, to cfg.Depth, the pages they link to, calling
// onPage (if not nil) for each page as it ends, in the page's task of the
// hub of ctx: it may wait (cooperatively), and the crawl goes on
// meanwhile. It returns this process's totals; an error for bad input (a
// seed that is not a URL, a bad Config), a frontier that fails, or when
// ctx ends: the totals are then those of the pages that ended before,
// marked Interrupted, and the pages still being fetched are stopped, not
// reported, and given back to the frontier.
//
// A panic in a callback (onPage, an OnHTML rule) fails that page, with a
// *CallbackPanic as its error, and the crawl goes on; once it has ended,
// Crawl returns the first such panic, wrapped, with the count in
// Summary.Panics.
func Crawl(ctx context.Context, cfg Config, seeds []string, onPage func(ctx context.Context, p *Page)) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if err := corio.InTask(ctx); err != nil {
		return Summary{}, fmt.Errorf("crawl: %w", err)
	}
	entries := make([]Entry, 0, len(seeds))
	for _, raw := range seeds {
		u, err := ParseSeed(raw)
		if err != nil {
			return Summary{}, fmt.Errorf("crawl: starting URL: %w", err)
		}
		key := u.String()
		if key == raw {
			key = raw // the caller's string: a long list is held once, not twice
		}
		entries = append(entries, Entry{URL: key})
	}
	c := newCrawler(cfg, onPage)
	if cfg.Sitemaps {
		entries = append(entries, c.sitemapEntries(ctx, entries)...)
	}
	hosts, admitted, err := c.front.Open(ctx, cfg.settings(), entries)
	if err != nil {
		return Summary{}, fmt.Errorf("crawl: %w", err)
	}
	for _, h := range hosts {
		c.hosts[h] = true
	}
	c.known = admitted
	start := corio.Now(ctx)
	err = c.run(ctx)
	if err != nil || len(c.leased) > 0 {
		// Stopped: what was taken and not fetched goes back, for the next
		// worker or run (and what the frontier took ahead for this one).
		// Not with ctx, which has ended.
		rctx, cancel := corio.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
		unfinished := make([]Entry, 0, len(c.leased))
		for e := range c.leased {
			unfinished = append(unfinished, e)
		}
		if rerr := c.front.GiveBack(rctx, unfinished); rerr != nil && err == nil {
			err = fmt.Errorf("crawl: giving back %d unfinished URLs: %w", len(unfinished), rerr)
		}
		cancel()
	}
	if err == nil {
		err = c.panicsError()
	}
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

// settling returns the context for a call that settles a page or a
// lease: ctx while the crawl runs, and once it has stopped, one of the
// call's own, bounded by settleTimeout. (Not always the latter: a timer
// per page would cost more than the rest of a page's bookkeeping.)
func settling(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return corio.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
}

// crawler is one crawl's state in this process, owned by the hub's
// goroutine.
type crawler struct {
	cfg        Config
	rules      []compiledRule
	front      Frontier
	client     *http.Client // for robots.txt: the Config's, as it is
	pages      *http.Client // for pages: client with the crawl's redirect policy
	onPage     func(context.Context, *Page)
	hosts      map[string]bool // the starting URLs' hosts (host:port), all workers'
	known      int             // URLs this process admitted, for Progress
	leased     map[Entry]struct{}
	work       corio.Event // set when a fetch ends
	active     int         // fetch slots taken
	slots      int         // fetches that may run at once
	visits     int         // visits' tasks running: a visit frees its slot before it settles with the frontier
	reporting  int         // visits reporting their page: a stop waits for them (awaitReports)
	robots     map[string]*robotsRules
	nextStart  map[string]time.Time // per host, for Delay
	disallowed map[uint64]struct{}  // fingerprints of the URLs counted in Disallowed
	seed       maphash.Seed         // of those fingerprints
	cancel     context.CancelFunc   // of the crawl, on a failure
	err        error                // the first failure that stopped the crawl
	firstPanic *CallbackPanic       // the first callback's panic (see CallbackPanic)
	sum        Summary
}

func newCrawler(cfg Config, onPage func(context.Context, *Page)) *crawler {
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
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: cfg.Insecure},
		}}
	}
	front := cfg.Frontier
	if front == nil {
		front = NewMemoryFrontier()
	}
	rules, _ := cfg.compileRules() // checked by Validate
	pages := *client
	c := &crawler{
		cfg: cfg, rules: rules, front: front, client: client, pages: &pages, onPage: onPage, slots: slots,
		hosts: map[string]bool{}, leased: map[Entry]struct{}{}, robots: map[string]*robotsRules{},
		nextStart: map[string]time.Time{}, disallowed: map[uint64]struct{}{}, seed: maphash.MakeSeed(),
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
// starting URLs' hosts unless AnyHost, the URL filters, what robots.txt
// of the target's host allows) and at most maxRedirects times.
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
		case !c.cfg.followed(u.String()):
			return fmt.Errorf("%w: to %s, which the URL filters leave out", errNotFollowed, u.Redacted())
		case !c.cfg.IgnoreRobots && !c.allowed(req.Context(), u):
			c.countDisallowed(u.String())
			return fmt.Errorf("%w: to %s, which robots.txt disallows", errNotFollowed, u.Redacted())
		}
		if then != nil {
			return then(req, via)
		}
		return nil
	}
}

// countDisallowed counts a URL robots.txt disallows, once.
func (c *crawler) countDisallowed(u string) {
	fp := maphash.String(c.seed, u)
	if _, ok := c.disallowed[fp]; !ok {
		c.disallowed[fp] = struct{}{}
		c.sum.Disallowed++
	}
}

// fail stops the crawl with err, unless it was stopped already.
func (c *crawler) fail(err error) {
	if c.err == nil {
		c.err = err
		if c.cancel != nil { // nil before the crawl runs (reading sitemaps)
			c.cancel()
		}
	}
}

// run takes URLs from the frontier and fetches them, each in a task, at
// most slots at once, until the frontier says the crawl is over and every
// fetch has ended.
func (c *crawler) run(ctx context.Context) error {
	ctx, c.cancel = corio.WithCancel(ctx)
	defer c.cancel()
	g := corio.NewGroup()
	defer g.Kill()
	if _, err := g.Spawn(ctx, func(ctx context.Context) error {
		if err := c.front.Keep(ctx); err != nil && ctx.Err() == nil {
			c.fail(fmt.Errorf("crawl: frontier: %w", err))
		}
		return nil
	}); err != nil {
		return err
	}
	stopped := func(err error) error {
		c.awaitReports(ctx)
		if c.err != nil {
			return c.err
		}
		return err
	}
	for {
		// A visit frees its slot once fetched (see report): the visits
		// still writing what they keep are bounded by as many again.
		for c.active >= c.slots || c.visits >= 2*c.slots {
			if err := c.waitWork(ctx); err != nil {
				return stopped(err)
			}
		}
		taken, finished, err := c.front.Take(ctx, c.slots-c.active)
		if err != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("crawl: frontier: %w", err)
			}
			return stopped(err)
		}
		if finished {
			for c.visits > 0 { // the ends of visits whose leases ended
				if err := c.waitWork(ctx); err != nil {
					return stopped(err)
				}
			}
			return c.err
		}
		for _, e := range taken {
			c.active++
			c.visits++
			c.leased[e] = struct{}{}
			if _, err := g.Spawn(ctx, func(ctx context.Context) error {
				v := visit{c: c, e: e}
				defer func() { v.freeSlot(); c.visits--; c.work.Set() }()
				v.run(ctx)
				return nil
			}); err != nil {
				return stopped(err)
			}
		}
	}
}

// awaitReports waits, when the crawl stops, for the visits that are
// reporting a page (printed, perhaps, and being recorded done), within
// settleTimeout: killed there, a page reported would be fetched again by
// the next run or worker.
func (c *crawler) awaitReports(ctx context.Context) {
	if c.reporting == 0 {
		return
	}
	wctx, cancel := corio.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	for c.reporting > 0 {
		c.work.Clear()
		if c.work.Wait(wctx) != nil {
			return
		}
	}
}

func (c *crawler) waitWork(ctx context.Context) error {
	c.work.Clear()
	return c.work.Wait(ctx)
}

// A visit is one URL's task: it fetches the URL, if robots.txt allows,
// reports it and gives the frontier its outcome and the links to follow.
// It holds a fetch slot until the page is reported: the frontier's
// bookkeeping (a round trip to Redis) does not keep the next fetch
// waiting.
type visit struct {
	c     *crawler
	e     Entry
	freed bool
}

// freeSlot gives the visit's fetch slot back, once.
func (v *visit) freeSlot() {
	if !v.freed {
		v.freed = true
		v.c.active--
		v.c.work.Set()
	}
}

func (v *visit) run(ctx context.Context) {
	c, e := v.c, v.e
	defer func() {
		if r := recover(); r != nil { // the crawler's own (the callbacks' are the page's)
			c.fail(fmt.Errorf("crawl: page %s: panic: %v\n%s", e.URL, r, debug.Stack()))
		}
	}()
	u, err := url.Parse(e.URL)
	if err != nil { // from a frontier shared with others: report, do not trust
		page := Page{URL: e.URL, Depth: e.Depth, Referrer: e.Referrer, Time: corio.Now(ctx)}
		page.setError(fmt.Errorf("not a URL: %w", err))
		c.report(ctx, v, &page, nil, nil)
		return
	}
	if !c.cfg.IgnoreRobots && !c.allowed(ctx, u) {
		if ctx.Err() == nil {
			c.countDisallowed(e.URL)
			v.freeSlot()
			c.done(ctx, e, Skipped, nil)
		}
		return
	}
	if c.cfg.PerHost > 0 {
		if err := c.front.EnterHost(ctx, u.Host, c.cfg.PerHost, e); err != nil {
			if ctx.Err() == nil {
				c.fail(fmt.Errorf("crawl: frontier: %w", err))
			}
			return
		}
		defer func() {
			// Even when the crawl was stopped: the slot is the crawl's.
			ctx, cancel := settling(ctx)
			defer cancel()
			if err := c.front.LeaveHost(ctx, u.Host, e); err != nil && ctx.Err() == nil {
				c.fail(fmt.Errorf("crawl: frontier: %w", err))
			}
		}()
	}
	if err := c.waitTurn(ctx, u); err != nil {
		return
	}
	page, links, requisites := c.fetch(ctx, e, u)
	if ctx.Err() != nil {
		return // stopped with the crawl: not a page's outcome
	}
	c.report(ctx, v, &page, links, requisites)
}

// report counts a page, calls the callbacks, and gives the frontier its
// outcome with the links to follow.
func (c *crawler) report(ctx context.Context, v *visit, page *Page, links, requisites []*url.URL) {
	e := v.e
	c.reporting++
	defer func() { c.reporting--; c.work.Set() }()
	if c.keepsFiles() {
		// Fetched: the next fetch need not wait for the files' writes,
		// which a burst of pages ending together queues.
		v.freeSlot()
	}
	if err := c.keep(ctx, page); err != nil {
		// Not reported, nor done: the page stays leased, and is given back
		// for the next run to fetch again.
		if ctx.Err() == nil {
			c.fail(fmt.Errorf("crawl: page %s: %w", e.URL, err))
		}
		return
	}
	c.sum.Pages++
	c.sum.Bytes += page.Bytes
	if page.Truncated != "" {
		c.sum.Truncated++
	}
	found := c.follow(links, page.Links, e) // before the callback, which may change page.Links
	found = append(found, c.follow(requisites, nil, e)...)
	ok := page.OK() // as fetched: what the callback changes in the page does not count
	if c.onPage != nil && !c.callOnPage(ctx, page) {
		ok = false // the page callback panicked: the page failed
	}
	outcome := Failed
	if ok {
		c.sum.OK++
		outcome = Fetched
	} else {
		c.sum.Failed++
	}
	v.freeSlot()
	c.done(ctx, e, outcome, found)
	if c.cfg.Progress != nil {
		c.cfg.Progress(c.sum.Pages, c.known)
	}
}

// done ends e's lease with the frontier: even when the crawl is being
// stopped, since e was reported and must not be fetched again. (A stop
// that comes while the frontier records it may leave e leased, to be
// given back: e may then be fetched again, as a page in flight at a stop
// is.)
func (c *crawler) done(ctx context.Context, e Entry, o Outcome, found []Entry) {
	ctx, cancel := settling(ctx)
	defer cancel()
	admitted, err := c.front.Done(ctx, e, o, found)
	if err != nil {
		if ctx.Err() == nil {
			c.fail(fmt.Errorf("crawl: frontier: %w", err))
		}
		return
	}
	delete(c.leased, e)
	c.known += admitted
}

// follow returns the links of from's page the crawl follows, one level
// deeper: on its hosts (unless AnyHost), through the URL filters, and not
// disallowed by a robots.txt known already. texts are the links' texts,
// in order (nil: made here).
func (c *crawler) follow(links []*url.URL, texts []string, from Entry) []Entry {
	var found []Entry
	for i, l := range links {
		if !c.cfg.AnyHost && !c.hosts[l.Host] {
			continue
		}
		var s string
		if texts != nil {
			s = texts[i]
		} else {
			s = l.String()
		}
		if !c.cfg.followed(s) {
			continue
		}
		if rules := c.robots[origin(l)]; !c.cfg.IgnoreRobots && rules != nil && rules.ready.IsSet() && !rules.allow(l) {
			c.countDisallowed(s)
			continue
		}
		found = append(found, Entry{URL: s, Depth: from.Depth + 1, Referrer: from.URL})
	}
	return found
}

// waitTurn waits until a fetch from u's host may start under Delay, or
// the Crawl-delay of its robots.txt if longer, and books the next turn.
func (c *crawler) waitTurn(ctx context.Context, u *url.URL) error {
	host := u.Host
	delay := max(c.cfg.Delay, c.crawlDelay(u))
	if delay <= 0 {
		return nil
	}
	now := corio.Now(ctx)
	turn := c.nextStart[host]
	if !turn.After(now) {
		c.nextStart[host] = now.Add(delay)
		return nil
	}
	c.nextStart[host] = turn.Add(delay)
	return corio.Sleep(ctx, turn.Sub(now))
}
