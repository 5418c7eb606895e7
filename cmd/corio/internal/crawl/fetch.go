package crawl

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
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
		status, n, ls, err := c.get(ctx, u, tg.depth < c.cfg.Depth)
		page.Status, page.Bytes, links = status, n, ls
		page.Error = nil
		if err != nil {
			page.Error = errorText(err)
		}
		// Retried: a 5xx, and a network error, before the response or
		// in its body; not a 4xx, which another try would not change.
		failed := status >= 500 || err != nil && status < 400
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
// if wanted, its links.
func (c *crawler) get(ctx context.Context, u *url.URL, wantLinks bool) (int, int64, []*url.URL, error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = corio.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "", nil)
	if err != nil {
		return 0, 0, nil, err
	}
	req.URL, req.Host = u, u.Host // u is this task's own: the request may hold it
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	body := &countingReader{r: resp.Body}
	var links []*url.URL
	if wantLinks && isHTML(resp.Header.Get("Content-Type")) {
		links = extractLinks(resp.Request.URL, body)
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return resp.StatusCode, body.n, links, fmt.Errorf("reading the body: %w", err)
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, body.n, links, fmt.Errorf("%s", resp.Status)
	}
	return resp.StatusCode, body.n, links, nil
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

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
