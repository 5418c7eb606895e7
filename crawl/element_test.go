package crawl_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/corio-go/corio/crawl"
)

func TestTextAndAttr(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`<html><head><title></title></head><body>
<p id="a" DATA-X="1">Hello, <b>bold</b> world<!-- a comment --></p><a href="/x">link</a></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	find := func(tag string) *html.Node {
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode && n.Data == tag {
				return n
			}
		}
		t.Fatalf("no <%s>", tag)
		return nil
	}
	for _, tc := range []struct {
		got, want string
	}{
		{crawl.Text(find("title")), ""}, // empty: what e.FirstChild.Data panics on
		{crawl.Text(find("p")), "Hello, bold world"},
		{crawl.Text(find("p").FirstChild), "Hello, "},
		{crawl.Text(nil), ""},
		{crawl.Attr(find("a"), "href"), "/x"},
		{crawl.Attr(find("p"), "data-x"), "1"},
		{crawl.Attr(find("p"), "missing"), ""},
		{crawl.Attr(nil, "href"), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// ChildText, ChildAttr and their plurals read the elements under one, as
// colly's; AbsoluteURL resolves against the page's URL after redirects.
func TestChildHelpers(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`<div id=d><p class=a>one <b>two</b></p><p class=a>three</p><a href="x?q=1#f">x</a><a name=n>no href</a><a href="/y">y</a></div>`))
	if err != nil {
		t.Fatal(err)
	}
	d := matchFirst(t, doc, "#d")
	for _, tc := range []struct{ got, want any }{
		{crawl.ChildText(d, "p.a"), "one twothree"},
		{crawl.ChildTexts(d, "p.a"), []string{"one two", "three"}},
		{crawl.ChildText(d, "table"), ""},
		{crawl.ChildAttr(d, "a", "href"), "x?q=1#f"},
		{crawl.ChildAttr(d, "table", "href"), ""},
		{crawl.ChildAttrs(d, "a", "href"), []string{"x?q=1#f", "/y"}},
		{crawl.ChildText(nil, "p"), ""},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	p := &crawl.Page{URL: "http://h/old/page", Final: "http://h/new/page"}
	for ref, want := range map[string]string{"x?q=1#f": "http://h/new/x?q=1", "/y": "http://h/y", "#top": "", "": "", "http://o/z": "http://o/z", "%zz": ""} {
		if got := p.AbsoluteURL(ref); got != want {
			t.Errorf("AbsoluteURL(%q) = %q, want %q", ref, got, want)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `selector "p[": `) {
			t.Errorf("a bad selector: %v, want a panic naming it", r)
		}
	}()
	crawl.ChildText(d, "p[")
}

func matchFirst(t *testing.T, doc *html.Node, sel string) *html.Node {
	t.Helper()
	n := cascadia.MustCompile(sel).MatchFirst(doc)
	if n == nil {
		t.Fatalf("%s matches nothing", sel)
	}
	return n
}
