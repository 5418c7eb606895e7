package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// startSite serves a small demo site with no latency for the test.
func startSite(t *testing.T) string {
	t.Helper()
	leakcheck.Check(t)
	base, stop, err := demosite.Start(demosite.Site{Pages: 6, Fanout: 2, Size: 100}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return base
}

// startSlowSite serves a demo site whose pages take 200 ms: a crawl of it
// is still running when a test interrupts it.
func startSlowSite(t *testing.T) string {
	t.Helper()
	base, stop, err := demosite.Start(demosite.Site{Pages: 2000, Fanout: 3, Latency: 200 * time.Millisecond, Size: 100}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	return base
}

func crawlCLI(stdin string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = crawlCommand(context.Background(), &out, &errb, strings.NewReader(stdin), args)
	return out.String(), errb.String(), err
}

var pageLine = regexp.MustCompile(`^(\d{3}|ERR) +(\d+) B +([\d.]+) ms  (\S+)(  \(.*\))?$`)

func TestCrawlText(t *testing.T) {
	base := startSite(t)
	stdout, stderr, err := crawlCLI("", "--depth", "2", base+"/", "-c", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var urls []string
	for _, l := range lines[:len(lines)-1] {
		m := pageLine.FindStringSubmatch(l)
		if m == nil || m[1] != "200" {
			t.Fatalf("line %q is not a 200 page line", l)
		}
		urls = append(urls, strings.TrimPrefix(m[4], base))
	}
	// Lines come as pages end: "/" first (every other page is found in
	// it), the rest in an order the site's goroutines decide. The exact
	// order on the virtual clock is crawl's test.
	if len(urls) > 0 {
		slices.Sort(urls[1:])
	}
	if got := strings.Join(urls, " "); got != "/ /p/1 /p/2 /p/3 /p/4 /p/5 /p/6" {
		t.Errorf("pages %s, want / first, then /p/1 to /p/6 in any order", got)
	}
	summary := regexp.MustCompile(`^pages 7  ok 7  failed 0  bytes \d+  seconds [\d.]+  pages/s [\d.]+  \(robots.txt disallowed 2\)$`)
	if !summary.MatchString(lines[len(lines)-1]) {
		t.Errorf("summary line %q", lines[len(lines)-1])
	}
	if stderr != "" {
		t.Errorf("stderr %q: no progress line off a terminal", stderr)
	}
}

func TestCrawlJSONAndInput(t *testing.T) {
	base := startSite(t)
	list := fmt.Sprintf("# pages\n%s/p/1\n\n%s/p/2\n%s/p/404\n", base, base, base)
	file := filepath.Join(t.TempDir(), "urls.txt")
	if err := os.WriteFile(file, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--json", "-i", file}, {"--json", "-i", "-"}} {
		stdout, _, err := crawlCLI(list, args...)
		if err == nil || !strings.Contains(err.Error(), "1 page(s) failed") {
			t.Errorf("%q: err = %v, want one page failed (exit 1)", args, err)
		}
		dec := json.NewDecoder(strings.NewReader(stdout))
		var objs []map[string]any
		for dec.More() {
			var o map[string]any
			if err := dec.Decode(&o); err != nil {
				t.Fatal(err)
			}
			objs = append(objs, o)
		}
		if len(objs) != 4 {
			t.Fatalf("%q: %d objects, want 3 pages and a summary:\n%s", args, len(objs), stdout)
		}
		for _, o := range objs[:3] {
			for _, k := range []string{"url", "status", "bytes", "ms", "depth", "error"} {
				if _, ok := o[k]; !ok {
					t.Errorf("page object %v lacks %q", o, k)
				}
			}
			if strings.HasSuffix(o["url"].(string), "/p/404") != (o["status"].(float64) == 404) ||
				(o["status"].(float64) == 404) != (o["error"] != nil) {
				t.Errorf("page object %v", o)
			}
		}
		sum := objs[3]
		for k, want := range map[string]float64{"pages": 3, "ok": 2, "failed": 1} {
			if sum[k] != want {
				t.Errorf("summary %s = %v, want %v", k, sum[k], want)
			}
		}
		for _, k := range []string{"bytes", "seconds", "pages_per_s"} {
			if _, ok := sum[k]; !ok {
				t.Errorf("summary lacks %q", k)
			}
		}
	}
	// A bad line is named by its number.
	_, _, err := crawlCLI("http://ok/\nnot a url\n", "-i", "-")
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "-:2:") {
		t.Errorf("bad line: %v", err)
	}
	if _, _, err := crawlCLI("# nothing\n", "-i", "-"); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "holds no URL") {
		t.Errorf("empty list: %v", err)
	}
	// A line longer than bufio's usual 64 KiB works, one over 1 MiB is
	// named by its number.
	long := "http://x/" + strings.Repeat("a", 100<<10)
	if urls, err := readURLs("-", strings.NewReader("http://x/\n"+long+"\n")); err != nil || len(urls) != 2 || urls[1] != long {
		t.Errorf("a 100 KiB line: %d URLs, %v", len(urls), err)
	}
	huge := filepath.Join(t.TempDir(), "urls.txt")
	os.WriteFile(huge, []byte("http://x/\n\nhttp://x/"+strings.Repeat("a", 2<<20)+"\n"), 0o644)
	if _, err := readURLs(huge, nil); err == nil || err.Error() != huge+":3: a line longer than 1048576 bytes" {
		t.Errorf("a 2 MiB line: %v", err)
	}
}

func TestCrawlCompare(t *testing.T) {
	base := startSite(t)
	stdout, _, err := crawlCLI("", "--compare", "--depth", "1", base+"/")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# concurrent, -c 50\n", "# sequential\n", "speed-up: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "pages 3  ok 3"); n != 2 {
		t.Errorf("%d summaries of 3 pages, want 2:\n%s", n, stdout)
	}
	// As JSON: each page and summary names its crawl, the last object
	// compares them.
	stdout, _, err = crawlCLI("", "--compare", "--json", "--depth", "1", base+"/")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 9 {
		t.Fatalf("%d JSON lines, want 3 pages and a summary twice, and the comparison:\n%s", len(lines), stdout)
	}
	for i, l := range lines {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		mode, _ := o["mode"].(string)
		switch {
		case i < 4 && mode != "concurrent, -c 50", i >= 4 && i < 8 && mode != "sequential":
			t.Errorf("line %d: mode %q", i, mode)
		case i == 8 && (o["speedup"] == nil || o["concurrent_seconds"] == nil || o["sequential_seconds"] == nil):
			t.Errorf("last line %s", l)
		}
	}
}

