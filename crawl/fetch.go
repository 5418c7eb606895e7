package crawl

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// maxRecordedHeader is the room a recorded response has beyond MaxBody:
// its header, and the framing of its body.
const maxRecordedHeader = 1 << 20

// fetch gets a page, retrying after network errors and 5xx answers, and
// returns it with the links of its body if it is HTML and its depth is
// below Depth. The OnHTML rules have been run on it.
func (c *crawler) fetch(ctx context.Context, e Entry, u *url.URL) (Page, []*url.URL, []*url.URL) {
	start := corio.Now(ctx)
	page := Page{URL: e.URL, Depth: e.Depth, Referrer: e.Referrer, Time: start}
	var rec *chttp.Recorder
	getCtx := ctx
	if c.recording() {
		// Every attempt's exchanges, each redirect's: the archive keeps them all.
		rec = &chttp.Recorder{Limit: c.cfg.maxBody() + maxRecordedHeader}
		getCtx = chttp.WithRecorder(ctx, rec)
	}
	var a attempt
	for n := 0; ; n++ {
		var err error
		a, err = c.get(getCtx, u, linkWants{links: c.cfg.follows(e.Depth), requisites: c.cfg.Requisites, max: c.cfg.maxLinks()})
		page.Status, page.Bytes, page.Truncated = a.status, a.n, a.cut
		page.Header, page.Body = a.header, a.body
		page.Final = ""
		if a.final != "" && a.final != e.URL {
			page.Final = a.final
		}
		if a.header != nil {
			page.ContentType = a.header.Get("Content-Type")
		}
		page.setError(err)
		// Retried: a 5xx, a 429, and a network error, before the
		// response or in its body; not another 4xx, nor a redirect the
		// crawl does not follow, which another try would not change.
		failed := a.status >= 500 || a.status == http.StatusTooManyRequests ||
			err != nil && a.status < 400 && !errors.Is(err, errNotFollowed) && !isCertificateError(err)
		retry := failed && n < c.cfg.Retries && ctx.Err() == nil
		if !retry {
			break
		}
		wait, ok := c.retryWait(a, n, corio.Now(ctx))
		if !ok {
			page.setError(fmt.Errorf("%w (Retry-After %v, over the %v bound: not waited for)", err, wait, c.cfg.maxRetryAfter()))
			break
		}
		if corio.Sleep(ctx, wait) != nil {
			break
		}
	}
	page.MS = float64(corio.Now(ctx).Sub(start)) / float64(time.Millisecond)
	if rec != nil {
		page.Exchanges = rec.Exchanges
	}
	for _, l := range a.links {
		page.Links = append(page.Links, l.String())
	}
	if a.doc != nil {
		c.runRules(ctx, &page, a.doc)
	}
	return page, a.links, a.requisites
}

// retryWait is the wait before attempt n+1 at a page: the Retry-After
// of a 429 or 503 answer (seconds or a date), if it gives one, else the
// doubling backoff. A Retry-After over MaxRetryAfter is not waited for
// (false).
func (c *crawler) retryWait(a attempt, n int, now time.Time) (time.Duration, bool) {
	backoff := c.cfg.Backoff << n
	if a.status != http.StatusTooManyRequests && a.status != http.StatusServiceUnavailable {
		return backoff, true
	}
	v := strings.TrimSpace(a.header.Get("Retry-After"))
	if v == "" {
		return backoff, true
	}
	var wait time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		wait = time.Duration(min(secs, 1<<32)) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		wait = max(0, at.Sub(now))
	} else {
		return backoff, true // unreadable: as if absent
	}
	return wait, wait <= c.cfg.maxRetryAfter()
}

// An attempt is what one try at a page got.
type attempt struct {
	status int
	n      int64 // bytes of the body read
	header http.Header
	body   []byte     // if kept
	doc    *html.Node // if parsed, for OnHTML
	links  []*url.URL
	// requisites are what the page needs to be displayed (images, style
	// sheets, scripts), if Config.Requisites.
	requisites []*url.URL
	cut        string // what of the page was cut at the crawl's bounds ("": nothing)
	final      string // the URL the response came from, after redirects
}

// get makes one attempt at a page: its status, header, body (counted,
// kept if asked) and, as wanted, its links and requisites.
func (c *crawler) get(ctx context.Context, u *url.URL, want linkWants) (a attempt, err error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = corio.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "", nil)
	if err != nil {
		return a, err
	}
	req.URL, req.Host = u, u.Host // u is this task's own: the request may hold it
	c.setHeader(req)
	resp, err := c.pages.Do(req)
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	a.status, a.header = resp.StatusCode, resp.Header
	a.final = normalize(resp.Request.URL).String()
	// Bounded by what it gives, decompressed, not by what the wire
	// carries: a small gzip response may unpack to gigabytes.
	body := &boundedReader{r: resp.Body, left: c.cfg.maxBody()}
	isPage := isHTML(resp.Header.Get("Content-Type"))
	var linksCut bool
	switch {
	case c.keepsBody() || isPage && len(c.rules) > 0:
		a.body, err = io.ReadAll(body)
		a.n = body.n
		if isPage && len(c.rules) > 0 {
			a.doc, a.links, a.requisites, linksCut = parseHTML(resp.Request.URL, a.body, want)
		} else if isPage && (want.links || want.requisites) {
			a.links, a.requisites, linksCut = extractLinks(resp.Request.URL, bytes.NewReader(a.body), want)
		}
		if !c.keepsBody() {
			a.body = nil
		}
	default:
		if isPage && (want.links || want.requisites) {
			a.links, a.requisites, linksCut = extractLinks(resp.Request.URL, body, want)
		}
		_, err = io.Copy(io.Discard, body)
		a.n = body.n
	}
	a.cut = c.cut(body.cut, linksCut)
	if err != nil {
		return a, fmt.Errorf("reading the body: %w", err)
	}
	if resp.StatusCode >= 400 {
		return a, fmt.Errorf("%s", resp.Status)
	}
	return a, nil
}

// setHeader puts the crawl's header fields on a request.
func (c *crawler) setHeader(req *http.Request) {
	for k, vs := range c.cfg.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("User-Agent", c.cfg.userAgent())
}

// cut says what of a page was cut at the crawl's bounds, or "".
func (c *crawler) cut(body, links bool) string {
	var parts []string
	if body {
		parts = append(parts, fmt.Sprintf("body over %d bytes, the rest not read", c.cfg.maxBody()))
	}
	if links {
		parts = append(parts, fmt.Sprintf("over %d links, the rest not followed", c.cfg.maxLinks()))
	}
	return strings.Join(parts, "; ")
}

// boundedReader reads at most left bytes of r, then reports the end, and
// whether r had more (cut).
type boundedReader struct {
	r    io.Reader
	left int64
	n    int64 // bytes read
	cut  bool  // r had more than the bound
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		if !b.cut {
			var probe [1]byte
			m, _ := io.ReadFull(b.r, probe[:])
			b.cut = m > 0
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.left -= int64(n)
	return n, err
}

// isHTML reports whether a Content-Type is HTML (or missing: sniffing is
// the tokenizer's job then).
func isHTML(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// isCertificateError reports whether err is a server's certificate that
// did not verify: unknown authority, expired, of another name. Another
// attempt would get the same certificate.
func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host)
}
