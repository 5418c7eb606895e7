package redisfrontier

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/corio-go/corio/crawl"
)

// Status is a crawl's progress, across its workers.
type Status struct {
	Crawl    string         `json:"crawl"`
	Settings crawl.Settings `json:"settings"`
	Hosts    []string       `json:"hosts"`
	Queued   int64          `json:"queued"`
	InFlight int64          `json:"in_flight"` // leased, expired leases included until a worker reclaims them
	Admitted int64          `json:"admitted"`  // URLs the crawl took in, for Max
	Fetched  int64          `json:"fetched"`
	Failed   int64          `json:"failed"`
	Skipped  int64          `json:"skipped"` // disallowed by robots.txt when fetched
	Finished bool           `json:"finished"`
	Workers  []WorkerStatus `json:"workers"`
	Now      time.Time      `json:"-"` // Redis's clock, for the workers' LastSeen
}

// WorkerStatus is one worker's part of a crawl.
type WorkerStatus struct {
	Name     string    `json:"name"`
	InFlight int64     `json:"in_flight"`
	Fetched  int64     `json:"fetched"`
	Failed   int64     `json:"failed"`
	Skipped  int64     `json:"skipped"`
	LastSeen time.Time `json:"last_seen"` // its last take or renewal
}

// statusReads are the replies Status reads in one round trip.
type statusReads struct {
	settings         *redis.StringCmd
	hosts            *redis.StringSliceCmd
	queued, inFlight *redis.IntCmd
	admitted         *redis.StringCmd
	stats, owners    *redis.MapStringStringCmd
	workers          *redis.ZSliceCmd
	time             *redis.TimeCmd
}

// Status reads the crawl's progress; crawl.ErrNoCrawl if there is no such
// crawl. The figures are read together but not atomically: a crawl that
// runs moves meanwhile.
func (f *Frontier) Status(ctx context.Context) (Status, error) {
	r, err := do(ctx, f, f.readStatus)
	if err != nil {
		return Status{}, err
	}
	if r.settings.Err() == redis.Nil {
		return Status{}, fmt.Errorf("%w: %q", crawl.ErrNoCrawl, f.opts.Crawl)
	}
	s := Status{Crawl: f.opts.Crawl, Queued: r.queued.Val(), InFlight: r.inFlight.Val(), Now: r.time.Val()}
	if err := json.Unmarshal([]byte(r.settings.Val()), &s.Settings); err != nil {
		return Status{}, fmt.Errorf("crawl %q: settings %q: %v", f.opts.Crawl, r.settings.Val(), err)
	}
	s.Hosts = r.hosts.Val()
	sort.Strings(s.Hosts)
	s.Admitted, _ = strconv.ParseInt(r.admitted.Val(), 10, 64)
	s.countByWorker(r)
	s.Finished = s.Queued == 0 && s.InFlight == 0
	return s, nil
}

// readStatus reads the crawl's keys in one pipeline.
func (f *Frontier) readStatus(ctx context.Context) (statusReads, error) {
	k := f.keys
	var r statusReads
	_, err := f.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		r.settings = p.Get(ctx, k.settings)
		r.hosts = p.SMembers(ctx, k.hosts)
		r.queued = p.LLen(ctx, k.queue)
		r.inFlight = p.ZCard(ctx, k.leases)
		r.admitted = p.Get(ctx, k.admitted)
		r.stats = p.HGetAll(ctx, k.stats)
		r.owners = p.HGetAll(ctx, k.owners)
		r.workers = p.ZRangeWithScores(ctx, k.workers, 0, -1)
		r.time = p.Time(ctx)
		return nil
	})
	if err == redis.Nil {
		err = nil // a key not there yet
	}
	return r, err
}

// countByWorker fills in the crawl's totals and the workers' own, from
// the stats hash ("fetched", "fetched:WORKER", ...), the owners of the
// leases and the workers' last-seen times.
func (s *Status) countByWorker(r statusReads) {
	byName := map[string]*WorkerStatus{}
	worker := func(name string) *WorkerStatus {
		w := byName[name]
		if w == nil {
			w = &WorkerStatus{Name: name}
			byName[name] = w
		}
		return w
	}
	for _, z := range r.workers.Val() {
		worker(z.Member.(string)).LastSeen = time.UnixMilli(int64(z.Score))
	}
	for _, owner := range r.owners.Val() {
		worker(owner).InFlight++
	}
	for field, v := range r.stats.Val() {
		n, _ := strconv.ParseInt(v, 10, 64)
		outcome, name, perWorker := strings.Cut(field, ":")
		var total, own *int64
		w := &WorkerStatus{}
		if perWorker {
			w = worker(name)
		}
		switch outcome {
		case "fetched":
			total, own = &s.Fetched, &w.Fetched
		case "failed":
			total, own = &s.Failed, &w.Failed
		case "skipped":
			total, own = &s.Skipped, &w.Skipped
		default:
			continue
		}
		if perWorker {
			*own += n
		} else {
			*total += n
		}
	}
	for _, w := range byName {
		s.Workers = append(s.Workers, *w)
	}
	sort.Slice(s.Workers, func(i, j int) bool { return s.Workers[i].Name < s.Workers[j].Name })
}

// Drop deletes the crawl from Redis: its queue, leases, seen set,
// settings and figures. Workers still on it fail at their next call.
func (f *Frontier) Drop(ctx context.Context) error {
	k := f.keys
	_, err := do(ctx, f, func(ctx context.Context) (int64, error) {
		keys := []string{k.settings, k.hosts, k.seen, k.queue, k.leases, k.owners, k.admitted, k.stats, k.workers}
		iter := f.rdb.Scan(ctx, 0, k.prefix+"host:*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return 0, err
		}
		return f.rdb.Del(ctx, keys...).Result()
	})
	return err
}
