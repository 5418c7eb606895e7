package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium is headless Chromium's command, or "" (the test is skipped,
// or fails where CORIO_REQUIRE_CHROMIUM is set, as in CI).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CORIO_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium is not installed (CORIO_REQUIRE_CHROMIUM is set)")
	}
	t.Skip("chromium is not installed: apt-get install chromium")
	return ""
}

// The listing page as a browser shows it: Chromium loads it, and the
// DOM it built has the title, the parent link and a row per entry with
// its size; a screenshot of it is a real picture, not an empty page.
func TestHTTPListingInABrowser(t *testing.T) {
	t.Parallel() // a process, or a browser, that mostly waits
	browser := chromium(t)
	dir := httpTree(t)
	base, _, _ := startHTTP(t, "--dir", dir, "--quiet")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	profile := t.TempDir()
	headless := func(args ...string) []byte {
		cmd := exec.CommandContext(ctx, browser, append([]string{"--headless", "--no-sandbox", "--disable-gpu",
			"--user-data-dir=" + profile, "--window-size=1000,700"}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %q: %v", args, err)
		}
		return out
	}
	dom := string(headless("--dump-dom", base+"/b-dir/"))
	for _, want := range []string{
		"<title>Index of /b-dir/</title>",
		`<a class="dir" href="../">../</a>`,
		`<a href="inner.txt">inner.txt</a>`,
		`title="6 bytes">6 B</td>`,
		"1 entry · corio http",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM Chromium built lacks %q:\n%s", want, dom)
		}
	}
	rows := regexp.MustCompile(`<tr>`).FindAllString(string(headless("--dump-dom", base+"/")), -1)
	if len(rows) != 1+7 { // the head's row and one per entry (no parent at the top)
		t.Errorf("the top listing has %d rows; want 8", len(rows))
	}
	shot := filepath.Join(t.TempDir(), "listing.png")
	headless("--screenshot="+shot, base+"/")
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot: %v, %v bytes; want a picture of the page", err, st)
	}
}
