package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/corio-go/corio/crawl"
)

// crawlPrinter prints a crawl's pages and summaries as text or JSON, and
// a progress line on stderr when stderr is a terminal. Output to a
// terminal is written line by line; to a file or a pipe, in blocks.
type crawlPrinter struct {
	stdout     *bufio.Writer
	stderr     io.Writer
	lineByLine bool
	// flushEachPage writes each page's line out before the page is
	// reported done (see crawlAndReport).
	flushEachPage bool
	asJSON        bool
	json          *json.Encoder
	progress      bool      // stderr is a terminal: show a progress line there
	bar           string    // the progress line shown, if any
	drawn         time.Time // when it was drawn
}

func newCrawlPrinter(stdout, stderr io.Writer, asJSON bool) *crawlPrinter {
	w := bufio.NewWriter(stdout)
	return &crawlPrinter{
		stdout: w, stderr: stderr, asJSON: asJSON, json: json.NewEncoder(w),
		lineByLine: isTerminal(stdout), progress: isTerminal(stderr),
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *crawlPrinter) heading(label string) {
	if !p.asJSON {
		fmt.Fprintf(p.stdout, "# %s\n", label)
	}
	p.flushLine()
}

// flushLine sends a line out now if stdout is a terminal.
func (p *crawlPrinter) flushLine() {
	if p.lineByLine {
		p.stdout.Flush()
	}
}

// page prints one page: status, bytes, milliseconds, URL, and the error
// when the status does not say it.
func (p *crawlPrinter) page(pg crawl.Page, label string) {
	p.clearProgress()
	if p.asJSON {
		p.encode(pg, label)
	} else {
		status := "ERR"
		if pg.Status > 0 {
			status = strconv.Itoa(pg.Status)
		}
		line := fmt.Sprintf("%-3s %9d B %8.1f ms  %s", status, pg.Bytes, pg.MS, pg.URL)
		if pg.Error != nil && !strings.HasPrefix(*pg.Error, strconv.Itoa(pg.Status)+" ") {
			line += "  (" + *pg.Error + ")"
		}
		if pg.Truncated != "" {
			line += "  (truncated: " + pg.Truncated + ")"
		}
		fmt.Fprintln(p.stdout, line)
	}
	if p.flushEachPage {
		p.stdout.Flush()
	} else {
		p.flushLine()
	}
	if p.bar != "" {
		fmt.Fprint(p.stderr, p.bar) // back under the new line
	}
}

func (p *crawlPrinter) summary(s crawl.Summary, label string) {
	p.endProgress()
	if p.asJSON {
		p.encode(s, label)
		p.stdout.Flush()
		return
	}
	fmt.Fprintf(p.stdout, "pages %d  ok %d  failed %d  bytes %d  seconds %.3f  pages/s %.1f",
		s.Pages, s.OK, s.Failed, s.Bytes, s.Seconds, s.PagesPerS)
	if s.Disallowed > 0 {
		fmt.Fprintf(p.stdout, "  (robots.txt disallowed %d)", s.Disallowed)
	}
	if s.Truncated > 0 {
		fmt.Fprintf(p.stdout, "  (truncated %d)", s.Truncated)
	}
	if s.Sitemaps > 0 || len(s.SitemapErrors) > 0 {
		fmt.Fprintf(p.stdout, "  (sitemaps %d: %d pages)", s.Sitemaps, s.SitemapURLs)
	}
	if s.Interrupted {
		fmt.Fprint(p.stdout, "  (interrupted)")
	}
	fmt.Fprintln(p.stdout)
	p.stdout.Flush()
	for _, e := range s.SitemapErrors {
		fmt.Fprintf(p.stderr, "corio crawl: sitemap %s\n", e)
	}
}

// encode prints v, a Page or a Summary, as a JSON object, with the key
// "mode" naming the crawl when --compare makes two.
func (p *crawlPrinter) encode(v any, label string) {
	if label == "" {
		p.json.Encode(v)
		return
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) < 2 || b[len(b)-1] != '}' {
		panic(fmt.Sprintf("corio crawl: %T does not encode as a JSON object: %s %v", v, b, err))
	}
	mode, _ := json.Marshal(label)
	b = append(b[:len(b)-1], `,"mode":`...)
	b = append(append(b, mode...), "}\n"...)
	p.stdout.Write(b)
}

// speedup prints how much faster the concurrent crawl was.
func (p *crawlPrinter) speedup(concurrent, sequential crawl.Summary) {
	x := 0.0
	if concurrent.Seconds > 0 {
		x = sequential.Seconds / concurrent.Seconds
	}
	if p.asJSON {
		p.json.Encode(map[string]float64{"concurrent_seconds": concurrent.Seconds, "sequential_seconds": sequential.Seconds, "speedup": x})
	} else {
		fmt.Fprintf(p.stdout, "speed-up: %.3f s concurrent vs %.3f s sequential = %.1fx\n", concurrent.Seconds, sequential.Seconds, x)
	}
	p.stdout.Flush()
}

// clearProgress takes the progress line off the terminal, before a line
// of output takes its place.
func (p *crawlPrinter) clearProgress() {
	if p.bar != "" {
		fmt.Fprint(p.stderr, "\r\033[K")
	}
}

// updateProgress redraws the progress line, at most ten times a second
// and at the end.
func (p *crawlPrinter) updateProgress(done, known int) {
	if !p.progress {
		return
	}
	if now := time.Now(); done == known || now.Sub(p.drawn) >= 100*time.Millisecond {
		p.drawn = now
		p.clearProgress()
		p.bar = progressBar(done, known, 30)
		fmt.Fprint(p.stderr, p.bar)
	}
}

// endProgress leaves the terminal without a progress line.
func (p *crawlPrinter) endProgress() {
	p.clearProgress()
	p.bar = ""
}

// progressBar renders done of known pages as a bar width characters wide.
func progressBar(done, known, width int) string {
	filled := 0
	if known > 0 {
		filled = min(width, done*width/known)
	}
	return fmt.Sprintf("[%s%s] %d/%d pages", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, known)
}