// With no URL, crawl shows the seed's point on the built-in site: both
// crawls and the speed-up (how large is BENCHMARKS.md's business).
func TestCrawlDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the sequential crawl of the demo site takes about 2 s")
	}
	leakcheck.Check(t)
	stdout, _, err := crawlCLI("", "-c", "50")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`speed-up: ([\d.]+) s concurrent vs ([\d.]+) s sequential = ([\d.]+)x`).FindStringSubmatch(stdout)
	if m == nil || !strings.Contains(stdout, "no URL given: crawling the built-in demo site") || strings.Count(stdout, "pages 41  ok 41  failed 0") != 2 {
		t.Fatalf("output:\n%s", stdout)
	}
}

func TestProgressBar(t *testing.T) {
	for _, tc := range []struct {
		done, known int
		want        string
	}{
		{0, 0, "[..........] 0/0 pages"},
		{0, 41, "[..........] 0/41 pages"},
		{20, 40, "[#####.....] 20/40 pages"},
		{41, 41, "[##########] 41/41 pages"},
	} {
		if got := progressBar(tc.done, tc.known, 10); got != tc.want {
			t.Errorf("progressBar(%d, %d) = %q, want %q", tc.done, tc.known, got, tc.want)
		}
	}
}

// A URL without a scheme is taken as http://, as wget and curl take it.
func TestWithScheme(t *testing.T) {
	for raw, want := range map[string]string{
		"localhost:8080":      "http://localhost:8080",
		"example.com/a?b=c":   "http://example.com/a?b=c",
		"127.0.0.1":           "http://127.0.0.1",
		"https://example.com": "https://example.com",
		"http://x/":           "http://x/",
		"ftp://x/":            "ftp://x/", // then refused: not http or https
	} {
		if got := withScheme(raw); got != want {
			t.Errorf("withScheme(%q) = %q; want %q", raw, got, want)
		}
	}
}

// --header sends its fields with every request, robots.txt's included;
// a malformed one is a usage error naming it.
func TestCrawlHeader(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+strings.Join(r.Header.Values("X-Token"), ",")+" "+r.Header.Get("Accept-Language"))
		mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	if _, stderr, err := crawlCLI("", "--header", "X-Token: a", "--header", "X-Token:b", "--header", "Accept-Language: fr", srv.URL+"/"); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	mu.Lock()
	got := strings.Join(seen, "; ")
	mu.Unlock()
	if got != "/robots.txt a,b fr; / a,b fr" {
		t.Fatalf("requests seen: %q", got)
	}
	for _, bad := range []string{"NoColon", "Bad Name: v", ": v"} {
		_, _, err := crawlCLI("", "--header", bad, srv.URL+"/")
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), fmt.Sprintf("%q is not a header field", bad)) {
			t.Errorf("--header %q: %v; want a usage error naming it", bad, err)
		}
	}
}

// --insecure accepts a self-signed certificate; without it the page
// fails, once.
func TestCrawlInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // before it serves: its goroutines read it
	srv.StartTLS()
	defer srv.Close()
	stdout, _, err := crawlCLI("", "--ignore-robots", srv.URL+"/")
	if err == nil || !strings.Contains(stdout, "certificate") || !strings.Contains(stdout, "pages 1  ok 0  failed 1") {
		t.Fatalf("without --insecure: %v\n%s", err, stdout)
	}
	stdout, stderr, err := crawlCLI("", "--ignore-robots", "--insecure", srv.URL+"/")
	if err != nil || !strings.Contains(stdout, "pages 1  ok 1  failed 0") {
		t.Fatalf("with --insecure: %v\n%s%s", err, stdout, stderr)
	}
}
