package demosite_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio/internal/demosite"
	"github.com/corio-go/corio/internal/leakcheck"
)

func TestDepth(t *testing.T) {
	for _, tc := range []struct{ pages, fanout, depth int }{
		{0, 4, 0}, {1, 4, 1}, {4, 4, 1}, {5, 4, 2}, {20, 4, 2}, {21, 4, 3}, {40, 4, 3}, {3, 1, 3},
	} {
		if d := (demosite.Site{Pages: tc.pages, Fanout: tc.fanout}).Depth(); d != tc.depth {
			t.Errorf("%d pages, fanout %d: depth %d, want %d", tc.pages, tc.fanout, d, tc.depth)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		site demosite.Site
		want string
	}{
		{demosite.Site{Pages: -1, Fanout: 1}, "pages must not be negative, got -1"},
		{demosite.Site{Fanout: 0}, "fanout must be at least 1, got 0"},
		{demosite.Site{Fanout: 1, Latency: -time.Second}, "latency must not be negative"},
		{demosite.Site{Fanout: 1, Size: -1}, "size must not be negative"},
	} {
		if err := tc.site.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.site, err, tc.want)
		}
		if _, _, err := demosite.Start(tc.site, "127.0.0.1:0"); err == nil {
			t.Errorf("Start(%+v) accepted it", tc.site)
		}
	}
}

// The site answers each path as documented, over one kept-alive
// connection, to net/http's client.
func TestServe(t *testing.T) {
	leakcheck.Check(t)
	base, stop, err := demosite.Start(demosite.Site{Pages: 5, Fanout: 2, Size: 50}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	client := &http.Client{Transport: tr}
	for _, tc := range []struct {
		method, path string
		status       int
		contains     []string
	}{
		{"GET", "/", 200, []string{`<a href="/p/1">`, `<a href="/p/2">`, "corio demo site"}},
		{"GET", "/p/1", 200, []string{`href="/p/3"`, `href="/p/4"`, `href="/private/1"`, `href="http://elsewhere.invalid/"`, `href="#top"`}},
		{"GET", "/p/2", 200, []string{`href="/p/5"`}},
		{"GET", "/p/5", 200, []string{"page 5"}},
		{"GET", "/p/6", 404, nil},
		{"GET", "/p/x", 404, nil},
		{"GET", "/robots.txt", 200, []string{"Disallow: /private/"}},
		{"GET", "/private/3", 200, []string{"robots.txt asks"}},
		{"HEAD", "/p/1", 200, nil},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		for _, want := range tc.contains {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s %s: body lacks %q:\n%s", tc.method, tc.path, want, b)
			}
		}
		if tc.method == "HEAD" && (len(b) != 0 || resp.ContentLength <= 0) {
			t.Errorf("HEAD: body %d bytes, Content-Length %d", len(b), resp.ContentLength)
		}
	}
	if urls := (demosite.Site{Pages: 2, Fanout: 2}).URLs("http://h"); strings.Join(urls, " ") != "http://h/ http://h/p/1 http://h/p/2" {
		t.Errorf("URLs = %q", urls)
	}
}
