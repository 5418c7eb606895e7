package main

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio/internal/fixture/testcert"
)

// startHTTP runs corio http with args on a free port until the test ends,
// and returns its base URL and its stdout and stderr.
func startHTTP(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(ctx, &stdout, &stderr, append([]string{"--addr", "127.0.0.1:0", "--hubs", "2"}, args...),
			func(addr string) { addrs <- addr })
	}()
	select {
	case addr := <-addrs:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("corio http ended with %v", err)
			}
		})
		return "http://" + addr, &stdout, &stderr
	case err := <-done:
		cancel()
		t.Fatalf("corio http did not start: %v; stderr %s", err, stderr.String())
	}
	return "", nil, nil
}

// httpTree makes a directory to serve.
func httpTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{
		"hello.txt":       "hello from corio http\n",
		"big.txt":         strings.Repeat("a line of text that compresses well\n", 200),
		"b-dir/inner.txt": "inner\n",
		"a-dir/x.txt":     "x\n",
		"zeta.txt":        "z\n",
		".env":            "SECRET=1\n",
		"site/index.html": "<h1>index</h1>\n",
		"odd:name.txt":    "colon\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func fetch(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestHTTPServesADirectory(t *testing.T) {
	base, stdout, stderr := startHTTP(t, "--dir", httpTree(t))
	for _, tc := range []struct {
		method, path string
		status       int
		body         string // the whole body, or with contains a part of it
		contains     bool
		header       string // a header the response must have, "Name: value"
	}{
		{"GET", "/hello.txt", 200, "hello from corio http\n", false, ""},
		{"HEAD", "/hello.txt", 200, "", false, "Content-Length: 22"},
		{"GET", "/odd:name.txt", 200, "colon\n", false, ""},
		{"GET", "/missing", 404, "404 page not found\n", false, ""},
		{"GET", "/.env", 404, "404 page not found\n", false, ""},
		{"GET", "/site/", 200, "<h1>index</h1>\n", false, ""},
		{"GET", "/b-dir", 301, "", true, "Location: b-dir/"},
		{"POST", "/hello.txt", 405, "405 method not allowed\n", false, "Allow: GET, HEAD"},
		{"DELETE", "/", 405, "405 method not allowed\n", false, "Allow: GET, HEAD"},
		{"GET", "/", 200, "<title>Index of /</title>", true, "Content-Type: text/html; charset=utf-8"},
		{"GET", "/b-dir/", 200, `<a class="dir" href="../">../</a>`, true, ""},
	} {
		resp, body := fetch(t, tc.method, base+tc.path, nil)
		ok := resp.StatusCode == tc.status && (body == tc.body || tc.contains && strings.Contains(body, tc.body))
		if name, value, found := strings.Cut(tc.header, ": "); found && resp.Header.Get(name) != value {
			ok = false
		}
		if !ok {
			t.Errorf("%s %s = %d %v %.300q; want %d with %q and %q", tc.method, tc.path, resp.StatusCode, resp.Header, body, tc.status, tc.body, tc.header)
		}
	}
	// The listing: directories first, then files, each by name; no
	// dot-files; sizes and times; a link each.
	_, body := fetch(t, "GET", base+"/", nil)
	names := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, m := range names {
		got = append(got, m[1])
	}
	want := []string{"a-dir/", "b-dir/", "site/", "big.txt", "hello.txt", "./odd:name.txt", "zeta.txt"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("listing links %q; want %q", got, want)
	}
	if !strings.Contains(body, `title="22 bytes">22 B</td>`) || !strings.Contains(body, `title="7200 bytes">7.0 KiB</td>`) {
		t.Errorf("listing sizes: %s", body)
	}
	// A line per request, in the Common Log Format.
	deadline := time.Now().Add(10 * time.Second)
	line := regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /hello.txt HTTP/1.1" 200 22$`)
	for !line.MatchString(stdout.String()) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []*regexp.Regexp{line,
		regexp.MustCompile(`(?m)"HEAD /hello.txt HTTP/1.1" 200 -$`),
		regexp.MustCompile(`(?m)"GET /missing HTTP/1.1" 404 19$`),
		regexp.MustCompile(`(?m)"POST /hello.txt HTTP/1.1" 405 23$`),
	} {
		if !want.MatchString(stdout.String()) {
			t.Errorf("stdout lacks %v:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "corio http: serving ") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// Text is sent gzipped to a client that accepts it, when large enough;
// a range, a small file or a client that does not ask gets it as is.
func TestHTTPGzip(t *testing.T) {
	base, _, _ := startHTTP(t, "--dir", httpTree(t), "--quiet")
	big := strings.Repeat("a line of text that compresses well\n", 200)
	gz := http.Header{"Accept-Encoding": {"gzip, deflate"}}
	resp, body := fetch(t, "GET", base+"/big.txt", gz)
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" || len(body) >= len(big) {
		t.Fatalf("big.txt with gzip accepted: %v, %d bytes", resp.Header, len(body))
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || string(plain) != big {
		t.Fatalf("gunzipped: %d bytes, %v", len(plain), err)
	}
	for _, tc := range []struct {
		path   string
		header http.Header
		body   string
	}{
		{"/big.txt", nil, big},
		{"/big.txt", http.Header{"Accept-Encoding": {"gzip;q=0"}}, big},
		{"/big.txt", http.Header{"Accept-Encoding": {"gzip"}, "Range": {"bytes=0-5"}}, "a line"},
		{"/hello.txt", gz, "hello from corio http\n"},
	} {
		resp, body := fetch(t, "GET", base+tc.path, tc.header)
		if resp.Header.Get("Content-Encoding") != "" || body != tc.body {
			t.Errorf("GET %s with %v: Content-Encoding %q, %.40q", tc.path, tc.header, resp.Header.Get("Content-Encoding"), body)
		}
	}
}

// --quiet prints no request lines; --dotfiles serves dot-files.
func TestHTTPQuietAndDotfiles(t *testing.T) {
	base, stdout, _ := startHTTP(t, "--dir", httpTree(t), "--quiet", "--dotfiles")
	if resp, body := fetch(t, "GET", base+"/.env", nil); resp.StatusCode != 200 || body != "SECRET=1\n" {
		t.Fatalf("GET /.env with --dotfiles = %d %q", resp.StatusCode, body)
	}
	if _, body := fetch(t, "GET", base+"/", nil); !strings.Contains(body, `href=".env"`) {
		t.Fatalf("listing with --dotfiles lacks .env: %s", body)
	}
	time.Sleep(50 * time.Millisecond) // a line would have been printed by now
	if stdout.String() != "" {
		t.Fatalf("stdout with --quiet: %q", stdout.String())
	}
}

// The listen address: a port as the argument and --bind, as Python's
// http.server; or --addr; not both.
func TestHTTPListenAddress(t *testing.T) {
	for _, tc := range []struct {
		args []string
		addr string // "" for a usage error
	}{
		{nil, "127.0.0.1:8000"},
		{[]string{"9000"}, "127.0.0.1:9000"},
		{[]string{"--bind", "0.0.0.0", "9000"}, "0.0.0.0:9000"},
		{[]string{"--bind", "::1"}, "[::1]:8000"},
		{[]string{"--addr", "127.0.0.2:7000"}, "127.0.0.2:7000"},
		{[]string{"--addr", "127.0.0.2:7000", "9000"}, ""},
		{[]string{"--addr", "127.0.0.2:7000", "--bind", "0.0.0.0"}, ""},
		{[]string{"70000"}, ""},
		{[]string{"http"}, ""},
		{[]string{"9000", "9001"}, ""},
		{[]string{"--bind", "example.com"}, ""},
		{[]string{"--tls-cert", "a.pem"}, ""},
	} {
		f, err := parseHTTPFlags(io.Discard, tc.args)
		switch {
		case tc.addr == "" && !errors.Is(err, errUsage):
			t.Errorf("%q: %v; want a usage error", tc.args, err)
		case tc.addr != "" && (err != nil || f.addr != tc.addr):
			t.Errorf("%q: %+v, %v; want %s", tc.args, f, err, tc.addr)
		}
	}
}

// --tls-cert and --tls-key serve HTTPS.
func TestHTTPServesTLS(t *testing.T) {
	certFile, keyFile, pool := testcert.Files(t)
	base, _, stderr := startHTTP(t, "--dir", httpTree(t), "--quiet", "--tls-cert", certFile, "--tls-key", keyFile)
	base = strings.Replace(base, "http://", "https://", 1)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections() // over TLS a connection keeps its task, which the shutdown waits for
	resp, err := client.Get(base + "/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello from corio http\n" || resp.TLS == nil {
		t.Fatalf("GET over TLS = %d %q (TLS %v)", resp.StatusCode, body, resp.TLS != nil)
	}
	if !strings.Contains(stderr.String(), "on https://") {
		t.Errorf("stderr %q", stderr.String())
	}
}
