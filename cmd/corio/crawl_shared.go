package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/crawl/redisfrontier"
)

// sharedCrawl is `corio crawl`'s flags for a crawl kept in Redis, shared
// by any number of worker processes.
type sharedCrawl struct {
	url    string
	name   string
	worker string
	lease  time.Duration
	retry  time.Duration
	status bool
	drop   bool
	adopt  bool // joining with no setting given: take the crawl's
}

// settingFlags are the flags of crawl.Settings: a worker that joins a
// crawl without any takes the crawl's; one that gives some must agree.
var settingFlags = []string{"depth", "max", "per-host", "any-host", "ignore-robots"}

func (s *sharedCrawl) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.url, "frontier", "", "keep the crawl in the Redis at `URL` (redis://HOST:PORT/DB), shared by every worker given it and the same --crawl")
	fs.StringVar(&s.name, "crawl", "", "the shared crawl's `NAME` (with --frontier)")
	fs.StringVar(&s.worker, "worker", "", "this worker's `NAME` in --status (default: host-PID-random)")
	fs.DurationVar(&s.lease, "lease", redisfrontier.DefaultLease, "how long a URL a worker took stays its own without a renewal: a dead worker's URLs are fetched again after it")
	fs.DurationVar(&s.retry, "frontier-retry", redisfrontier.DefaultRetryFor, "how long to keep trying a Redis that does not answer, is loading or is out of memory, before the worker stops (each wait is reported)")
	fs.BoolVar(&s.status, "status", false, "print the shared crawl's progress (queued, in flight, done, failed, per worker) and exit")
	fs.BoolVar(&s.drop, "drop", false, "delete the shared crawl from Redis and exit")
}

// check reports flags that do not go together; urls says whether URLs
// were given (as arguments or with -i).
func (s *sharedCrawl) check(o crawlOptions, urls bool) error {
	switch {
	case s.url == "" && s.name != "":
		return fmt.Errorf("--crawl %s needs --frontier: the Redis the crawl is kept in", s.name)
	case s.url != "" && s.name == "":
		return fmt.Errorf("--frontier needs --crawl NAME: which crawl of that Redis")
	case s.url == "" && (s.status || s.drop || s.worker != ""):
		return fmt.Errorf("--status, --drop and --worker are for a shared crawl: give --frontier and --crawl")
	case s.retry < 0:
		return fmt.Errorf("--frontier-retry must not be negative, got %v", s.retry)
	case s.status && s.drop:
		return fmt.Errorf("--status and --drop exclude each other")
	case (s.status || s.drop) && urls:
		return fmt.Errorf("--status and --drop take no URL")
	case s.url != "" && o.compare:
		return fmt.Errorf("--compare crawls twice; a shared crawl fetches each URL once: leave one out")
	}
	return nil
}

// quietRedis keeps go-redis's own log lines out of the command's output:
// the command reports a failing Redis itself.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// connect opens the shared crawl's frontier. A Redis that is not there,
// or a bad URL or name, is a usage error.
func (s *sharedCrawl) connect(ctx context.Context, stderr io.Writer) (*redisfrontier.Frontier, error) {
	redis.SetLogger(quietRedis{})
	retry := s.retry
	if retry == 0 {
		retry = -1 // --frontier-retry 0: no retry
	}
	f, err := redisfrontier.Open(ctx, redisfrontier.Options{URL: s.url, Crawl: s.name, Worker: s.worker, Lease: s.lease,
		RetryFor: retry, OnRetry: func(err error, tried, next time.Duration) {
			fmt.Fprintf(stderr, "corio crawl: frontier: %v: trying again in %v (for %v so far, at most %v)\n", err, next, tried.Round(time.Millisecond), s.retry)
		}})
	if err != nil {
		return nil, fmt.Errorf("%w: crawl: %v", errUsage, err)
	}
	return f, nil
}

// status reads the shared crawl's status; no such crawl is a usage error.
func status(ctx context.Context, f *redisfrontier.Frontier) (redisfrontier.Status, error) {
	st, err := f.Status(ctx)
	switch {
	case errors.Is(err, crawl.ErrNoCrawl):
		return st, fmt.Errorf("%w: crawl: %v", errUsage, err)
	case err != nil:
		return st, named("crawl", err)
	}
	return st, nil
}

// open connects to the frontier and says, on stderr, which worker this
// is; cfg takes the crawl's settings if s.adopt. A Redis that is not
// there, a bad URL or name, or (adopting) no such crawl is a usage error.
func (s *sharedCrawl) open(ctx context.Context, stderr io.Writer, cfg *crawl.Config) (*redisfrontier.Frontier, error) {
	f, err := s.connect(ctx, stderr)
	if err != nil {
		return nil, err
	}
	if s.adopt {
		st, err := status(ctx, f)
		if err != nil {
			f.Close()
			return nil, err
		}
		cfg.Adopt(st.Settings)
	}
	fmt.Fprintf(stderr, "corio crawl: worker %s on crawl %s\n", f.Worker(), s.name)
	return f, nil
}

// admin runs --status or --drop.
func (s *sharedCrawl) admin(ctx context.Context, stdout, stderr io.Writer, asJSON bool) error {
	return corio.Run(ctx, func(ctx context.Context) error {
		f, err := s.connect(ctx, stderr)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := status(ctx, f)
		if err != nil {
			return err
		}
		if s.drop {
			if err := f.Drop(ctx); err != nil {
				return fmt.Errorf("crawl: dropping %s: %w", s.name, err)
			}
			fmt.Fprintf(stdout, "dropped crawl %s (%d fetched, %d failed, %d queued, %d in flight)\n", s.name, st.Fetched, st.Failed, st.Queued, st.InFlight)
			return nil
		}
		printStatus(stdout, st, asJSON)
		return nil
	})
}

// printStatus prints a shared crawl's progress: the crawl's, then a line
// per worker.
func printStatus(w io.Writer, st redisfrontier.Status, asJSON bool) {
	if asJSON {
		json.NewEncoder(w).Encode(st)
		return
	}
	state := "running"
	if st.Finished {
		state = "finished"
	}
	fmt.Fprintf(w, "crawl %s: %s\n", st.Crawl, state)
	fmt.Fprintf(w, "settings: depth %d  max %d  per-host %d  any-host %v  ignore-robots %v  hosts %s\n",
		st.Settings.Depth, st.Settings.Max, st.Settings.PerHost, st.Settings.AnyHost, st.Settings.IgnoreRobots, strings.Join(st.Hosts, " "))
	fmt.Fprintf(w, "queued %d  in flight %d  fetched %d  failed %d  skipped %d  admitted %d\n",
		st.Queued, st.InFlight, st.Fetched, st.Failed, st.Skipped, st.Admitted)
	if len(st.Workers) == 0 {
		return
	}
	fmt.Fprintf(w, "%-32s %9s %8s %7s %8s  %s\n", "worker", "in flight", "fetched", "failed", "skipped", "last seen")
	for _, wk := range st.Workers {
		fmt.Fprintf(w, "%-32s %9d %8d %7d %8d  %s ago\n", wk.Name, wk.InFlight, wk.Fetched, wk.Failed, wk.Skipped,
			st.Now.Sub(wk.LastSeen).Round(100*time.Millisecond))
	}
}
