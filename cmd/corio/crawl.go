package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// defaultPerHost is --per-host's default: scrapy's per-domain bound, so
// that -c 50 does not open 50 connections to one small server.
const defaultPerHost = 8

// crawlOptions are `corio crawl`'s flags beyond the crawl's Config.
type crawlOptions struct {
	cfg        crawl.Config
	input      string
	sequential bool
	compare    bool
	asJSON     bool
	shared     sharedCrawl // --frontier and what goes with it
	keep       keepFlags   // --warc and what goes with it
	state      string      // --state: the crawl kept in a file, to resume
	adoptState bool        // resuming it with no setting given: take the file's
}

// runCrawl is `corio crawl`: the seed's concurrent crawler as a tool.
// A first SIGINT or SIGTERM stops fetching; the pages fetched and the
// summary, marked interrupted, are printed and flushed, and the command
// exits with the signal's status (130, 143). A second exits at once.
func runCrawl(stdout, stderr io.Writer, args []string) error {
	ctx, sig, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	err := crawlCommand(ctx, stdout, stderr, os.Stdin, args)
	if s := sig.received(); s != nil && errors.Is(err, errInterrupted) {
		return interrupted("crawl", s)
	}
	return err
}

// errInterrupted is what a crawl whose context ended returns, once it has
// printed what it fetched.
var errInterrupted = errors.New("crawl: interrupted")

func crawlCommand(ctx context.Context, stdout, stderr io.Writer, stdin io.Reader, args []string) error {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio crawl [flags] [URL...]", `
Fetches the URLs (and, with --depth, the pages they link to) concurrently.
With no URL at all it crawls a built-in demo site on loopback, with --compare.

With --frontier redis://HOST:PORT/DB --crawl NAME, any number of processes, on any
machines, share one crawl: the first given URLs starts it, one given none joins it,
each prints its own pages; --status prints the whole crawl's progress.`)
	var o crawlOptions
	o.flags(fs)
	urls, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: crawl: %v", errUsage, err)
	}
	if err := o.check(len(urls) > 0 || o.input != ""); err != nil {
		return fmt.Errorf("%w: crawl: %v", errUsage, err)
	}
	if o.shared.status || o.shared.drop {
		return o.shared.admin(ctx, stdout, stderr, o.asJSON)
	}
	if urls, err = o.gatherURLs(urls, stdin); err != nil {
		return fmt.Errorf("%w: crawl: %v", errUsage, err)
	}
	settingsGiven := slices.ContainsFunc(settingFlags, func(name string) bool { return flagSet(fs, name) })
	switch {
	case len(urls) == 0 && o.state != "":
		o.adoptState = !settingsGiven // resuming: the file's settings, unless some are given
	case len(urls) == 0 && o.shared.url != "":
		// Joining a shared crawl: its URLs are in the frontier, and its
		// settings too, unless some are given.
		o.shared.adopt = !settingsGiven
	case len(urls) == 0:
		base, stopSite, err := o.startDemo(fs, stdout, stderr)
		if err != nil {
			return err
		}
		defer stopSite()
		urls = []string{base + "/"}
	}
	if b := crawl.ConcurrencyBound(); b > 0 && o.cfg.Concurrency > b {
		fmt.Fprintf(stderr, "corio crawl: -c %d is more than the open-file limit allows: fetching at most %d pages at once (ulimit -n raises it)\n", o.cfg.Concurrency, b)
	}
	return crawlAndReport(ctx, stdout, stderr, o, urls)
}

