package crawl

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// maxTokenBytes bounds the memory a single HTML token may take (a page
// that is one endless tag): past it, the links found so far are kept and
// the rest of the page is only counted.
const maxTokenBytes = 1 << 20

// A linkCollector gathers the links of a document in order: the targets
// of a and area elements, resolved against the document's URL and its
// <base href>, normalized, http and https only, at most max; and, if
// asked, its requisites (see isRequisite), at most maxRequisites.
type linkCollector struct {
	base          *url.URL
	wantLinks     bool
	max           int
	links         []*url.URL
	cut           bool // there were more than max
	wantReqs      bool
	requisites    []*url.URL
	seenReqs      map[string]bool
	maxRequisites int
}

// maxRequisites bounds the requisites taken from one page: a page that
// lists thousands of images is an album, not a page to display.
const maxRequisites = 100

// A tagAttrs is what the collector reads of an element.
type tagAttrs struct{ href, src, rel, poster, typ string }

// wants reports whether the collector reads elements of tag.
func (lc *linkCollector) wants(tag string) bool {
	switch tag {
	case "base":
		return true
	case "a", "area":
		return lc.wantLinks
	case "img", "script", "link", "source", "video", "audio", "embed", "input":
		return lc.wantReqs
	}
	return false
}

// element takes an element's tag and attributes; it reports false once
// there are more links than max.
func (lc *linkCollector) element(tag string, a tagAttrs) bool {
	switch tag {
	case "base":
		if ref, err := url.Parse(strings.TrimSpace(a.href)); err == nil && a.href != "" {
			lc.base = lc.base.ResolveReference(ref)
		}
		return true
	case "a", "area":
		abs := lc.resolve(a.href)
		if abs == nil || !lc.wantLinks {
			return true
		}
		if len(lc.links) == lc.max {
			lc.cut = true
			return false
		}
		lc.links = append(lc.links, abs)
		return true
	}
	if lc.wantReqs {
		for _, ref := range requisiteRefs(tag, a) {
			lc.requisite(ref)
		}
	}
	return true
}

// requisiteRefs are the references of an element that a browser fetches
// to display the page, as wget --page-requisites takes them: images,
// scripts, style sheets and icons, media and their posters.
func requisiteRefs(tag string, a tagAttrs) []string {
	switch tag {
	case "img", "script", "source", "audio", "embed":
		return []string{a.src}
	case "video":
		return []string{a.src, a.poster}
	case "input":
		if strings.EqualFold(a.typ, "image") {
			return []string{a.src}
		}
	case "link":
		for _, r := range strings.Fields(strings.ToLower(a.rel)) {
			if r == "stylesheet" || r == "icon" || r == "apple-touch-icon" {
				return []string{a.href}
			}
		}
	}
	return nil
}

func (lc *linkCollector) requisite(ref string) {
	abs := lc.resolve(ref)
	if abs == nil || len(lc.requisites) == lc.maxRequisites {
		return
	}
	key := abs.String()
	if lc.seenReqs[key] {
		return
	}
	if lc.seenReqs == nil {
		lc.seenReqs = map[string]bool{}
	}
	lc.seenReqs[key] = true
	lc.requisites = append(lc.requisites, abs)
}

// resolve makes ref absolute and normalized, or nil if it is not an http
// or https URL.
func (lc *linkCollector) resolve(ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil
	}
	abs := lc.base.ResolveReference(r)
	if abs.Scheme != "http" && abs.Scheme != "https" || abs.Host == "" {
		return nil
	}
	return normalize(abs)
}

// What a page's links are read for.
type linkWants struct {
	links, requisites bool
	max               int // links
}

func (w linkWants) collector(base *url.URL) linkCollector {
	return linkCollector{base: base, wantLinks: w.links, max: w.max, wantReqs: w.requisites, maxRequisites: maxRequisites}
}

// extractLinks reads an HTML document and returns its links and
// requisites, as wanted (see linkCollector); cut reports that there were
// more links than the max. It stops at the end of the document, a token
// over maxTokenBytes, the first read error (the caller reports that), or
// one link past the max.
func extractLinks(base *url.URL, r io.Reader, w linkWants) (links, requisites []*url.URL, cut bool) {
	lc := w.collector(base)
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxTokenBytes)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return lc.links, lc.requisites, lc.cut
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if !hasAttr || !lc.wants(string(name)) {
				continue
			}
			if !lc.element(string(name), readAttrs(z)) {
				return lc.links, lc.requisites, lc.cut
			}
		}
	}
}

// readAttrs reads the attributes of the tag the tokenizer is on that the
// collector uses.
func readAttrs(z *html.Tokenizer) tagAttrs {
	var a tagAttrs
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "href":
			a.href = string(v)
		case "src":
			a.src = string(v)
		case "rel":
			a.rel = string(v)
		case "poster":
			a.poster = string(v)
		case "type":
			a.typ = string(v)
		}
		if !more {
			return a
		}
	}
}

// parseHTML parses a whole document, for the OnHTML rules, and takes its
// links and requisites from the tree, as wanted.
func parseHTML(base *url.URL, body []byte, w linkWants) (doc *html.Node, links, requisites []*url.URL, cut bool) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil { // only a read error, and a byte slice has none
		return nil, nil, nil, false
	}
	if !w.links && !w.requisites {
		return doc, nil, nil, false
	}
	lc := w.collector(base)
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || !lc.wants(n.Data) {
			continue
		}
		var a tagAttrs
		for _, at := range n.Attr {
			if at.Namespace != "" {
				continue
			}
			switch at.Key {
			case "href":
				a.href = at.Val
			case "src":
				a.src = at.Val
			case "rel":
				a.rel = at.Val
			case "poster":
				a.poster = at.Val
			case "type":
				a.typ = at.Val
			}
		}
		if !lc.element(n.Data, a) {
			break
		}
	}
	return doc, lc.links, lc.requisites, lc.cut
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
