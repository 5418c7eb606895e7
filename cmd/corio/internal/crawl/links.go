package crawl

import (
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// maxTokenBytes bounds the memory a single HTML token may take (a page
// that is one endless tag): past it, the links found so far are kept and
// the rest of the page is only counted.
const maxTokenBytes = 1 << 20

// extractLinks reads an HTML document and returns the URLs its a and
// area elements link to, resolved against base (and a <base href> in the
// document), normalized, http and https only, at most max of them (cut
// reports that there were more). It stops at the end of the document, a
// token over maxTokenBytes, the first read error (the caller reports
// that), or one link past max.
func extractLinks(base *url.URL, r io.Reader, max int) (links []*url.URL, cut bool) {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxTokenBytes)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return links, false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if !hasAttr || tag != "a" && tag != "area" && tag != "base" {
				continue
			}
			href, ok := attr(z, "href")
			if !ok {
				continue
			}
			ref, err := url.Parse(strings.TrimSpace(href))
			if err != nil {
				continue
			}
			abs := base.ResolveReference(ref)
			if tag == "base" {
				base = abs
				continue
			}
			if abs.Scheme != "http" && abs.Scheme != "https" || abs.Host == "" {
				continue
			}
			if len(links) == max {
				return links, true
			}
			links = append(links, normalize(abs))
		}
	}
}

// attr returns the value of the tag's attribute key.
func attr(z *html.Tokenizer, key string) (string, bool) {
	for {
		k, v, more := z.TagAttr()
		if string(k) == key {
			return string(v), true
		}
		if !more {
			return "", false
		}
	}
}

// normalize makes the form URLs are compared in: no fragment, lower-case
// host, no default port, "/" for an empty path.
func normalize(u *url.URL) *url.URL {
	n := *u
	n.Fragment, n.RawFragment = "", ""
	n.Host = strings.ToLower(n.Host)
	if port := n.Port(); port == "80" && n.Scheme == "http" || port == "443" && n.Scheme == "https" {
		n.Host = strings.TrimSuffix(n.Host, ":"+port)
	}
	if n.Path == "" && n.Opaque == "" {
		n.Path = "/"
	}
	return &n
}
