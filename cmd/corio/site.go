package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// runSite is `corio site`: the demo site crawl uses with no URL, served
// on its own, for benchmarks and for trying crawl's flags. --list prints
// the site's URLs instead, for `corio crawl -i`.
func runSite(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("site", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio site [flags]", `
Serves the demo site that 'corio crawl' crawls when given no URL: pages
/p/1 to /p/N, each linking to --fanout pages below it and answering after
--latency, on chttp.Server. For benchmarks and for trying crawl's flags;
--list prints its URLs instead (for 'corio crawl -i -').`)
	site := demosite.Default()
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.IntVar(&site.Pages, "pages", site.Pages, "pages /p/1 .. /p/N")
	fs.IntVar(&site.Fanout, "fanout", site.Fanout, "links from each page to pages below it")
	fs.DurationVar(&site.Latency, "latency", site.Latency, "wait before each answer")
	fs.IntVar(&site.Size, "size", site.Size, "bytes of text per page")
	list := fs.Bool("list", false, "print the site's page URLs at --addr and exit")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := site.Validate(); err != nil {
		return fmt.Errorf("%w: site: %v", errUsage, err)
	}
	if err := checkAddr("site", *addr); err != nil {
		return err
	}
	if *list {
		for _, u := range site.URLs("http://" + *addr) {
			fmt.Fprintln(stdout, u)
		}
		return nil
	}
	ctx, _, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	srv := &chttp.Server{Addr: *addr, Hubs: 1, Handler: site.Handler()}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	fmt.Fprintf(stdout, "corio site: %d pages at http://%v/, %v each\n", site.Pages+1, srv.ListenAddr(), site.Latency)
	<-ctx.Done() // the site serves on chttp.Server until then
	return srv.Close()
}
