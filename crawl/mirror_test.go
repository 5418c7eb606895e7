package crawl_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// The file names are wget --mirror's (checked against wget itself by
// cmd/corio's TestCrawlMirrorIsWgetsTree).
func TestMirrorPath(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"http://example.com/", "example.com/index.html"},
		{"http://example.com", "example.com/index.html"},
		{"http://example.com:80/a", "example.com/a"},
		{"https://example.com:443/a/", "example.com/a/index.html"},
		{"http://127.0.0.1:8080/p/1", "127.0.0.1:8080/p/1"},
		{"http://h/sp%20ace", "h/sp ace"},
		{"http://h/q?p=1&r=a%2Fb", "h/q?p=1&r=a%2Fb"},
		{"http://h/?next=/a", "h/index.html?next=%2Fa"},
		{"http://h/a%2Fb/c", "h/a%2Fb/c"},
		{"http://h/%2E%2E/x", "h/%2E%2E/x"},
		{"http://h/tab%09name", "h/tab%09name"},
		{"http://h/a//b", "h/a/%2F/b"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := crawl.MirrorPath(u); got != tc.want {
			t.Errorf("MirrorPath(%s) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

// Where one page's file is in the way of another's directory, both are
// kept: the file as the directory's index.html (wget loses one). Where
// that is another page's too, the later page fails, saying so.
func TestMirrorKeepsAFileInTheWayOfADirectory(t *testing.T) {
	site := map[string]string{"/": `<a href="/a">a</a> <a href="/x/">x</a>`, "/a": `<a href="/a/b">b</a>`, "/a/b": "leaf", "/x/": `<a href="/x">x</a>`, "/x": "xfile"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if page, ok := site[r.URL.Path]; ok {
			io.WriteString(w, page)
		} else {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	var failed []string
	err := hubtest.Run(t, func(ctx context.Context) error {
		m, err := crawl.OpenMirror(dir)
		if err != nil {
			return err
		}
		defer m.Close()
		_, err = crawl.Crawl(ctx, crawl.Config{Concurrency: 1, Depth: 5, Mirror: m}, []string{srv.URL + "/"}, func(_ context.Context, p *crawl.Page) {
			if p.Err != nil {
				if !errors.Is(p.Err, crawl.ErrMirrorConflict) {
					t.Errorf("%s: %v", p.URL, p.Err)
				}
				failed = append(failed, strings.TrimPrefix(p.URL, srv.URL))
			}
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0] != "/x" {
		t.Errorf("pages failed %q, want /x, whose file /x/'s page holds", failed)
	}
	host, _ := url.Parse(srv.URL)
	for name, want := range map[string]string{"a/index.html": site["/a"], "a/b": "leaf", "x/index.html": site["/x/"]} {
		got, err := os.ReadFile(filepath.Join(dir, host.Host, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v, want %q", name, got, err, want)
		}
	}
}
