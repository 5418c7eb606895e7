package crawl

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// Helpers for the elements an OnHTML rule is given, as colly's e.Text and
// e.Attr: they are safe on any element, an empty one included (its first
// child is nil: e.FirstChild.Data panics on <title></title>).

// Text is the text of n and of all its descendants, in document order,
// as the DOM's textContent: "" for an element with none.
func Text(n *html.Node) string {
	if n == nil {
		return ""
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// Attr is the value of n's attribute key (case-insensitive, as HTML's
// names are), or "" if n has none.
func Attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// ChildText is the text (as Text) of the elements under n that selector
// (CSS, as cascadia reads it) matches, joined in document order, as
// colly's e.ChildText: "" if none matches. A selector that does not
// compile is a programming error: ChildText panics, naming it (in a
// callback, the panic fails the page; see CallbackPanic).
func ChildText(n *html.Node, selector string) string {
	var b strings.Builder
	for _, m := range matches(n, selector) {
		b.WriteString(Text(m))
	}
	return b.String()
}

// ChildTexts is the text of each element under n that selector matches.
func ChildTexts(n *html.Node, selector string) []string {
	var texts []string
	for _, m := range matches(n, selector) {
		texts = append(texts, Text(m))
	}
	return texts
}

// ChildAttr is the attribute key of the first element under n that
// selector matches, as colly's e.ChildAttr: "" if none matches or it has
// none.
func ChildAttr(n *html.Node, selector, key string) string {
	if ms := matches(n, selector); len(ms) > 0 {
		return Attr(ms[0], key)
	}
	return ""
}

// ChildAttrs is the attribute key of each element under n that selector
// matches and that has it.
func ChildAttrs(n *html.Node, selector, key string) []string {
	var vals []string
	for _, m := range matches(n, selector) {
		for _, a := range m.Attr {
			if a.Namespace == "" && strings.EqualFold(a.Key, key) {
				vals = append(vals, a.Val)
				break
			}
		}
	}
	return vals
}

// AbsoluteURL resolves a link of page p (an href or src as written) to an
// absolute URL, against the URL the page came from (after redirects), as
// colly's e.Request.AbsoluteURL: "" for one that does not parse, or a
// fragment of the page itself. (A <base href> is not read.)
func (p *Page) AbsoluteURL(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	from := p.URL
	if p.Final != "" {
		from = p.Final
	}
	base, err := url.Parse(from)
	if err != nil {
		return ""
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// matches returns the elements under n (not n itself) that selector
// matches, in document order.
func matches(n *html.Node, selector string) []*html.Node {
	if n == nil {
		return nil
	}
	sel, err := cascadia.Compile(selector)
	if err != nil {
		panic(fmt.Sprintf("crawl: selector %q: %v", selector, err))
	}
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && sel.Match(d) {
			out = append(out, d)
		}
	}
	return out
}
