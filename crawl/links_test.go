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
	links, _ := extractLinks(base, strings.NewReader(doc), DefaultMaxLinks)
	return links
}
