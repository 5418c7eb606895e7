package crawl

import (
	"net/url"
	"strings"
	"testing"
)

func TestExtractLinks(t *testing.T) {
	base, _ := url.Parse("http://Example.com:80/dir/page.html")
	doc := `<html><head><title>t</title></head><body>
<a href="other.html#part">relative</a>
<a href="/abs">absolute path</a>
<a href="HTTPS://Secure.Example.com:443/x?q=1">another host, default port</a>
<a href="#only-fragment">same page</a>
<a href="mailto:someone@example.com">mail</a>
<a href="javascript:void(0)">script</a>
<a name="no-href">anchor</a>
<area href="../map" />
<a href="  spaced  ">spaces trimmed</a>
<a href="http://[::1">bad</a>
<base href="http://cdn.example.com/root/">
<a href="after-base">resolved against the base</a>
</body></html>`
	var got []string
	for _, u := range extractLinksAll(base, doc) {
		got = append(got, u.String())
	}
	want := []string{
		"http://example.com/dir/other.html",
		"http://example.com/abs",
		"https://secure.example.com/x?q=1",
		"http://example.com/dir/page.html",
		"http://example.com/map",
		"http://example.com/dir/spaced",
		"http://cdn.example.com/root/after-base",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("links\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"http://A.COM":            "http://a.com/",
		"http://a.com:80/x#f":     "http://a.com/x",
		"https://a.com:443/":      "https://a.com/",
		"http://a.com:8080/":      "http://a.com:8080/",
		"https://a.com:80/":       "https://a.com:80/",
		"http://a.com/p?q=1#frag": "http://a.com/p?q=1",
	} {
		u, _ := url.Parse(in)
		if got := normalize(u).String(); got != want {
			t.Errorf("normalize(%s) = %s, want %s", in, got, want)
		}
	}
}

// A page that is one endless tag costs a bounded buffer: the links before
// it are kept.
func TestExtractLinksBoundsATag(t *testing.T) {
	base, _ := url.Parse("http://a.com/")
	doc := `<a href="/first">x</a><div class="` + strings.Repeat("x", 2*maxTokenBytes) + `"><a href="/never">`
	links := extractLinksAll(base, doc)
	if len(links) != 1 || links[0].String() != "http://a.com/first" {
		t.Errorf("links %v, want only /first", links)
	}
}

// extractLinksAll is extractLinks with the crawl's default bound, which
// these documents are far below.
func extractLinksAll(base *url.URL, doc string) []*url.URL {
	links, _, _ := extractLinks(base, strings.NewReader(doc), linkWants{links: true, max: DefaultMaxLinks})
	return links
}

// Requisites are what a browser fetches to show the page, each once, in
// order; links are not requisites, nor requisites links.
func TestExtractRequisites(t *testing.T) {
	base, _ := url.Parse("http://a.com/dir/page")
	doc := `<html><head><link rel="stylesheet" href="s.css"><link rel="alternate" href="/feed"><link rel="shortcut icon" href="/favicon.ico">
<script src="/js/app.js"></script><script>inline()</script></head><body>
<a href="/next">next</a><img src="i.png"><img src="i.png"><img alt="none">
<video src="/v.mp4" poster="/p.jpg"></video><input type="image" src="/b.gif"><input type="text" src="/no.gif">
<img src="data:image/png;base64,xx"><img src="mailto:x@y"></body></html>`
	for _, tc := range []struct {
		want  linkWants
		links string
		reqs  string
	}{
		{linkWants{links: true, max: 10}, "http://a.com/next", ""},
		{linkWants{requisites: true, max: 10}, "", "http://a.com/dir/s.css http://a.com/favicon.ico http://a.com/js/app.js http://a.com/dir/i.png http://a.com/v.mp4 http://a.com/p.jpg http://a.com/b.gif"},
	} {
		links, reqs, _ := extractLinks(base, strings.NewReader(doc), tc.want)
		_, treeLinks, treeReqs, _ := parseHTML(base, []byte(doc), tc.want)
		for _, got := range [][2][]*url.URL{{links, reqs}, {treeLinks, treeReqs}} {
			if s := joinURLs(got[0]); s != tc.links {
				t.Errorf("%+v: links %q, want %q", tc.want, s, tc.links)
			}
			if s := joinURLs(got[1]); s != tc.reqs {
				t.Errorf("%+v: requisites %q, want %q", tc.want, s, tc.reqs)
			}
		}
	}
}

func joinURLs(us []*url.URL) string {
	var s []string
	for _, u := range us {
		s = append(s, u.String())
	}
	return strings.Join(s, " ")
}
