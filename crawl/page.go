package crawl

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/corio-go/corio/chttp"
)

// A Page is the outcome of one URL. Its JSON form is `corio crawl
// --json`'s line per page.
type Page struct {
	URL    string  `json:"url"`
	Status int     `json:"status"` // 0 if no response came
	Bytes  int64   `json:"bytes"`  // of the body, as received (decompressed)
	MS     float64 `json:"ms"`     // from the first attempt to the end of the body
	Depth  int     `json:"depth"`
	Error  *string `json:"error"` // null when the page is ok
	// Referrer is the page the URL was found on (absent for a starting
	// URL); Final the URL the page came from after redirects (absent
	// when none). ContentType is the response's; Time when the first
	// attempt started.
	Referrer    string    `json:"referrer,omitempty"`
	Final       string    `json:"final_url,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Time        time.Time `json:"time"`
	// Truncated says what of the page was cut at the crawl's bounds
	// (MaxBody, MaxLinks); absent when nothing was.
	Truncated string `json:"truncated,omitempty"`

	// For the callbacks of a library user: the last attempt's error
	// (Error is its text), the response's header (nil if none came), the
	// body if Config.KeepBody, and the links found (normalized; only on
	// HTML pages above Depth), those the crawl follows or not.
	Err    error       `json:"-"`
	Header http.Header `json:"-"`
	Body   []byte      `json:"-"`
	Links  []string    `json:"-"`
	// Exchanges are the page's round trips as they crossed the
	// connection (every attempt, every redirect), when the crawl records
	// them: for a Config.WARC.
	Exchanges []*chttp.Exchange `json:"-"`
}

// OK reports whether the page was fetched with a status below 400.
func (p *Page) OK() bool { return p.Error == nil && p.Status > 0 && p.Status < 400 }

// Summary totals a crawl, of this process's pages.
type Summary struct {
	Pages      int     `json:"pages"`
	OK         int     `json:"ok"`
	Failed     int     `json:"failed"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	PagesPerS  float64 `json:"pages_per_s"`
	Disallowed int     `json:"disallowed"` // URLs found that robots.txt kept the crawler from, each once
	Truncated  int     `json:"truncated"`  // pages cut at the crawl's bounds (counted in OK or Failed too)
	Panics     int     `json:"panics"`     // pages failed by a panic in a callback (counted in Failed too; see CallbackPanic)
	// With Config.Sitemaps: the sitemaps read, the pages they added as
	// starting URLs, and each sitemap that could not be read, with why.
	Sitemaps      int      `json:"sitemaps,omitempty"`
	SitemapURLs   int      `json:"sitemap_urls,omitempty"`
	SitemapErrors []string `json:"sitemap_errors,omitempty"`
	// Interrupted reports a crawl that ended because its context did
	// (Ctrl-C): the totals are of the pages that ended before.
	Interrupted bool `json:"interrupted"`
}

// setError records an attempt's error (nil: none) on the page.
func (p *Page) setError(err error) {
	p.Err, p.Error = err, nil
	if err == nil {
		return
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is the page's already
	}
	s := err.Error()
	p.Error = &s
}
