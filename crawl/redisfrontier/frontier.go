package redisfrontier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"crypto/rand"

	"github.com/redis/go-redis/v9"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
)

// Defaults of Options.
const (
	DefaultLease    = 30 * time.Second
	DefaultPoll     = 100 * time.Millisecond
	DefaultRetryFor = time.Minute
)

// Options say which crawl of which Redis to join, and how.
type Options struct {
	URL    string        // redis://[:PASSWORD@]HOST:PORT/DB, or rediss:// for TLS
	Crawl  string        // the crawl's name: letters, digits, '.', '_', '-', at most 100
	Worker string        // this worker's name in the status ("": host-PID-random)
	Lease  time.Duration // how long a URL taken stays this worker's without a renewal (0: DefaultLease)
	Poll   time.Duration // how often a worker with nothing to fetch asks again (0: DefaultPoll)

	// RetryFor bounds how long a call is tried again while Redis does not
	// answer, is loading its data, or is out of memory (0:
	// DefaultRetryFor; negative: no retry), waiting twice as long each
	// time, up to 2 s: a Redis restarted or paused for less goes
	// unnoticed but for OnRetry. Past it the call fails, and the crawl
	// stops (what the worker fetched is written; its leases run out and
	// other workers fetch them again).
	RetryFor time.Duration
	// OnRetry, if set, is told of each wait: the error, how long the call
	// has been tried, and the wait before the next try.
	OnRetry func(err error, tried, next time.Duration)
}

// ErrUnreachable is what Open returns, wrapped, when the Redis server
// does not answer.
var ErrUnreachable = errors.New("the Redis server does not answer")

var crawlName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// A Frontier is a crawl kept in Redis, shared by every worker that opens
// it with the same name; see the package doc. It is a crawl.Frontier for
// the tasks of one hub; Open and Close may be called from anywhere.
type Frontier struct {
	rdb    *redis.Client
	opts   Options
	keys   keys
	worker string
	max    int
	mine   map[string]struct{} // entries leased to this worker
	ahead  []crawl.Entry       // of those, taken ahead of the crawler's asking

	pending    []*doneRequest    // pages ended, waiting for the batch in flight
	flushing   bool              // a batch is in flight
	flushTakes bool              // and takes entries for the next fetches
	batches    int               // sent, for the tests
	slots      map[string]string // entry → the key of the host slot it holds
	change     corio.Event       // set when this worker ends a lease: Take may find the crawl over
}

// keys are the crawl's, all with one hash tag, so that a Redis Cluster
// keeps them on one node (the scripts need that).
type keys struct {
	prefix                               string
	settings, hosts, seen, queue, leases string
	owners, admitted, stats, workers     string
}

func newKeys(name string) keys {
	p := "corio:crawl:{" + name + "}:"
	return keys{
		prefix: p, settings: p + "settings", hosts: p + "hosts", seen: p + "seen", queue: p + "queue",
		leases: p + "leases", owners: p + "owners", admitted: p + "admitted", stats: p + "stats", workers: p + "workers",
	}
}

func (k keys) host(h string) string { return k.prefix + "host:" + h }

// Open connects to the Redis of opts.URL and returns the frontier of the
// crawl opts.Crawl; the crawl itself is joined (or started) by the
// crawler's call to its Open. A bad URL or name, or a Redis that does not
// answer (ErrUnreachable) within ten seconds, is an error. It may be
// called from any goroutine: in a task, it waits cooperatively.
func Open(ctx context.Context, opts Options) (*Frontier, error) {
	ropts, err := parseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if !crawlName.MatchString(opts.Crawl) {
		return nil, fmt.Errorf("crawl name %q: want 1 to 100 letters, digits, '.', '_' or '-'", opts.Crawl)
	}
	if opts.Lease < 0 || opts.Poll < 0 {
		return nil, fmt.Errorf("lease %v and poll %v must not be negative", opts.Lease, opts.Poll)
	}
	if opts.Lease == 0 {
		opts.Lease = DefaultLease
	}
	if opts.Lease < 100*time.Millisecond {
		return nil, fmt.Errorf("lease %v: at least 100ms, to be renewed in time", opts.Lease)
	}
	if opts.Poll == 0 {
		opts.Poll = DefaultPoll
	}
	if opts.RetryFor == 0 {
		opts.RetryFor = DefaultRetryFor
	}
	worker := opts.Worker
	if worker == "" {
		worker = defaultWorkerName()
	}
	if strings.ContainsAny(worker, " :") {
		return nil, fmt.Errorf("worker name %q: no spaces or colons", worker)
	}
	ropts.DialTimeout = 10 * time.Second
	if err := ping(ctx, *ropts); err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, redacted(opts.URL), err)
	}
	if err := checkEviction(ctx, *ropts); err != nil {
		return nil, fmt.Errorf("%s: %w", redacted(opts.URL), err)
	}
	// Tried again by do, which says so (OnRetry), rather than by the
	// client, which says nothing.
	ropts.MaxRetries = -1
	rdb := redis.NewClient(ropts)
	return &Frontier{rdb: rdb, opts: opts, keys: newKeys(opts.Crawl), worker: worker, mine: map[string]struct{}{}, slots: map[string]string{}}, nil
}

