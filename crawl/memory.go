package crawl

import (
	"context"
	"hash/maphash"
	"slices"

	"github.com/corio-go/corio"
)

// memoryFrontier is the frontier of a crawl in one process: a queue, a
// set of fingerprints, and counts, owned by the hub's goroutine.
type memoryFrontier struct {
	settings Settings
	hosts    []string
	seen     map[uint64]struct{} // the fingerprint of every URL admitted
	seed     maphash.Seed        // of the fingerprints
	admitted int                 // for Max
	queue    []Entry             // breadth first
	leased   int                 // entries taken and not done
	changed  corio.Event         // set when the queue gains an entry or a lease ends
	perHost  map[string]*corio.Semaphore
}

// NewMemoryFrontier returns the frontier of a crawl held in this process
// (the default): it ends with the crawl. It serves the tasks of one hub.
//
// URLs are told apart by a 64-bit fingerprint of their text, which keeps
// a long crawl's memory small (two URLs of a million share one with a
// chance of 1 in 36 million).
func NewMemoryFrontier() Frontier {
	return &memoryFrontier{seen: map[uint64]struct{}{}, seed: maphash.MakeSeed(), perHost: map[string]*corio.Semaphore{}}
}

func (f *memoryFrontier) Open(_ context.Context, s Settings, seeds []Entry) ([]string, int, error) {
	if f.seen == nil {
		panic("crawl: a memory frontier must be made by NewMemoryFrontier")
	}
	if len(seeds) == 0 && len(f.hosts) == 0 {
		return nil, 0, ErrNoCrawl
	}
	f.settings = s
	for _, h := range SeedHosts(seeds) {
		if !slices.Contains(f.hosts, h) {
			f.hosts = append(f.hosts, h)
		}
	}
	if len(f.queue) == 0 {
		// A long list of starting URLs is queued in place, not copied.
		f.queue = seeds[:0]
	}
	return f.hosts, f.admit(seeds), nil
}

// admit queues the entries never admitted before, while within Max.
func (f *memoryFrontier) admit(entries []Entry) int {
	n := 0
	for _, e := range entries {
		if f.settings.Max > 0 && f.admitted >= f.settings.Max {
			break
		}
		fp := maphash.String(f.seed, e.URL)
		if _, met := f.seen[fp]; met {
			continue
		}
		f.seen[fp] = struct{}{}
		f.admitted++
		f.queue = append(f.queue, e)
		n++
	}
	if n > 0 {
		f.changed.Set()
	}
	return n
}

func (f *memoryFrontier) Take(ctx context.Context, n int) ([]Entry, bool, error) {
	for len(f.queue) == 0 {
		if f.leased == 0 {
			return nil, true, nil
		}
		f.changed.Clear()
		if err := f.changed.Wait(ctx); err != nil {
			return nil, false, err
		}
	}
	n = min(n, len(f.queue))
	taken := make([]Entry, n)
	copy(taken, f.queue)
	clear(f.queue[:n]) // the strings are the caller's now
	f.queue = f.queue[n:]
	f.leased += n
	return taken, false, nil
}

func (f *memoryFrontier) Done(_ context.Context, _ Entry, _ Outcome, found []Entry) (int, error) {
	f.leased--
	f.changed.Set()
	return f.admit(found), nil
}

func (f *memoryFrontier) GiveBack(_ context.Context, entries []Entry) error {
	f.leased -= len(entries)
	f.queue = append(append([]Entry(nil), entries...), f.queue...)
	f.changed.Set()
	return nil
}

func (f *memoryFrontier) EnterHost(ctx context.Context, host string, limit int, _ Entry) error {
	sem := f.perHost[host]
	if sem == nil {
		sem = corio.NewSemaphore(limit)
		f.perHost[host] = sem
	}
	return sem.Acquire(ctx)
}

func (f *memoryFrontier) LeaveHost(_ context.Context, host string, _ Entry) error {
	return f.perHost[host].Release()
}

// Keep has nothing to do: nothing of an in-process crawl expires.
func (f *memoryFrontier) Keep(context.Context) error { return nil }
