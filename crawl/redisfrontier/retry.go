package redisfrontier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/corio-go/corio"
)

// ErrOutOfMemory is a call's error, wrapped, when Redis refuses a write
// at its maxmemory (with the noeviction policy a crawl requires).
var ErrOutOfMemory = errors.New("the Redis server is out of memory (maxmemory reached): raise maxmemory, or free memory")

// ErrEvictingPolicy is Open's error, wrapped, for a Redis that evicts
// keys when it is full: it would drop a crawl's URLs without a word.
var ErrEvictingPolicy = errors.New("the Redis server evicts keys when full, which would lose URLs of the crawl: set maxmemory-policy noeviction")

// The waits between tries of a call: doubling, within these.
const (
	firstRetryWait = 100 * time.Millisecond
	maxRetryWait   = 2 * time.Second
)

// do runs a Redis call (see call), trying it again while Redis is
// unreachable, loading or out of memory, within f.opts.RetryFor. A call
// tried again after an answer was lost (the connection broke after Redis
// ran it) is safe: every script leaves the crawl as one run would,
// counting the page twice in the status at most.
func do[T any](ctx context.Context, f *Frontier, fn func(ctx context.Context) (T, error)) (T, error) {
	start := corio.Now(ctx)
	wait := firstRetryWait
	for {
		v, err := call(ctx, fn)
		err = explain(err)
		if err == nil || ctx.Err() != nil || !transient(err) || f.opts.RetryFor < 0 {
			return v, err
		}
		tried := corio.Now(ctx).Sub(start)
		if tried+wait > f.opts.RetryFor {
			return v, fmt.Errorf("%w (tried for %v)", err, tried.Round(time.Millisecond))
		}
		if f.opts.OnRetry != nil {
			f.opts.OnRetry(err, tried, wait)
		}
		if serr := corio.Sleep(ctx, wait); serr != nil {
			return v, err
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// explain names the errors a user must act on.
func explain(err error) error {
	if err != nil && redis.HasErrorPrefix(err, "OOM") {
		return fmt.Errorf("%w: %v", ErrOutOfMemory, err)
	}
	return err
}

// transient reports whether another try of a call may succeed: Redis
// unreachable, restarting (LOADING), busy, paused (a timeout), or full.
func transient(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, ErrOutOfMemory), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return true
	case errors.Is(err, redis.ErrClosed):
		return false
	}
	for _, prefix := range []string{"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	return strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "i/o timeout")
}

// checkEviction refuses a Redis whose maxmemory-policy evicts keys. It
// reads INFO, which managed servers that disable CONFIG still answer.
func checkEviction(ctx context.Context, o redis.Options) error {
	o.MaxRetries, o.PoolSize = -1, 1
	rdb := redis.NewClient(&o)
	defer rdb.Close()
	info, err := call(ctx, func(ctx context.Context) (string, error) { return rdb.Info(ctx, "memory").Result() })
	if err != nil {
		return fmt.Errorf("reading its memory policy: %w", err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "maxmemory_policy:"); ok && v != "noeviction" {
			return fmt.Errorf("%w (it has %s)", ErrEvictingPolicy, v)
		}
	}
	return nil
}
