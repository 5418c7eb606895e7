package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/corio-go/corio"
)

// fetch gets a page, retrying after network errors and 5xx answers, and
// returns it with the links of its body if it is HTML and its depth is
// below Depth.
func (c *crawler) fetch(ctx context.Context, tg target, u *url.URL) (Page, []*url.URL) {
	page := Page{URL: tg.url, Depth: tg.depth}
	start := corio.Now(ctx)
	var links []*url.URL
	for attempt := 0; ; attempt++ {
		status, n, ls, cut, err := c.get(ctx, u, tg.depth < c.cfg.Depth)
		page.Status, page.Bytes, links, page.Truncated = status, n, ls, cut
		page.Error = nil
		if err != nil {
			page.Error = errorText(err)
		}
		// Retried: a 5xx, and a network error, before the response or
		// in its body; not a 4xx, nor a redirect the crawl does not
		// follow, which another try would not change.
		failed := status >= 500 || err != nil && status < 400 && !errors.Is(err, errNotFollowed)
		retry := failed && attempt < c.cfg.Retries && ctx.Err() == nil
		if !retry {
			break
		}
		if corio.Sleep(ctx, c.cfg.Backoff<<attempt) != nil {
			break
		}
	}
	page.MS = float64(corio.Now(ctx).Sub(start)) / float64(time.Millisecond)
	return page, links
}

// get makes one attempt at a page: its status, the bytes of its body and,
// if wanted, its links, and what of the page was cut at the crawl's bounds
// ("" if nothing).
func (c *crawler) get(ctx context.Context, u *url.URL, wantLinks bool) (status int, n int64, links []*url.URL, cut string, err error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = corio.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "", nil)
	if err != nil {
		return 0, 0, nil, "", err
	}
	req.URL, req.Host = u, u.Host // u is this task's own: the request may hold it
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.pages.Do(req)
	if err != nil {
		return 0, 0, nil, "", err
	}
	defer resp.Body.Close()
	// Bounded by what it gives, decompressed, not by what the wire
	// carries: a small gzip response may unpack to gigabytes.
	body := &boundedReader{r: resp.Body, left: c.cfg.maxBody()}
	var linksCut bool
	if wantLinks && isHTML(resp.Header.Get("Content-Type")) {
		links, linksCut = extractLinks(resp.Request.URL, body, c.cfg.maxLinks())
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return resp.StatusCode, body.n, links, c.cut(body.cut, linksCut), fmt.Errorf("reading the body: %w", err)
	}
	cut = c.cut(body.cut, linksCut)
	if resp.StatusCode >= 400 {
		return resp.StatusCode, body.n, links, cut, fmt.Errorf("%s", resp.Status)
	}
	return resp.StatusCode, body.n, links, cut, nil
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
