// Package filefrontier keeps a crawl's frontier in a file, so that a
// crawl stopped (Ctrl-C, a kill, a crash of the machine) and started again
// with the same file goes on where it was, without a Redis server:
// `corio crawl --state FILE`.
//
// The file is a bbolt database (go.etcd.io/bbolt, the embedded store of
// etcd): pure Go, one file, each change a transaction that is on disk
// (fsync) before the call returns, so that what the crawler was told is
// recorded stays recorded whatever happens next. A page's outcome and
// the links found on it are one transaction: after a stop, every URL is
// either done, with its links admitted, or still queued. The pages being
// fetched at a stop are queued still, and fetched again by the next run:
// those are the only pages a resumed crawl fetches twice.
//
// Why bbolt and not a journal of our own: it gives atomic transactions,
// crash safety and a lock against a second process on the same file, and
// it is maintained; the transactions of pages that end together are
// grouped (DB.Batch), one fsync for many pages.
//
// The frontier serves one process (the file is locked); its calls to the
// file run off the hub (corio.Blocking).
package filefrontier

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
)

// The buckets of the file.
var (
	bucketMeta  = []byte("meta")  // settings, hosts, next, admitted
	bucketQueue = []byte("queue") // sequence number (8 bytes, big-endian) → "DEPTH URL"
	bucketSeen  = []byte("seen")  // URL → its outcome, or "queued"
)

// A Frontier is a crawl kept in a file. See the package doc.
type Frontier struct {
	db       *bolt.DB
	settings crawl.Settings
	hosts    []string
	queue    []queued          // in memory, oldest first
	leased   map[string]uint64 // URL → its key in the queue bucket
	changed  corio.Event       // the queue gained an entry, or a lease ended
	perHost  map[string]*corio.Semaphore
}

// A queued entry, with its key in the file.
type queued struct {
	e   crawl.Entry
	seq uint64
}

// Open opens (or creates) the crawl state in the file name. A file in
// use by another process is an error after a second. It blocks on the
// file system: call it through corio.Blocking from a task.
func Open(name string) (*Frontier, error) {
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return nil, fmt.Errorf("state %s is a directory: give a file name", name)
	}
	db, err := bolt.Open(name, 0o644, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state %s is in use by another crawl", name)
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketQueue, bucketSeen} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	return &Frontier{db: db, leased: map[string]uint64{}, perHost: map[string]*corio.Semaphore{}}, nil
}

// Close closes the file. It blocks on the file system.
func (f *Frontier) Close() error { return f.db.Close() }

// offload runs a call to the file off the hub.
func offload[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	return corio.Blocking(ctx, func(context.Context) (T, error) { return fn() })
}

func (f *Frontier) Open(ctx context.Context, s crawl.Settings, seeds []crawl.Entry) ([]string, int, error) {
	want, err := json.Marshal(s)
	if err != nil {
		return nil, 0, err
	}
	type opened struct {
		hosts    []string
		admitted int
		queue    []queued
	}
	o, err := offload(ctx, func() (opened, error) {
		var o opened
		err := f.db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			current := meta.Get([]byte("settings"))
			switch {
			case current == nil && len(seeds) == 0:
				return crawl.ErrNoCrawl
			case current != nil && string(current) != string(want):
				return fmt.Errorf("%w: the state file's are %s, these %s", crawl.ErrSettings, current, want)
			case current == nil:
				if err := meta.Put([]byte("settings"), want); err != nil {
					return err
				}
			}
			if err := json.Unmarshal(meta.Get([]byte("hosts")), &o.hosts); err != nil && meta.Get([]byte("hosts")) != nil {
				return err
			}
			for _, h := range crawl.SeedHosts(seeds) {
				if !slices.Contains(o.hosts, h) {
					o.hosts = append(o.hosts, h)
				}
			}
			hosts, _ := json.Marshal(o.hosts)
			if err := meta.Put([]byte("hosts"), hosts); err != nil {
				return err
			}
			admitted, err := admit(tx, s.Max, seeds)
			if err != nil {
				return err
			}
			o.admitted = len(admitted)
			return tx.Bucket(bucketQueue).ForEach(func(k, v []byte) error {
				e, err := decode(v)
				if err != nil {
					return err
				}
				o.queue = append(o.queue, queued{e, binary.BigEndian.Uint64(k)})
				return nil
			})
		})
		return o, err
	})
	if err != nil {
		return nil, 0, err
	}
	f.settings, f.hosts, f.queue = s, o.hosts, o.queue
	f.changed.Set()
	return f.hosts, o.admitted, nil
}

