// Package loadgen is the seed's many-client program as a load generator:
// connections held by cooperative tasks on a few hubs, each sending
// "client<i> say hello <n>" and checking that the reply is the message
// upper-cased, with throughput and latency figures. `corio load` and the
// tour's socket-server entry use it.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/upper"
)

// Config is one load run.
type Config struct {
	Addr     string        // the server, host:port
	Conns    int           // connections held at once
	Duration time.Duration // how long to send (0: until Count)
	Count    int           // messages in all, at most (0: until Duration)
	Size     int           // each message padded to this many bytes (0: as is)
	Hubs     int           // hubs (goroutines) the connections are spread on; default GOMAXPROCS
	// ReplyTimeout bounds the wait for each reply (and for each connect):
	// a server that does not answer in it fails the connection. 0 means
	// DefaultReplyTimeout.
	ReplyTimeout time.Duration
	// Sample, if set, is called with some exchanges (the first of each of
	// the first few connections), from the hubs' goroutines.
	Sample func(conn int, msg, reply string)
}

// Result is what a run measured.
type Result struct {
	Conns      int           // connections that were established
	Msgs       uint64        // messages answered and checked
	Errors     uint64        // connections that failed (dial, read, write)
	Mismatches uint64        // replies that were not the upper-cased message
	Elapsed    time.Duration // from the first dial to the last reply
	Latency    Histogram     // per message, send to full reply
	FirstError error         // the first error seen, if any
}

// MsgsPerSecond is the throughput.
func (r *Result) MsgsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Msgs) / r.Elapsed.Seconds()
}

// DefaultReplyTimeout is the reply bound when Config leaves it 0.
const DefaultReplyTimeout = 5 * time.Second

// ErrNoReplies is the error of a run in which the server answered no
// message at all: a load test of nothing.
var ErrNoReplies = errors.New("the server answered no message")

func (c *Config) replyTimeout() time.Duration {
	if c.ReplyTimeout == 0 {
		return DefaultReplyTimeout
	}
	return c.ReplyTimeout
}

// Validate reports what is wrong with c, for a usage message.
func (c *Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("no server address")
	case c.Conns < 1:
		return fmt.Errorf("connections must be at least 1, got %d", c.Conns)
	}
	for _, f := range []struct {
		name     string
		value    any
		negative bool
	}{
		{"duration", c.Duration, c.Duration < 0},
		{"count", c.Count, c.Count < 0},
		{"size", c.Size, c.Size < 0},
		{"hubs", c.Hubs, c.Hubs < 0},
		{"reply timeout", c.ReplyTimeout, c.ReplyTimeout < 0},
	} {
		if f.negative {
			return fmt.Errorf("%s must not be negative, got %v", f.name, f.value)
		}
	}
	if c.Duration == 0 && c.Count == 0 {
		return errors.New("neither a duration nor a count: the run would never end")
	}
	return nil
}

// Run runs the load and returns what it measured. Connection failures
// are counted in the result, not returned; the error is for a run that
// could not be made at all, or in which no message was answered
// (ErrNoReplies, with the result).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hubs := cfg.Hubs
	if hubs == 0 {
		hubs = runtime.GOMAXPROCS(0)
	}
	hubs = min(hubs, cfg.Conns)
	var budget atomic.Int64 // messages left to send, when Count bounds the run
	budget.Store(int64(cfg.Count))
	results := make([]Result, hubs)
	start := time.Now()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	var wg sync.WaitGroup
	errs := make([]error, hubs)
	for h := range hubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[h] = corio.Run(ctx, func(ctx context.Context) error {
				return runHub(ctx, &cfg, h, hubs, deadline, &budget, &results[h])
			})
		}()
	}
	wg.Wait()
	total := &Result{Elapsed: time.Since(start)}
	for i := range results {
		r := &results[i]
		total.Conns += r.Conns
		total.Msgs += r.Msgs
		total.Errors += r.Errors
		total.Mismatches += r.Mismatches
		total.Latency.Merge(&r.Latency)
		if total.FirstError == nil {
			total.FirstError = r.FirstError
		}
	}
	if err := errors.Join(errs...); err != nil && ctx.Err() == nil {
		return total, err
	}
	if total.Msgs == 0 && ctx.Err() == nil {
		if total.FirstError != nil {
			return total, fmt.Errorf("%w (%d connections, first error: %v)", ErrNoReplies, total.Conns, total.FirstError)
		}
		return total, fmt.Errorf("%w (%d connections)", ErrNoReplies, total.Conns)
	}
	return total, nil
}

// runHub runs the connections numbered h, h+hubs, ... on this hub.
func runHub(hubCtx context.Context, cfg *Config, h, hubs int, deadline time.Time, budget *atomic.Int64, r *Result) error {
	ctx := hubCtx
	if !deadline.IsZero() { // the clients stop at the deadline
		var cancel context.CancelFunc
		ctx, cancel = corio.WithDeadline(hubCtx, deadline)
		defer cancel()
	}
	g := corio.NewGroup()
	for i := h; i < cfg.Conns; i += hubs {
		g.Spawn(ctx, func(ctx context.Context) error {
			err := client(ctx, cfg, i, budget, r)
			if err != nil && ctx.Err() == nil {
				r.Errors++
				if r.FirstError == nil {
					r.FirstError = fmt.Errorf("connection %d: %w", i, err)
				}
			}
			return nil
		})
	}
	return g.Join(hubCtx) // they end soon after the deadline
}

// client is one connection of the seed's client program.
func client(ctx context.Context, cfg *Config, i int, budget *atomic.Int64, r *Result) error {
	timeout := cfg.replyTimeout()
	dctx, cancel := corio.WithTimeout(ctx, timeout)
	c, err := cnet.Dial(dctx, "tcp", cfg.Addr)
	cancel()
	if err != nil {
		return err
	}
	defer c.Close()
	r.Conns++
	runEnd, bounded := ctx.Deadline()
	prefix := "client" + strconv.Itoa(i) + " say hello "
	msg := make([]byte, 0, max(cfg.Size, len(prefix)+20))
	reply := make([]byte, 0, cap(msg))
	for n := 0; ; n++ {
		if cfg.Count > 0 && budget.Add(-1) < 0 {
			return nil
		}
		msg = strconv.AppendInt(append(msg[:0], prefix...), int64(n), 10)
		for len(msg) < cfg.Size {
			msg = append(msg, '.')
		}
		sent := time.Now()
		// This exchange ends by the reply bound, or the run's end if
		// that comes first.
		dl := corio.Now(ctx).Add(timeout)
		if bounded && runEnd.Before(dl) {
			dl = runEnd
		}
		c.SetDeadline(dl)
		if _, err := c.Write(msg); err != nil {
			return stopped(ctx, err, timeout)
		}
		reply = reply[:len(msg)]
		if _, err := io.ReadFull(c, reply); err != nil {
			return stopped(ctx, err, timeout)
		}
		r.Latency.Record(time.Since(sent))
		r.Msgs++
		if !upper.Matches(reply, msg) {
			r.Mismatches++
		}
		if cfg.Sample != nil && n == 0 && i < 3 {
			cfg.Sample(i, string(msg), string(reply))
		}
	}
}

// stopped tells an error that ends the run (its deadline reached) from
// a failure; a reply that did not come in timeout is one.
func stopped(ctx context.Context, err error, timeout time.Duration) error {
	if ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if d, ok := ctx.Deadline(); ok && !corio.Now(ctx).Before(d) {
			return nil // the connection's deadline was the run's end
		}
		return fmt.Errorf("no reply in %v: %w", timeout, err)
	}
	return err
}