// flags defines `corio crawl`'s flags on fs, into o.
func (o *crawlOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.input, "i", "", "read URLs from `FILE`, one per line (\"-\": standard input)")
	fs.IntVar(&o.cfg.Concurrency, "c", 50, "pages fetched at once")
	fs.IntVar(&o.cfg.Depth, "depth", 0, "follow links this many levels from the given URLs (-1: no bound but --max and the hosts, as wget -r -l inf)")
	fs.IntVar(&o.cfg.Max, "max", 0, "fetch at most this many pages (0: no bound)")
	fs.IntVar(&o.cfg.PerHost, "per-host", defaultPerHost, "pages fetched at once from one host, at most (0: no bound but -c)")
	fs.DurationVar(&o.cfg.Timeout, "timeout", 10*time.Second, "bound on each attempt at a page")
	fs.IntVar(&o.cfg.Retries, "retries", 2, "more attempts after a network error or a 5xx answer")
	fs.DurationVar(&o.cfg.Backoff, "backoff", 200*time.Millisecond, "wait before the first retry, doubled for each next")
	fs.DurationVar(&o.cfg.MaxRetryAfter, "max-retry-after", crawl.DefaultMaxRetryAfter, "wait at most this long for a 429 or 503 answer's Retry-After; a page asking more fails")
	fs.BoolVar(&o.cfg.IgnoreRobots, "ignore-robots", false, "fetch what robots.txt disallows")
	fs.BoolVar(&o.cfg.Sitemaps, "sitemap", false, "also start from the pages the sites' sitemaps list (named in robots.txt, else /sitemap.xml)")
	fs.BoolVar(&o.cfg.AnyHost, "any-host", false, "follow links (and redirects) to other hosts too")
	fs.Int64Var(&o.cfg.MaxBody, "max-body", crawl.DefaultMaxBody, "read at most this many `bytes` of a page, decompressed; a page cut there is reported truncated")
	fs.IntVar(&o.cfg.MaxLinks, "max-links", crawl.DefaultMaxLinks, "take at most this many links from one page; a page cut there is reported truncated")
	fs.DurationVar(&o.cfg.Delay, "delay", 0, "wait this long between the starts of two fetches from one host (robots.txt's Crawl-delay if longer, up to 30s)")
	fs.StringVar(&o.cfg.UserAgent, "user-agent", crawl.UserAgent, "the User-Agent sent, and the name robots.txt is read for")
	fs.Func("header", "send this header field with each request, as `'Name: value'` (repeatable)", headerFlag(&o.cfg.Header))
	fs.BoolVar(&o.cfg.Insecure, "insecure", false, "accept any certificate from the servers (self-signed, expired, of another name), as curl's -k")
	fs.Func("allow", "follow only links whose URL matches this `REGEXP` (repeatable: one of them)", func(v string) error {
		re, err := regexp.Compile(v)
		o.cfg.Allow = append(o.cfg.Allow, re)
		return err
	})
	fs.Func("deny", "follow no link whose URL matches this `REGEXP` (repeatable)", func(v string) error {
		re, err := regexp.Compile(v)
		o.cfg.Deny = append(o.cfg.Deny, re)
		return err
	})
	fs.BoolVar(&o.sequential, "sequential", false, "fetch one page at a time: the seed's synchronous baseline")
	fs.BoolVar(&o.compare, "compare", false, "crawl concurrently, then sequentially, and print the speed-up")
	fs.BoolVar(&o.asJSON, "json", false, "print a JSON object per page and one per summary")
	o.shared.flags(fs)
	o.keep.flags(fs)
	fs.StringVar(&o.state, "state", "", "keep the crawl's frontier in `FILE`, so that a run stopped (Ctrl-C, a kill) and started again with the same --state goes on where it was (no Redis needed)")
}

// check reports flags that are wrong or do not go together; urls says
// whether URLs were given (as arguments or with -i).
func (o *crawlOptions) check(urls bool) error {
	if err := o.cfg.Validate(); err != nil {
		return err
	}
	if o.sequential && o.compare {
		return errors.New("--sequential and --compare exclude each other")
	}
	if err := o.shared.check(*o, urls); err != nil {
		return err
	}
	if o.state != "" && (o.shared.url != "" || o.compare) {
		return errors.New("--state keeps the crawl in a file: leave out --frontier and --compare")
	}
	return o.keep.check(o.compare)
}

// gatherURLs returns the URLs given, each checked (a scheme added where
// none is given), with those of the -i file.
func (o *crawlOptions) gatherURLs(urls []string, stdin io.Reader) ([]string, error) {
	for i, u := range urls {
		urls[i] = withScheme(u)
		if _, err := crawl.ParseSeed(urls[i]); err != nil {
			return nil, err
		}
	}
	if o.input == "" {
		return urls, nil
	}
	more, err := readURLs(o.input, stdin) // checks each line
	if err != nil {
		return nil, err
	}
	if len(urls)+len(more) == 0 {
		return nil, fmt.Errorf("%s holds no URL", o.input)
	}
	return append(urls, more...), nil
}

// startDemo serves the built-in demo site for a crawl given no URL, with
// the settings that show it best unless given: its depth, no bound per
// host (one host of ours on loopback, made to show what concurrency
// buys), and --compare unless the crawl keeps its pages.
func (o *crawlOptions) startDemo(fs *flag.FlagSet, stdout, stderr io.Writer) (base string, stop func() error, err error) {
	site := demosite.Default()
	base, stop, err = demosite.Start(site, "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("crawl: starting the demo site: %w", err)
	}
	if !flagSet(fs, "depth") {
		o.cfg.Depth = site.Depth()
	}
	if !flagSet(fs, "per-host") {
		o.cfg.PerHost = 0
	}
	if !o.sequential && !o.keep.any() {
		o.compare = true
	}
	note := stdout
	if o.asJSON {
		note = stderr
	}
	fmt.Fprintf(note, "corio crawl: no URL given: crawling the built-in demo site at %s/ (%d pages, %v each)\n",
		base, site.Pages+1, site.Latency)
	return base, stop, nil
}

// A crawlMode is one crawl of a run: --compare makes two.
type crawlMode struct {
	name string
	cfg  crawl.Config
}