// admit queues the entries never seen, within max (0: no bound), in tx;
// it returns them with their keys.
func admit(tx *bolt.Tx, max int, entries []crawl.Entry) ([]queued, error) {
	meta, queue, seen := tx.Bucket(bucketMeta), tx.Bucket(bucketQueue), tx.Bucket(bucketSeen)
	count, next := counter(meta, "admitted"), counter(meta, "next")
	var added []queued
	for _, e := range entries {
		if max > 0 && count >= uint64(max) {
			break
		}
		if seen.Get([]byte(e.URL)) != nil {
			continue
		}
		if err := seen.Put([]byte(e.URL), []byte("queued")); err != nil {
			return nil, err
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], next)
		if err := queue.Put(key[:], encode(e)); err != nil {
			return nil, err
		}
		added = append(added, queued{e, next})
		next++
		count++
	}
	if len(added) == 0 {
		return nil, nil
	}
	if err := putCounter(meta, "admitted", count); err != nil {
		return nil, err
	}
	return added, putCounter(meta, "next", next)
}

func counter(b *bolt.Bucket, name string) uint64 {
	v := b.Get([]byte(name))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putCounter(b *bolt.Bucket, name string, n uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], n)
	return b.Put([]byte(name), v[:])
}

func (f *Frontier) Take(ctx context.Context, n int) ([]crawl.Entry, bool, error) {
	for len(f.queue) == 0 {
		if len(f.leased) == 0 {
			return nil, true, nil
		}
		f.changed.Clear()
		if err := f.changed.Wait(ctx); err != nil {
			return nil, false, err
		}
	}
	n = min(n, len(f.queue))
	taken := make([]crawl.Entry, n)
	for i, q := range f.queue[:n] {
		taken[i] = q.e
		f.leased[q.e.URL] = q.seq
	}
	f.queue = slices.Delete(f.queue, 0, n)
	return taken, false, nil
}

// Done records e's outcome and admits found in one transaction, on disk
// before it returns.
func (f *Frontier) Done(ctx context.Context, e crawl.Entry, o crawl.Outcome, found []crawl.Entry) (int, error) {
	seq, ok := f.leased[e.URL]
	if !ok {
		return 0, fmt.Errorf("state: %s is not being fetched", e.URL)
	}
	// To its end even when ctx ends (a stop): the page was reported, and
	// a record lost here would have it fetched again by the next run.
	added, err := offload(context.WithoutCancel(ctx), func() ([]queued, error) {
		var added []queued
		err := f.db.Batch(func(tx *bolt.Tx) error {
			added = nil // Batch may run this more than once
			var key [8]byte
			binary.BigEndian.PutUint64(key[:], seq)
			if err := tx.Bucket(bucketQueue).Delete(key[:]); err != nil {
				return err
			}
			if err := tx.Bucket(bucketSeen).Put([]byte(e.URL), []byte(o.String())); err != nil {
				return err
			}
			var err error
			added, err = admit(tx, f.settings.Max, found)
			return err
		})
		return added, err
	})
	if err != nil {
		return 0, fmt.Errorf("state: %w", err)
	}
	delete(f.leased, e.URL)
	f.queue = append(f.queue, added...)
	f.changed.Set()
	return len(added), nil
}

// GiveBack queues entries again, in front: they stay in the file as they
// were, queued.
func (f *Frontier) GiveBack(_ context.Context, entries []crawl.Entry) error {
	back := make([]queued, 0, len(entries))
	for _, e := range entries {
		if seq, ok := f.leased[e.URL]; ok {
			back = append(back, queued{e, seq})
			delete(f.leased, e.URL)
		}
	}
	f.queue = append(back, f.queue...)
	f.changed.Set()
	return nil
}

func (f *Frontier) EnterHost(ctx context.Context, host string, limit int, _ crawl.Entry) error {
	sem := f.perHost[host]
	if sem == nil {
		sem = corio.NewSemaphore(limit)
		f.perHost[host] = sem
	}
	return sem.Acquire(ctx)
}

func (f *Frontier) LeaveHost(_ context.Context, host string, _ crawl.Entry) error {
	return f.perHost[host].Release()
}

// Keep has nothing to do: every change is on disk when its call returns.
func (f *Frontier) Keep(context.Context) error { return nil }

// Status counts the crawl in the file: queued, and done by outcome. It
// blocks on the file system.
func (f *Frontier) Status() (queued int, done map[string]int, err error) {
	done = map[string]int{}
	err = f.db.View(func(tx *bolt.Tx) error {
		queued = tx.Bucket(bucketQueue).Stats().KeyN
		return tx.Bucket(bucketSeen).ForEach(func(_, v []byte) error {
			if s := string(v); s != "queued" {
				done[s]++
			}
			return nil
		})
	})
	return queued, done, err
}

// encode is an entry as the file keeps it (crawl.Entry.Encode).
func encode(e crawl.Entry) []byte { return []byte(e.Encode()) }

func decode(v []byte) (crawl.Entry, error) {
	e, err := crawl.DecodeEntry(string(v))
	if err != nil {
		return e, fmt.Errorf("state: a queued %w", err)
	}
	return e, nil
}

var _ crawl.Frontier = (*Frontier)(nil)

// Settings returns the settings of the crawl in the file, and whether
// there is one: for a run that resumes it without giving them again. It
// blocks on the file system.
func (f *Frontier) Settings() (crawl.Settings, bool, error) {
	var s crawl.Settings
	var found bool
	err := f.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get([]byte("settings"))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &s)
	})
	return s, found, err
}
