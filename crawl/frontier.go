package crawl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// An Entry is a URL of a crawl, normalized, with its depth: 0 for a
// starting URL, one more than the page it was found on for a link; and
// that page's URL, its referrer ("" for a starting URL).
type Entry struct {
	URL      string
	Depth    int
	Referrer string
}

// Encode is e as a frontier stores it: "DEPTH URL", then " REFERRER" if
// it has one (a normalized URL has no space).
func (e Entry) Encode() string {
	s := strconv.Itoa(e.Depth) + " " + e.URL
	if e.Referrer != "" {
		s += " " + e.Referrer
	}
	return s
}

// DecodeEntry reads what Encode wrote.
func DecodeEntry(s string) (Entry, error) {
	d, rest, ok := strings.Cut(s, " ")
	depth, err := strconv.Atoi(d)
	u, ref, _ := strings.Cut(rest, " ")
	if !ok || err != nil || depth < 0 || u == "" {
		return Entry{}, fmt.Errorf("entry %q is not \"DEPTH URL [REFERRER]\"", s)
	}
	return Entry{URL: u, Depth: depth, Referrer: ref}, nil
}

// SeedHosts returns the hosts (host:port) of entries, each once, in the
// order met: the hosts of a crawl's starting URLs, which Frontier.Open
// keeps for the same-host rule. An entry that is not a URL is left out.
func SeedHosts(entries []Entry) []string {
	var hosts []string
	seen := map[string]bool{}
	for _, e := range entries {
		if u, err := url.Parse(e.URL); err == nil && !seen[u.Host] {
			seen[u.Host] = true
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}

// Settings are what every worker of one crawl must agree on: a frontier
// shared by several processes keeps them with the crawl and refuses a
// worker that comes with others (ErrSettings).
type Settings struct {
	Depth        int  `json:"depth"`
	Max          int  `json:"max"`
	PerHost      int  `json:"per_host"`
	AnyHost      bool `json:"any_host"`
	IgnoreRobots bool `json:"ignore_robots"`
}

// An Outcome is how the fetch of an entry ended.
type Outcome int

const (
	Fetched Outcome = iota // with a status below 400
	Failed                 // with an error or a status of 400 or more
	Skipped                // not fetched: robots.txt disallows it
)

func (o Outcome) String() string {
	switch o {
	case Fetched:
		return "fetched"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// ErrSettings is what Frontier.Open returns, wrapped with the difference,
// when the crawl exists with other Settings.
var ErrSettings = errors.New("the crawl exists with other settings")

// ErrNoCrawl is what Frontier.Open returns when it is given no starting
// URL and the crawl does not exist: there is nothing to join.
var ErrNoCrawl = errors.New("no such crawl: give starting URLs to start it")

// A Frontier holds a crawl's URLs: those queued, those being fetched
// (leased to a worker), and the set of those ever admitted, so that each
// is fetched once. The crawler calls it from the tasks of its hub, one
// call at a time per task; calls may wait (cooperatively: a frontier must
// not block the hub's goroutine).
//
// NewMemoryFrontier is the default, for a crawl in one process. A
// frontier shared by several processes (package crawl/redisfrontier) lets
// any number of workers, on any machines, run one crawl.
type Frontier interface {
	// Open joins the crawl with settings, admitting seeds (normalized,
	// depth 0) as Add would. It returns the hosts of the crawl's starting
	// URLs, all workers' (for the same-host rule), and how many seeds
	// were admitted. With no seeds, a crawl that does not exist is
	// ErrNoCrawl; a crawl with other settings is ErrSettings, and
	// nothing is written. The frontier may keep seeds' array (the
	// in-process one queues a long list in place): the caller leaves it.
	Open(ctx context.Context, s Settings, seeds []Entry) (hosts []string, admitted int, err error)

	// Take leases up to n queued entries to this worker, oldest first,
	// waiting while none is queued but some are leased (a fetch may find
	// more). It returns none, with finished set, when the whole crawl is
	// over: nothing queued and nothing leased by any worker.
	Take(ctx context.Context, n int) (taken []Entry, finished bool, err error)

	// Done ends the lease of e, with its outcome, and admits the links
	// found on it: those never admitted before, while the crawl is within
	// Settings.Max. It returns how many were.
	Done(ctx context.Context, e Entry, o Outcome, found []Entry) (admitted int, err error)

	// GiveBack gives back entries leased and not fetched (the crawl was
	// stopped): they are queued again, ahead of the rest, with any the
	// frontier took ahead for this worker. The crawler calls it once when
	// a crawl stops, even with none.
	GiveBack(ctx context.Context, entries []Entry) error

	// EnterHost waits until fewer than limit of host's pages are being
	// fetched in the whole crawl, then counts e's among them until
	// LeaveHost.
	EnterHost(ctx context.Context, host string, limit int, e Entry) error
	LeaveHost(ctx context.Context, host string, e Entry) error

	// Keep runs while the crawl does, in a task of its own, for work the
	// frontier does meanwhile (renewing leases); it returns when ctx
	// ends, or with an error that stops the crawl.
	Keep(ctx context.Context) error
}
