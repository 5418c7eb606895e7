package main

import (
	"context"
	"fmt"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/crawl/filefrontier"
)

// openState opens --state, off the hub; resuming with no setting given,
// cfg takes the crawl's. A file that cannot be opened, or (resuming) holds
// no crawl, is a usage error.
func openState(ctx context.Context, o crawlOptions, cfg *crawl.Config) (*filefrontier.Frontier, error) {
	f, err := corio.Blocking(ctx, func(context.Context) (*filefrontier.Frontier, error) { return filefrontier.Open(o.state) })
	if err != nil {
		return nil, fmt.Errorf("%w: crawl: --state: %v", errUsage, err)
	}
	if o.adoptState {
		var found bool
		s, err := corio.Blocking(ctx, func(context.Context) (crawl.Settings, error) {
			s, ok, err := f.Settings()
			found = ok
			return s, err
		})
		if err == nil && !found {
			err = fmt.Errorf("%s holds no crawl: give the URLs to start one", o.state)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: crawl: --state: %v", errUsage, err)
		}
		cfg.Adopt(s)
	}
	return f, nil
}