// modes returns the crawls to run: concurrent, sequential, or both.
func (o *crawlOptions) modes() []crawlMode {
	concurrent := crawlMode{fmt.Sprintf("concurrent, -c %d", o.cfg.Concurrency), o.cfg}
	sequential := crawlMode{"sequential", o.cfg}
	sequential.cfg.Concurrency = 1
	switch {
	case o.sequential:
		return []crawlMode{sequential}
	case o.compare:
		return []crawlMode{concurrent, sequential}
	}
	return []crawlMode{concurrent}
}

// crawlAndReport runs the crawl (or both, for --compare) on a hub and
// prints the pages and summaries. It fails if a page failed.
func crawlAndReport(ctx context.Context, stdout, stderr io.Writer, o crawlOptions, urls []string) error {
	out := newCrawlPrinter(stdout, stderr, o.asJSON)
	defer out.stdout.Flush() // on every path: no page printed is lost
	// A page of a crawl kept outside this process (shared, or resumable)
	// is printed before the frontier counts it done: a worker killed
	// after that has left its line.
	out.flushEachPage = o.shared.url != "" || o.state != ""
	modes := o.modes()
	var sums []crawl.Summary
	failed := 0
	err := corio.Run(ctx, func(ctx context.Context) (err error) {
		closeStores, err := o.openStores(ctx, stderr, &modes[0].cfg) // one mode with a store: --compare is refused
		if err != nil {
			return err
		}
		defer func() {
			if cerr := closeStores(); cerr != nil && err == nil {
				err = cerr
			}
		}()
		for _, m := range modes {
			label := ""
			if o.compare {
				label = m.name
				out.heading(label)
			}
			cfg := m.cfg
			cfg.Progress = out.updateProgress
			sum, err := crawl.Crawl(ctx, cfg, urls, func(_ context.Context, p *crawl.Page) { out.page(*p, label) })
			if sum.Interrupted {
				out.summary(sum, label)
				return errInterrupted
			}
			if err != nil {
				return err
			}
			out.summary(sum, label)
			sums = append(sums, sum)
			failed += sum.Failed
		}
		return nil
	})
	switch {
	case errors.Is(err, errInterrupted) || errors.Is(err, errUsage):
		return err
	case errors.Is(err, crawl.ErrSettings) || errors.Is(err, crawl.ErrNoCrawl):
		return fmt.Errorf("%w: %v", errUsage, err) // crawl.Crawl names itself
	case err != nil:
		return named("crawl", err)
	}
	if o.compare {
		out.speedup(sums[0], sums[1])
	}
	if failed > 0 {
		return fmt.Errorf("crawl: %d page(s) failed", failed)
	}
	return nil
}

// openStores opens what the crawl of cfg is kept in beyond this process:
// the shared frontier, the state file, the WARC and the mirror. The
// function returned closes them.
func (o *crawlOptions) openStores(ctx context.Context, stderr io.Writer, cfg *crawl.Config) (func() error, error) {
	var closers []func() error
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	if o.shared.url != "" {
		f, err := o.shared.open(ctx, stderr, cfg)
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() error { f.Close(); return nil })
		cfg.Frontier = f
	}
	if o.state != "" {
		f, err := openState(ctx, *o, cfg)
		if err != nil {
			return nil, errors.Join(err, closeAll())
		}
		closers = append(closers, func() error {
			_, err := corio.Blocking(context.WithoutCancel(ctx), func(context.Context) (struct{}, error) { return struct{}{}, f.Close() })
			return err
		})
		cfg.Frontier = f
	}
	if err := o.keep.open(ctx, cfg); err != nil {
		return nil, errors.Join(err, closeAll())
	}
	closers = append(closers, func() error { return o.keep.close(ctx, stderr, cfg) })
	return closeAll, nil
}

// parseInterspersed parses flags placed before, between or after the
// URLs, and returns the URLs.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// maxURLLine bounds a line of an -i file: a URL as long as a browser
// takes is far shorter.
const maxURLLine = 1 << 20

// readURLs reads a list of URLs: one per line, blank lines and lines
// starting with # skipped. A bad line, or one over maxURLLine, is reported
// with its number.
func readURLs(name string, stdin io.Reader) ([]string, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var urls []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxURLLine)
	line := 1
	for ; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		text = withScheme(text)
		if _, err := crawl.ParseSeed(text); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		urls = append(urls, text)
	}
	if err := sc.Err(); err == bufio.ErrTooLong {
		return nil, fmt.Errorf("%s:%d: a line longer than %d bytes", name, line, maxURLLine)
	} else if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return urls, nil
}

// withScheme is a URL given without a scheme ("localhost:8080/a",
// "example.com") taken as http://, as wget and curl take it; any other is
// unchanged.
func withScheme(raw string) string {
	if strings.Contains(raw, "://") {
		return raw
	}
	return "http://" + raw
}
