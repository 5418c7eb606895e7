package crawl

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/corio-go/corio/chttp"
)

// UserAgent is how the crawler names itself, to servers and to
// robots.txt, unless Config.UserAgent says otherwise.
const UserAgent = "corio-crawl/1.0"

// Config is what to crawl and how. Concurrency is the only setting
// without a usable zero value.
type Config struct {
	Concurrency int           // pages fetched at once, at least 1 (at most ConcurrencyBound)
	Depth       int           // links followed from a starting URL (0: the URLs only; -1: no bound but Max and the hosts)
	Max         int           // pages in all, at most (0: no bound)
	PerHost     int           // pages fetched at once from one host (0: no bound but Concurrency)
	Delay       time.Duration // between the starts of two fetches from one host, in this process (robots.txt's Crawl-delay if longer, up to 30 s)
	Timeout     time.Duration // per attempt at a page (0: none)
	Retries     int           // more attempts after a network error or a 5xx
	Backoff     time.Duration // before the first retry; doubles for each next one
	// MaxRetryAfter bounds the Retry-After of a 429 or 503 answer that
	// the crawl waits for before its next attempt (0: one minute); a page
	// asking more fails with its status.
	MaxRetryAfter time.Duration
	IgnoreRobots  bool // fetch what robots.txt disallows
	AnyHost       bool // follow links (and redirects) to any host, not only the starting URLs' hosts

	// Allow and Deny filter the links followed and the redirects taken,
	// on the URL's text, normalized (colly's URLFilters and
	// DisallowedURLFilters): with Allow set, a URL must match one of
	// them; it must match none of Deny. Starting URLs are not filtered.
	Allow []*regexp.Regexp
	Deny  []*regexp.Regexp

	// The requests: User-Agent ("": UserAgent; also the name robots.txt
	// is read for) and more header fields sent with each.
	UserAgent string
	Header    http.Header
	Client    *http.Client // nil: one on a chttp.Transport made for the crawl
	// Insecure accepts any certificate (self-signed, expired, of another
	// name) from the servers, on the client the crawl makes (not on
	// Client). Without it a certificate that does not verify fails its
	// page at once: another attempt would not change it.
	Insecure bool

	// Sitemaps adds to the starting URLs the pages the sitemaps of their
	// sites list (sitemaps.org): those robots.txt names, else
	// /sitemap.xml; gzip-compressed or not; an index's sitemaps one level
	// down; at most 100 files of 50,000 URLs. Only pages on the starting
	// URLs' hosts (unless AnyHost) and through the URL filters are taken.
	Sitemaps bool

	// Requisites also fetches what each HTML page needs to be displayed
	// (wget's --page-requisites): its images, style sheets, scripts,
	// icons and media, at most 100 per page, on the hosts and through the
	// filters links are, and even from the pages at Depth, whose links are
	// not followed.
	Requisites bool

	// Bounds on what one page may cost. A page cut at one is reported
	// (Page.Truncated), keeps what was read and the links found, and
	// counts as fetched.
	MaxBody  int64 // bytes of a body read, decompressed (0: DefaultMaxBody)
	MaxLinks int   // links taken from one page (0: DefaultMaxLinks)

	// KeepBody keeps each page's body in Page.Body (within MaxBody) for
	// the page callback; without it the body is read and counted only.
	KeepBody bool

	// OnHTML is called, in the page's task, for each element of an HTML
	// page that a rule's CSS selector matches, in document order, before
	// the page callback (colly's OnHTML). Pages with rules are parsed
	// whole (golang.org/x/net/html), which costs more than the link scan
	// of pages without.
	OnHTML []HTMLRule

	// WARC, if set, archives every page's exchanges (see WARC), written
	// before the page is reported. It needs the crawl's own client, or a
	// Client on a chttp.Transport, which records the bytes as they cross
	// the connection. The crawl does not close it.
	WARC *WARC

	// Mirror, if set, saves every page fetched with a status below 400
	// as a file, as wget --mirror lays them out (see Mirror), before the
	// page is reported. It implies KeepBody. The crawl does not close it.
	Mirror *Mirror

	// Frontier holds the crawl's URLs (nil: NewMemoryFrontier). One shared
	// by several processes makes them workers of one crawl.
	Frontier Frontier

	// Progress, if set, is called after each page with the pages done
	// (by this process) and the URLs admitted so far (by it).
	Progress func(done, known int)
}