// ping asks the server once, without the retries a crawl's calls have:
// a Redis that is not there is a mistake to report at once.
func ping(ctx context.Context, o redis.Options) error {
	o.MaxRetries, o.DialerRetries, o.PoolSize = -1, 1, 1
	rdb := redis.NewClient(&o)
	defer rdb.Close()
	_, err := call(ctx, func(ctx context.Context) (string, error) { return rdb.Ping(ctx).Result() })
	return err
}

// parseURL reads a Redis URL, saying what a good one looks like.
func parseURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" && u.Scheme != "rediss" || u.Host == "" {
		return nil, fmt.Errorf("frontier %q: want redis://HOST:PORT/DB (or rediss:// for TLS)", raw)
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("frontier %q: %v", redacted(raw), err)
	}
	return o, nil
}

// redacted is a Redis URL without its password.
func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

func defaultWorkerName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	host = strings.NewReplacer(" ", "_", ":", "_").Replace(host)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:6])
}

// Worker is this worker's name in the crawl's status.
func (f *Frontier) Worker() string { return f.worker }

// Close closes the connections to Redis. The crawl stays in Redis.
func (f *Frontier) Close() error { return f.rdb.Close() }

// call runs a Redis call: off the hub's goroutine (corio.Blocking) in a
// task, as it is elsewhere. No Redis call blocks a hub.
func call[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	if corio.InTask(ctx) == nil {
		return corio.Blocking(ctx, fn)
	}
	return fn(ctx)
}

// callTimeout bounds a call that runs to its end although its caller's
// context ended (whole).
const callTimeout = 30 * time.Second

// whole runs a call that changes what this worker holds to its end, even
// when ctx ends meanwhile, bounded by callTimeout: its answer must be
// known, else what it took would stay leased to this worker, unknown to
// it, until the lease ended.
func whole[T any](ctx context.Context, f *Frontier, fn func(ctx context.Context) (T, error)) (T, error) {
	wctx, cancel := corio.WithTimeout(context.WithoutCancel(ctx), max(callTimeout, f.opts.RetryFor+callTimeout))
	defer cancel()
	return do(wctx, f, fn)
}

func (f *Frontier) Open(ctx context.Context, s crawl.Settings, seeds []crawl.Entry) ([]string, int, error) {
	settings, err := json.Marshal(s)
	if err != nil {
		return nil, 0, err
	}
	f.max = s.Max
	hosts := crawl.SeedHosts(seeds)
	args := []any{string(settings), s.Max, len(hosts)}
	for _, h := range hosts {
		args = append(args, h)
	}
	for _, e := range seeds {
		args = append(args, encode(e))
	}
	k := f.keys
	res, err := do(ctx, f, func(ctx context.Context) ([]any, error) {
		return openScript.Run(ctx, f.rdb, []string{k.settings, k.hosts, k.seen, k.queue, k.admitted}, args...).Slice()
	})
	if err != nil {
		return nil, 0, err
	}
	switch res[0] {
	case "nocrawl":
		return nil, 0, fmt.Errorf("%w: %q", crawl.ErrNoCrawl, f.opts.Crawl)
	case "settings":
		return nil, 0, fmt.Errorf("%w: %q has %s, this worker %s", crawl.ErrSettings, f.opts.Crawl, res[1], settings)
	}
	var all []string
	for _, h := range res[2].([]any) {
		all = append(all, h.(string))
	}
	return all, int(res[1].(int64)), nil
}

