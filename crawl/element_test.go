package crawl_test

import (
	"strings"
	"testing"

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
