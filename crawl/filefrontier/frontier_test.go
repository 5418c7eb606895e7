package filefrontier_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/crawl/filefrontier"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// What the file keeps across opens: the settings (another run with
// others is refused), the queue with what was taken and not done, each
// URL once; a second process is refused the file.
func TestFileKeepsTheCrawl(t *testing.T) {
	name := filepath.Join(t.TempDir(), "crawl.state")
	s := crawl.Settings{Depth: 3}
	run := func(fn func(ctx context.Context, f *filefrontier.Frontier) error) {
		t.Helper()
		f, err := filefrontier.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := hubtest.Run(t, func(ctx context.Context) error { return fn(ctx, f) }); err != nil {
			t.Fatal(err)
		}
	}
	e := func(u string, d int) crawl.Entry { return crawl.Entry{URL: "http://h/" + u, Depth: d} }
	run(func(ctx context.Context, f *filefrontier.Frontier) error {
		if _, _, err := f.Open(ctx, s, nil); !errors.Is(err, crawl.ErrNoCrawl) {
			t.Errorf("no crawl, no seed: %v, want ErrNoCrawl", err)
		}
		hosts, n, err := f.Open(ctx, s, []crawl.Entry{e("", 0), e("a", 0)})
		if err != nil || n != 2 || strings.Join(hosts, " ") != "h" {
			t.Fatalf("open: %q %d %v", hosts, n, err)
		}
		if _, err := filefrontier.Open(name); err == nil || !strings.Contains(err.Error(), "in use by another crawl") {
			t.Errorf("a second open: %v, want the file in use", err)
		}
		taken, _, err := f.Take(ctx, 1)
		if err != nil || len(taken) != 1 || taken[0] != e("", 0) {
			t.Fatalf("take: %v %v", taken, err)
		}
		n, err = f.Done(ctx, taken[0], crawl.Fetched, []crawl.Entry{e("a", 1), e("b", 1)})
		if err != nil || n != 1 {
			t.Errorf("done: admitted %d %v, want 1 (a was admitted already)", n, err)
		}
		_, _, err = f.Take(ctx, 1) // a: taken, not done, when the run stops
		return err
	})
	run(func(ctx context.Context, f *filefrontier.Frontier) error {
		if _, _, err := f.Open(ctx, crawl.Settings{Depth: 4}, nil); !errors.Is(err, crawl.ErrSettings) {
			t.Errorf("other settings: %v, want ErrSettings", err)
		}
		got, found, err := f.Settings()
		if err != nil || !found || got != s {
			t.Errorf("settings %+v %v %v", got, found, err)
		}
		if _, n, err := f.Open(ctx, s, []crawl.Entry{e("", 0)}); err != nil || n != 0 {
			t.Errorf("reopen with a seed done: admitted %d %v, want 0", n, err)
		}
		var order []string
		for {
			taken, finished, err := f.Take(ctx, 10)
			if err != nil || finished {
				break
			}
			for _, x := range taken {
				order = append(order, x.URL)
				if _, err := f.Done(ctx, x, crawl.Fetched, nil); err != nil {
					return err
				}
			}
		}
		if want := "http://h/a http://h/b"; strings.Join(order, " ") != want {
			t.Errorf("resumed with %q, want %q", order, want)
		}
		q, done, err := f.Status()
		if err != nil || q != 0 || done["fetched"] != 3 {
			t.Errorf("status: queued %d done %v %v, want 0 and 3 fetched", q, done, err)
		}
		return nil
	})
}
