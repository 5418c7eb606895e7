package crawl

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxTokenBytes bounds the memory a single HTML token may take (a page
// that is one endless tag): past it, the links found so far are kept and
// the rest of the page is only counted.
const maxTokenBytes = 1 << 20

// A linkCollector gathers the links of a document in order: the targets
// of a and area elements, resolved against the document's URL and its
// <base href>, normalized, http and https only, at most max.
type linkCollector struct {
	base  *url.URL
	max   int
	links []*url.URL
	cut   bool // there were more than max
}

// element takes an element's tag and href; it reports false once there
// are more links than max.
func (lc *linkCollector) element(tag, href string) bool {
	if tag != "a" && tag != "area" && tag != "base" {
		return true
	}
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return true
	}
	abs := lc.base.ResolveReference(ref)
	if tag == "base" {
		lc.base = abs
		return true
	}
	if abs.Scheme != "http" && abs.Scheme != "https" || abs.Host == "" {
		return true
	}
	if len(lc.links) == lc.max {
		lc.cut = true
		return false
	}
	lc.links = append(lc.links, normalize(abs))
	return true
}

// extractLinks reads an HTML document and returns its links (see
// linkCollector); cut reports that there were more than max. It stops
// at the end of the document, a token over maxTokenBytes, the first read
// error (the caller reports that), or one link past max.
func extractLinks(base *url.URL, r io.Reader, max int) (links []*url.URL, cut bool) {
	lc := linkCollector{base: base, max: max}
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxTokenBytes)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return lc.links, lc.cut
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if !hasAttr || tag != "a" && tag != "area" && tag != "base" {
				continue
			}
			if href, ok := attr(z, "href"); ok && !lc.element(tag, href) {
				return lc.links, lc.cut
			}
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

// parseHTML parses a whole document, for the OnHTML rules, and takes its
// links from the tree if wanted.
func parseHTML(base *url.URL, body []byte, wantLinks bool, max int) (doc *html.Node, links []*url.URL, cut bool) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil { // only a read error, and a byte slice has none
		return nil, nil, false
	}
	if !wantLinks {
		return doc, nil, false
	}
	lc := linkCollector{base: base, max: max}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.A && n.DataAtom != atom.Area && n.DataAtom != atom.Base {
			continue
		}
		for _, a := range n.Attr {
			if a.Namespace == "" && a.Key == "href" {
				if !lc.element(n.Data, a.Val) {
					return doc, lc.links, lc.cut
				}
				break
			}
		}
	}
	return doc, lc.links, lc.cut
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