// An HTMLRule calls Do for each element Selector matches.
type HTMLRule struct {
	Selector string // CSS, as github.com/andybalholm/cascadia reads it
	Do       func(ctx context.Context, p *Page, e *html.Node)
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

// DefaultMaxRetryAfter is MaxRetryAfter when the Config leaves it 0.
const DefaultMaxRetryAfter = time.Minute

func (c *Config) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter == 0 {
		return DefaultMaxRetryAfter
	}
	return c.MaxRetryAfter
}

func (c *Config) userAgent() string {
	if c.UserAgent == "" {
		return UserAgent
	}
	return c.UserAgent
}

// settings are what the workers of one crawl agree on.
func (c *Config) settings() Settings {
	return Settings{Depth: c.Depth, Max: c.Max, PerHost: c.PerHost, AnyHost: c.AnyHost, IgnoreRobots: c.IgnoreRobots}
}

// Adopt sets what the workers of one crawl agree on (Depth, Max, PerHost,
// AnyHost, IgnoreRobots) to s: for a worker that joins a shared crawl
// with the settings the crawl keeps.
func (c *Config) Adopt(s Settings) {
	c.Depth, c.Max, c.PerHost, c.AnyHost, c.IgnoreRobots = s.Depth, s.Max, s.PerHost, s.AnyHost, s.IgnoreRobots
}

// Validate reports the first setting that is wrong, naming it.
func (c *Config) Validate() error {
	if c.Concurrency < 1 {
		return fmt.Errorf("concurrency must be at least 1, got %d", c.Concurrency)
	}
	if c.Depth < -1 {
		return fmt.Errorf("depth must be -1 (no bound) or more, got %d", c.Depth)
	}
	for _, f := range []struct {
		name     string
		value    any
		negative bool
	}{
		{"max", c.Max, c.Max < 0},
		{"per-host", c.PerHost, c.PerHost < 0},
		{"delay", c.Delay, c.Delay < 0},
		{"timeout", c.Timeout, c.Timeout < 0},
		{"retries", c.Retries, c.Retries < 0},
		{"backoff", c.Backoff, c.Backoff < 0},
		{"max-retry-after", c.MaxRetryAfter, c.MaxRetryAfter < 0},
		{"max-body", c.MaxBody, c.MaxBody < 0},
		{"max-links", c.MaxLinks, c.MaxLinks < 0},
	} {
		if f.negative {
			return fmt.Errorf("%s must not be negative, got %v", f.name, f.value)
		}
	}
	for i, re := range c.Allow {
		if re == nil {
			return fmt.Errorf("allow filter %d is nil", i)
		}
	}
	for i, re := range c.Deny {
		if re == nil {
			return fmt.Errorf("deny filter %d is nil", i)
		}
	}
	if _, err := c.compileRules(); err != nil {
		return err
	}
	if c.WARC != nil && c.Client != nil {
		if _, ok := c.Client.Transport.(*chttp.Transport); !ok {
			return fmt.Errorf("a WARC needs a Client on a *chttp.Transport (this one's is %T), which records the bytes as they cross the connection", c.Client.Transport)
		}
	}
	return nil
}

// follows reports whether the crawl takes the links of a page at depth.
func (c *Config) follows(depth int) bool { return c.Depth < 0 || depth < c.Depth }

// keepsBody reports whether the crawl keeps its pages' bodies.
func (c *crawler) keepsBody() bool { return c.cfg.KeepBody || c.cfg.Mirror != nil }

// keepsFiles reports whether the crawl writes what it fetched to files.
func (c *crawler) keepsFiles() bool { return c.cfg.WARC != nil || c.cfg.Mirror != nil }

// recording reports whether the crawl records its pages' exchanges.
func (c *crawler) recording() bool { return c.cfg.WARC != nil }

// A compiledRule is an HTMLRule with its selector read.
type compiledRule struct {
	sel      cascadia.Selector
	selector string // as given, for messages
	do       func(ctx context.Context, p *Page, e *html.Node)
}

func (c *Config) compileRules() ([]compiledRule, error) {
	var rules []compiledRule
	for i, r := range c.OnHTML {
		sel, err := cascadia.Compile(r.Selector)
		if err != nil {
			return nil, fmt.Errorf("OnHTML rule %d: selector %q: %v", i, r.Selector, err)
		}
		if r.Do == nil {
			return nil, fmt.Errorf("OnHTML rule %d (%q) has no Do", i, r.Selector)
		}
		rules = append(rules, compiledRule{sel, r.Selector, r.Do})
	}
	return rules, nil
}

// followed reports whether the filters let the crawl follow a URL.
func (c *Config) followed(u string) bool {
	for _, re := range c.Deny {
		if re.MatchString(u) {
			return false
		}
	}
	if len(c.Allow) == 0 {
		return true
	}
	for _, re := range c.Allow {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}
