package crawl

import (
	"strings"

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