// takeAhead is how many entries a take asks for at least: those the
// crawler did not ask for wait, leased, for its next takes, so that a
// crawl that frees one slot at a time does not cost a call per page.
const takeAhead = 16

// Take serves entries taken ahead first; it asks Redis only when there
// are none.
func (f *Frontier) Take(ctx context.Context, n int) ([]crawl.Entry, bool, error) {
	k := f.keys
	want := max(n, takeAhead)
	for {
		// Taken ahead: by an earlier take, or by a batch of pages done
		// (also one that ended while this take waited).
		if len(f.ahead) > 0 {
			m := min(n, len(f.ahead))
			taken := slices.Clone(f.ahead[:m])
			f.ahead = f.ahead[m:]
			return taken, false, nil
		}
		// A batch on its way takes for the next fetches: wait for it
		// rather than ask too (which would hold twice as many ahead).
		if f.flushTakes {
			f.change.Clear()
			if err := f.change.Wait(ctx); err != nil {
				return nil, false, err
			}
			continue
		}
		// Cleared before the call, not after: a page of ours that ends
		// while the call is on its way must wake the wait below.
		f.change.Clear()
		res, err := whole(ctx, f, func(ctx context.Context) ([]any, error) {
			return takeScript.Run(ctx, f.rdb, []string{k.queue, k.leases, k.owners, k.workers}, want, f.opts.Lease.Milliseconds(), f.worker).Slice()
		})
		if err != nil {
			return nil, false, err
		}
		if len(res) > 2 {
			if err := f.keepTaken(res[2:]); err != nil {
				return nil, false, err
			}
			if err := ctx.Err(); err != nil {
				return nil, false, err // what was taken waits in ahead, for GiveBack
			}
			continue // served from ahead
		}
		if res[0].(int64) == 1 {
			return nil, true, nil
		}
		wctx, cancel := corio.WithTimeout(ctx, f.opts.Poll)
		f.change.Wait(wctx) // a page of ours ended, or it is time to ask again
		cancel()
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
	}
}

// keepTaken records entries leased to this worker, in the order taken,
// for its next takes.
func (f *Frontier) keepTaken(entries []any) error {
	for _, r := range entries {
		s, _ := r.(string)
		e, err := decode(s)
		if err != nil {
			// Not one of ours: leave it leased, to expire, and say so.
			return err
		}
		f.mine[s] = struct{}{}
		f.ahead = append(f.ahead, e)
	}
	return nil
}

// Done records pages in batches: while one batch's call is on its way,
// the pages that end meanwhile wait and go together in the next (group
// commit), so that under load a call carries many pages, and a page alone
// waits for no timer. The call also takes, for the next takes, as many
// entries as the batch has pages: the fetches that end are replaced
// without a call of their own.
func (f *Frontier) Done(ctx context.Context, e crawl.Entry, o crawl.Outcome, found []crawl.Entry) (int, error) {
	r := &doneRequest{entry: encode(e), outcome: o.String(), found: make([]string, len(found))}
	for i, fe := range found {
		r.found[i] = encode(fe)
	}
	f.pending = append(f.pending, r)
	if f.flushing {
		if err := r.done.Wait(ctx); err != nil {
			return 0, err // r is recorded all the same, with its batch
		}
	} else {
		f.flush(ctx)
	}
	return r.admitted, r.err
}

// A doneRequest is a page's outcome waiting for its batch.
type doneRequest struct {
	entry, outcome string
	found          []string
	admitted       int
	err            error
	done           corio.Event
}

