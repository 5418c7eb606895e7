package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corio-go/corio/internal/fixture/demosite"
)

// A crawl with --state stopped (Ctrl-C) three times and run again each
// time with the same --state, the last time to its end: every page is
// printed, none twice. A kill (SIGKILL) loses nothing either. The runs after the first
// give no URL and no setting: they resume with the file's.
func TestCrawlStateResumes(t *testing.T) {
	t.Parallel()
	for _, stop := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(stop.String(), func(t *testing.T) {
			t.Parallel()
			site := demosite.Site{Pages: 600, Fanout: 4, Latency: 2 * time.Millisecond, Size: 200}
			cs, err := demosite.StartCounted(site, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cs.Close() })
			state := filepath.Join(t.TempDir(), "crawl.state")
			args := []string{"--state", state, "-c", "4", "--json"}
			var runs []*worker
			for i, at := range []int{10, 40, 70} {
				run := args
				if i == 0 {
					run = append(slices.Clone(args), "--depth", "10", cs.Base+"/")
				}
				w := startWorker(t, run...)
				waitFor(t, fmt.Sprintf("%d%% of the site", at), func() bool { return cs.Requests() > (site.Pages+1)*at/100 })
				w.cmd.Process.Signal(stop)
				status := w.wait(t)
				if want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGKILL: -1}[stop]; status != want {
					t.Fatalf("run %d exited %d, want %d; stderr %s", i+1, status, want, w.stderr.String())
				}
				runs = append(runs, w)
			}
			last := startWorker(t, args...)
			if status := last.wait(t); status != 0 {
				t.Fatalf("the last run exited %d; stderr %s", status, last.stderr.String())
			}
			runs = append(runs, last)
			checkUnion(t, site, cs.Base, runs...)
			seen := map[string]int{}
			for _, w := range runs {
				for _, p := range w.reported(t, cs.Base) {
					seen[p]++
				}
			}
			var twice []string
			for p, n := range seen {
				if n > 1 {
					twice = append(twice, p)
				}
			}
			// A stop (Ctrl-C) waits for the pages being reported to be
			// recorded: none is printed twice. A kill leaves those printed
			// and not yet recorded (their transaction not yet on disk):
			// printed again by the next run, never lost.
			if stop == syscall.SIGINT && len(twice) > 0 {
				t.Errorf("%d pages printed twice after Ctrl-C, want none: %q", len(twice), twice)
			}
			t.Logf("%d pages; %d printed twice", len(seen), len(twice))
			if out := last.stdout.String(); strings.Contains(out, `"interrupted":true`) {
				t.Errorf("the last run says it was interrupted")
			}
		})
	}
}

// A crawl writing a WARC killed (SIGKILL) in the middle leaves files
// whose whole records all check, and at most a torn last record, which
// corio warc check --cut cuts; a run resumed with --state adds a new file.
func TestCrawlWARCKilled(t *testing.T) {
	t.Parallel()
	site := demosite.Site{Pages: 600, Fanout: 4, Latency: 2 * time.Millisecond, Size: 3000}
	cs, err := demosite.StartCounted(site, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	dir := t.TempDir()
	warc := filepath.Join(dir, "crawl.warc.gz")
	args := []string{"--state", filepath.Join(dir, "state"), "--warc", warc, "-c", "8", "--json"}
	w := startWorker(t, append(slices.Clone(args), "--depth", "10", cs.Base+"/")...)
	waitFor(t, "a third of the site", func() bool { return cs.Requests() > (site.Pages+1)/3 })
	w.cmd.Process.Signal(syscall.SIGKILL)
	w.wait(t)
	var out, errb strings.Builder
	if status := run(&out, &errb, []string{"warc", "check", "--cut", warc}); status != 0 || !strings.Contains(out.String(), "ok: request ") {
		t.Fatalf("warc check after a kill: %d %s %s", status, out.String(), errb.String())
	}
	last := startWorker(t, args...)
	if status := last.wait(t); status != 0 {
		t.Fatalf("the resumed run exited %d; stderr %s", status, last.stderr.String())
	}
	second := filepath.Join(dir, "crawl-00001.warc.gz")
	out.Reset()
	if status := run(&out, &errb, []string{"warc", "check", warc, second}); status != 0 || strings.Contains(out.String(), "torn") {
		t.Fatalf("warc check of both files: %d %s %s", status, out.String(), errb.String())
	}
	checkUnion(t, site, cs.Base, w, last)
	t.Log(strings.TrimSpace(out.String()))
}
