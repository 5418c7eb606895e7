package tour

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// crawlerSites stand for the seed's three web sites; the built-in demo
// site answers for all of them.
var crawlerSites = []string{"http://www.python.demo/", "http://www.yahoo.demo/", "http://github.demo/"}

// Crawler is the seed's first application: get_page spawned for three
// URLs and joined, so the whole takes as long as the slowest page, then
// the same one page after another. The demo site, served by a task of the
// same hub with 50 ms per page, stands in for the three sites.
func Crawler(out io.Writer, args []string) error {
	return hubEntry("crawler", out, args, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		site := demosite.Default()
		corio.Spawn(ctx, func(ctx context.Context) error { return site.Serve(ctx, l) })
		client := &http.Client{Transport: &chttp.Transport{
			// Every site's name leads to the demo site.
			Dial: func(ctx context.Context, network, _ string) (*cnet.Conn, error) {
				return cnet.Dial(ctx, network, l.Addr().String())
			},
		}}
		getPage := func(ctx context.Context, url string) error {
			fmt.Fprintf(out, "GET: %s\n", url)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			n, err := io.Copy(io.Discard, resp.Body)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%d bytes received from %s.\n", n, url)
			return nil
		}

		start := corio.Now(ctx)
		var tasks []corio.Joinable
		for _, url := range crawlerSites {
			tasks = append(tasks, corio.Spawn(ctx, func(ctx context.Context) error { return getPage(ctx, url) }))
		}
		if err := corio.JoinAll(ctx, tasks...); err != nil {
			return err
		}
		fmt.Fprintf(out, "spawned and joined: %s (the slowest page, not the sum)\n", seconds(corio.Now(ctx).Sub(start)))

		start = corio.Now(ctx)
		for _, url := range crawlerSites {
			if err := getPage(ctx, url); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "one after another: %s\n", seconds(corio.Now(ctx).Sub(start)))
		return nil
	})
}