// flush sends batches of pages until none waits. Its calls run to their
// end (whole): the pages of others ride on them.
func (f *Frontier) flush(ctx context.Context) {
	f.flushing = true
	defer func() {
		f.flushing, f.flushTakes = false, false
		f.change.Set() // for a take or a release waiting for the flush
	}()
	k := f.keys
	for len(f.pending) > 0 {
		batch := f.pending
		f.pending = nil
		// Each page done frees a fetch: take as many for the next ones,
		// beyond those taken ahead already.
		want := max(0, min(len(batch), takeAhead)-len(f.ahead))
		f.flushTakes = want > 0
		args := []any{f.worker, f.max, want, f.opts.Lease.Milliseconds()}
		for _, r := range batch {
			args = append(args, r.entry, r.outcome, len(r.found))
			for _, fe := range r.found {
				args = append(args, fe)
			}
		}
		res, err := whole(ctx, f, func(ctx context.Context) ([]any, error) {
			return doneScript.Run(ctx, f.rdb, []string{k.leases, k.owners, k.stats, k.seen, k.queue, k.admitted, k.workers}, args...).Slice()
		})
		f.batches++
		if err == nil && len(res) < len(batch) {
			err = fmt.Errorf("the done script answered %d values for %d pages", len(res), len(batch))
		}
		for i, r := range batch {
			if err != nil {
				r.err = err
			} else {
				r.admitted = int(res[i].(int64))
				delete(f.mine, r.entry)
			}
			r.done.Set()
		}
		if err == nil {
			if err := f.keepTaken(res[len(batch):]); err != nil {
				for _, r := range batch {
					r.err = err
				}
			}
		}
		f.change.Set()
	}
}

// GiveBack gives back the entries taken ahead too, once a batch of pages
// on its way (which may take more) has come back.
func (f *Frontier) GiveBack(ctx context.Context, entries []crawl.Entry) error {
	for f.flushing {
		f.change.Clear()
		if err := f.change.Wait(ctx); err != nil {
			return err
		}
	}
	entries = append(slices.Clone(entries), f.ahead...)
	f.ahead = nil
	if len(entries) == 0 {
		return nil
	}
	args := []any{f.worker}
	for _, e := range entries {
		args = append(args, encode(e))
	}
	k := f.keys
	_, err := do(ctx, f, func(ctx context.Context) (int64, error) {
		return giveBackScript.Run(ctx, f.rdb, []string{k.leases, k.owners, k.queue}, args...).Int64()
	})
	if err != nil {
		return err
	}
	for _, a := range args[1:] {
		delete(f.mine, a.(string))
	}
	f.change.Set()
	return nil
}

func (f *Frontier) EnterHost(ctx context.Context, host string, limit int, e crawl.Entry) error {
	key, entry := f.keys.host(host), encode(e)
	wait := 5 * time.Millisecond
	for {
		ok, err := whole(ctx, f, func(ctx context.Context) (int64, error) {
			return enterHostScript.Run(ctx, f.rdb, []string{key}, limit, f.opts.Lease.Milliseconds(), entry).Int64()
		})
		if err != nil {
			return err
		}
		if ok == 1 {
			f.slots[entry] = key
			if err := ctx.Err(); err != nil {
				f.LeaveHost(context.WithoutCancel(ctx), host, e) // taken as ctx ended: given back
				return err
			}
			return nil
		}
		if err := corio.Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, f.opts.Poll)
	}
}

func (f *Frontier) LeaveHost(ctx context.Context, host string, e crawl.Entry) error {
	key, entry := f.keys.host(host), encode(e)
	delete(f.slots, entry)
	_, err := do(ctx, f, func(ctx context.Context) (int64, error) { return f.rdb.ZRem(ctx, key, entry).Result() })
	return err
}

// Keep renews this worker's leases and host slots three times per lease
// until ctx ends. It stops the crawl (returns an error) when a renewal
// fails: the leases will expire, and other workers take the URLs.
func (f *Frontier) Keep(ctx context.Context) error {
	for {
		if err := corio.Sleep(ctx, f.opts.Lease/3); err != nil {
			return nil
		}
		if err := f.renew(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("renewing leases: %w", err)
		}
	}
}

func (f *Frontier) renew(ctx context.Context) error {
	k := f.keys
	keys := []string{k.leases, k.owners, k.workers}
	args := []any{f.worker, f.opts.Lease.Milliseconds(), len(f.mine)}
	for entry := range f.mine {
		args = append(args, entry)
	}
	for entry, key := range f.slots {
		keys = append(keys, key)
		args = append(args, entry)
	}
	_, err := do(ctx, f, func(ctx context.Context) (int64, error) {
		return renewScript.Run(ctx, f.rdb, keys, args...).Int64()
	})
	return err
}

// encode is an entry as the crawl stores it (crawl.Entry.Encode).
func encode(e crawl.Entry) string { return e.Encode() }

func decode(s string) (crawl.Entry, error) {
	e, err := crawl.DecodeEntry(s)
	if err != nil {
		return e, fmt.Errorf("in the crawl's queue: %w", err)
	}
	return e, nil
}
