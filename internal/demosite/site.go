// Package demosite is the built-in site that `corio crawl` crawls when it
// is given no URL, and that the crawler's tests and benchmarks crawl: a
// tree of pages linked to each other, each answered after a fixed
// latency, served over HTTP/1.1 by tasks of a hub. On the virtual clock
// the latency takes no time, so a test crawls it in a deterministic order
// at once; on the real clock it is the seed's slow web server.
package demosite

import (
	"fmt"
	"strings"
	"time"
)

// A Site describes the demo site.
//
// "/" links to pages 1..Fanout; page N links to its children
// N*Fanout+1 .. N*Fanout+Fanout (those up to Pages), back to "/", to page
// 1, to "/private/N" (which /robots.txt disallows), to a page of another
// host, and to a fragment of itself: every kind of link a crawler must
// resolve, de-duplicate or leave alone.
type Site struct {
	Pages   int           // pages /p/1 .. /p/Pages
	Fanout  int           // children per page
	Latency time.Duration // before each answer
	Size    int           // bytes of filler text per page
}

// Default is the site `corio crawl` shows with no URL: 40 pages of about
// 2 KB, 50 ms each, four levels deep counting "/".
func Default() Site { return Site{Pages: 40, Fanout: 4, Latency: 50 * time.Millisecond, Size: 2000} }

// Depth is how many links from "/" the deepest page is.
func (s Site) Depth() int {
	d, last := 0, 0 // last: the highest page at depth d
	for last < s.Pages {
		d++
		last = last*s.Fanout + s.Fanout
	}
	return d
}

// Validate reports what is wrong with s.
func (s Site) Validate() error {
	switch {
	case s.Pages < 0:
		return fmt.Errorf("demosite: pages must not be negative, got %d", s.Pages)
	case s.Fanout < 1:
		return fmt.Errorf("demosite: fanout must be at least 1, got %d", s.Fanout)
	case s.Latency < 0:
		return fmt.Errorf("demosite: latency must not be negative, got %v", s.Latency)
	case s.Size < 0:
		return fmt.Errorf("demosite: size must not be negative, got %d", s.Size)
	}
	return nil
}

// Robots is the site's /robots.txt.
const Robots = "User-agent: *\nDisallow: /private/\n"

// OtherHost is the host of the site's one link off the site.
const OtherHost = "elsewhere.invalid"

// page renders the body of "/" (n == 0) or of page n.
func (s Site) page(n int) []byte {
	var b strings.Builder
	title := "corio demo site"
	if n > 0 {
		title = fmt.Sprintf("page %d", n)
	}
	fmt.Fprintf(&b, "<!doctype html>\n<html><head><title>%s</title></head><body>\n<h1>%s</h1>\n<ul>\n", title, title)
	for c := n*s.Fanout + 1; c <= n*s.Fanout+s.Fanout && c <= s.Pages; c++ {
		fmt.Fprintf(&b, "<li><a href=\"/p/%d\">page %d</a></li>\n", c, c)
	}
	b.WriteString("</ul>\n")
	if n > 0 {
		fmt.Fprintf(&b, "<p><a href=\"/\">home</a> <a href=\"../p/1\">first</a> <a href=\"#top\">top</a> "+
			"<a href=\"/private/%d\">private</a> <a href=\"http://%s/\">elsewhere</a> "+
			"<a href=\"mailto:nobody@%s\">mail</a></p>\n", n, OtherHost, OtherHost)
	}
	b.WriteString("<p>")
	filler := "Coroutines switch only when they would wait. "
	for b.Len() < s.Size {
		b.WriteString(filler)
	}
	b.WriteString("</p>\n</body></html>\n")
	return []byte(b.String())
}

// URLs lists the site's pages, "/" first, under base (its scheme and
// host, no trailing slash).
func (s Site) URLs(base string) []string {
	urls := []string{base + "/"}
	for n := 1; n <= s.Pages; n++ {
		urls = append(urls, fmt.Sprintf("%s/p/%d", base, n))
	}
	return urls
}
