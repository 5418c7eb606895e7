// Command netcrawl is the baseline of corio crawl's benchmark: the same
// list of URLs fetched with net/http, a goroutine per URL and a semaphore
// of -c, each page's line printed as corio crawl prints it, then the
// summary as corio crawl --json prints it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	input := flag.String("i", "-", "file of URLs, one per line (\"-\": standard input)")
	conc := flag.Int("c", 100, "pages fetched at once")
	flag.Parse()
	urls, err := readURLs(*input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netcrawl:", err)
		os.Exit(2)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxIdleConns: *conc}}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var pages, ok, failed int
	var bytes int64
	sem := make(chan struct{}, *conc)
	var wg sync.WaitGroup
	start := time.Now()
	for _, u := range urls {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			t0 := time.Now()
			status, n, err := get(client, u)
			ms := float64(time.Since(t0)) / float64(time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			pages++
			bytes += n
			if err != nil || status >= 400 {
				failed++
				fmt.Fprintf(out, "ERR %9d B %8.1f ms  %s  (%v)\n", n, ms, u, err)
				return
			}
			ok++
			fmt.Fprintf(out, "%-3d %9d B %8.1f ms  %s\n", status, n, ms, u)
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	out.Flush()
	json.NewEncoder(os.Stderr).Encode(map[string]any{
		"pages": pages, "ok": ok, "failed": failed, "bytes": bytes, "seconds": secs, "pages_per_s": float64(pages) / secs,
	})
	if failed > 0 {
		os.Exit(1)
	}
}

func get(client *http.Client, url string) (int, int64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n, err
}

func readURLs(name string) ([]string, error) {
	f := os.Stdin
	if name != "-" {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, err
		}
		defer f.Close()
	}
	var urls []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			urls = append(urls, line)
		}
	}
	return urls, sc.Err()
}
