package crawl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/corio-go/corio"
)

// The bounds of the sitemap protocol (sitemaps.org), and of how many
// sitemaps a crawl reads.
const (
	maxSitemapURLs  = 50000    // locations in one file
	maxSitemapBytes = 50 << 20 // of one file, uncompressed
	maxSitemaps     = 100      // files read in all, indexes included
)

// sitemapEntries reads the sitemaps of the starting URLs' origins (those
// robots.txt names, else /sitemap.xml; the files a sitemap index lists,
// one level down) and returns the pages they list on the starting hosts,
// each once, as starting URLs, with the sitemap as their referrer. A
// sitemap that cannot be read is counted, with why, in the summary: the
// crawl goes on from the other URLs.
func (c *crawler) sitemapEntries(ctx context.Context, seeds []Entry) []Entry {
	hosts := map[string]bool{}
	for _, h := range SeedHosts(seeds) {
		hosts[h] = true
	}
	seen := map[string]bool{}
	for _, e := range seeds {
		seen[e.URL] = true
	}
	var queue []string
	origins := map[string]bool{}
	for _, e := range seeds {
		u, err := url.Parse(e.URL)
		if err != nil || origins[origin(u)] {
			continue
		}
		origins[origin(u)] = true
		queue = append(queue, c.sitemapsOf(ctx, u)...)
	}
	var found []Entry
	read := map[string]bool{}
	for len(queue) > 0 && len(read) < maxSitemaps && ctx.Err() == nil {
		sm := queue[0]
		queue = queue[1:]
		if read[sm] {
			continue
		}
		read[sm] = true
		locs, isIndex, err := c.readSitemap(ctx, sm)
		if err != nil {
			c.sum.SitemapErrors = append(c.sum.SitemapErrors, fmt.Sprintf("%s: %v", sm, err))
			continue
		}
		c.sum.Sitemaps++
		for _, loc := range locs {
			u, err := url.Parse(loc)
			if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
				continue
			}
			n := normalize(u)
			if isIndex {
				queue = append(queue, n.String())
				continue
			}
			s := n.String()
			if seen[s] || !c.cfg.AnyHost && !hosts[n.Host] || !c.cfg.followed(s) {
				continue
			}
			seen[s] = true
			found = append(found, Entry{URL: s, Referrer: sm})
		}
	}
	c.sum.SitemapURLs = len(found)
	return found
}

// sitemapsOf returns the sitemaps robots.txt of u's origin names, or its
// /sitemap.xml if it names none (or robots.txt is ignored).
func (c *crawler) sitemapsOf(ctx context.Context, u *url.URL) []string {
	if !c.cfg.IgnoreRobots {
		c.allowed(ctx, u) // reads robots.txt, once per origin
		if r := c.robots[origin(u)]; r != nil && r.data != nil && len(r.data.Sitemaps) > 0 {
			return r.data.Sitemaps
		}
	}
	return []string{origin(u) + "/sitemap.xml"}
}

// readSitemap fetches a sitemap (gzip-compressed or not) and returns the
// locations it lists, and whether it is an index of sitemaps.
func (c *crawler) readSitemap(ctx context.Context, sm string) (locs []string, isIndex bool, err error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = corio.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sm, nil)
	if err != nil {
		return nil, false, err
	}
	c.setHeader(req)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, false, errors.New(resp.Status)
	}
	body := bufio.NewReader(io.LimitReader(resp.Body, maxSitemapBytes))
	var r io.Reader = body
	if magic, _ := body.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) { // a .xml.gz file
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, false, err
		}
		r = io.LimitReader(zr, maxSitemapBytes)
	}
	return parseSitemap(r)
}

// parseSitemap reads a sitemap's <loc> elements: those of <url> elements
// in a <urlset>, or of <sitemap> elements in a <sitemapindex>.
func parseSitemap(r io.Reader) (locs []string, isIndex bool, err error) {
	d := xml.NewDecoder(r)
	root := ""
	inLoc := false
	var loc strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return locs, isIndex, fmt.Errorf("not a sitemap: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				if root != "urlset" && root != "sitemapindex" {
					return nil, false, fmt.Errorf("not a sitemap: the document is a <%s>", root)
				}
				isIndex = root == "sitemapindex"
			}
			if t.Name.Local == "loc" {
				inLoc = true
				loc.Reset()
			}
		case xml.CharData:
			if inLoc {
				loc.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "loc" && inLoc {
				inLoc = false
				locs = append(locs, strings.TrimSpace(loc.String()))
				if len(locs) == maxSitemapURLs {
					return locs, isIndex, nil
				}
			}
		}
	}
	if root == "" {
		return nil, false, errors.New("not a sitemap: empty")
	}
	return locs, isIndex, nil
}
