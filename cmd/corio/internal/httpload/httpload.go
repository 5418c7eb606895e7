// Package httpload is `corio load URL`: the seed's many clients as an
// HTTP/1.1 load generator. Each connection is a task of a hub sending
// requests one after another on a kept-alive connection; several hubs
// (one per core) each hold their share of the connections. The request is
// written from bytes made once for the run and each response is framed in
// the connection's buffer and discarded (wire.go, response.go), so that a
// core of the generator makes as much load as a core of wrk.
//
// Latency is measured honestly. In closed-loop mode (no rate) a request's
// latency runs from its send, as wrk's and hey's do. At a constant rate
// (Rate, wrk2's -R) every request has a scheduled send time, spread evenly
// over the connections, and its latency runs from that time: a request
// that could not be sent on time because the server stalled counts the
// stall, so the percentiles show it (coordinated omission corrected, as
// Gil Tene describes it and wrk2 does). Latencies go into HDR histograms
// (github.com/HdrHistogram/hdrhistogram-go), merged across hubs.
package httpload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/corio-go/corio"
)

// Config is one load run.
type Config struct {
	URL      string
	Method   string      // "": GET
	Header   http.Header // sent with each request
	Body     []byte      // sent with each request
	Conns    int         // connections held at once, at least 1
	Duration time.Duration
	Count    int     // requests in all, at most (0: until Duration)
	Rate     float64 // requests per second across all connections (0: closed loop)
	Hubs     int     // hubs the connections are spread on (0: 1)
	Timeout  time.Duration
	Insecure bool // accept any certificate
	// Answered, if set, counts the requests answered as they are, from
	// every hub: for a progress line read from another goroutine.
	Answered *atomic.Uint64
}

// Validate reports the first setting that is wrong, naming it.
func (c *Config) Validate() error {
	u, err := url.Parse(c.URL)
	switch {
	case err != nil:
		return fmt.Errorf("URL %q: %v", c.URL, err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("URL %q: want http:// or https:// and a host", c.URL)
	case c.Conns < 1:
		return fmt.Errorf("-c must be at least 1, got %d", c.Conns)
	case c.Duration < 0 || c.Count < 0 || c.Rate < 0 || c.Timeout < 0:
		return errors.New("-d, -n, -R and --timeout must not be negative")
	case c.Duration == 0 && c.Count == 0:
		return errors.New("give -d or -n: the run needs an end")
	case c.Hubs < 0 || c.Hubs > c.Conns:
		return fmt.Errorf("--hubs must be 1 to -c (%d), got %d", c.Conns, c.Hubs)
	}
	return nil
}

// An ErrorKind is what went wrong with a request.
type ErrorKind int

const (
	Connect ErrorKind = iota // the connection could not be made
	Read                     // the response failed
	Write                    // the request could not be sent
	Timeout                  // no whole response within the timeout
	nKinds
)

func (k ErrorKind) String() string {
	return [...]string{"connect", "read", "write", "timeout"}[k]
}

// Result is what a run measured.
type Result struct {
	Requests uint64         // answered (any status)
	Statuses map[int]uint64 // by status code
	Errors   [nKinds]uint64
	// FirstErrors is the first error of each kind, as an example.
	FirstErrors [nKinds]error
	Latency     *hdr.Histogram // µs: from the scheduled send at a Rate, else from the send
	Elapsed     time.Duration
	AskedRate   float64 // Config.Rate
	Interrupted bool    // the context ended first (Ctrl-C)
}

// Rate is the requests answered per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// ErrorCount is the errors of all kinds.
func (r *Result) ErrorCount() uint64 {
	var n uint64
	for _, e := range r.Errors {
		n += e
	}
	return n
}

// newHistogram records 1 µs to 1 hour with 3 significant figures.
func newHistogram() *hdr.Histogram { return hdr.New(1, int64(time.Hour/time.Microsecond), 3) }

// merge adds o into r.
func (r *Result) merge(o *Result) {
	r.Requests += o.Requests
	for s, n := range o.Statuses {
		r.Statuses[s] += n
	}
	for k := range r.Errors {
		r.Errors[k] += o.Errors[k]
		if r.FirstErrors[k] == nil {
			r.FirstErrors[k] = o.FirstErrors[k]
		}
	}
	r.Latency.Merge(o.Latency)
	r.Interrupted = r.Interrupted || o.Interrupted
}

func newResult(rate float64) *Result {
	return &Result{Statuses: map[int]uint64{}, Latency: newHistogram(), AskedRate: rate}
}

// Run runs the load on Config.Hubs hubs, each on a goroutine of its own,
// and returns their results merged. It ends at Duration, after Count
// requests, or when ctx ends (the result is then marked Interrupted).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hubs := max(cfg.Hubs, 1)
	results := make([]*Result, hubs)
	errs := make([]error, hubs)
	var wg sync.WaitGroup
	var sent atomic.Int64 // requests started, all hubs, against Count
	start := time.Now()
	for i := range hubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = corio.Run(ctx, func(ctx context.Context) error {
				results[i] = RunHub(ctx, cfg, i, hubs, &sent)
				return nil
			})
		}()
	}
	wg.Wait()
	total := newResult(cfg.Rate)
	for i, r := range results {
		if errs[i] != nil && !errors.Is(errs[i], context.Canceled) {
			return nil, errs[i]
		}
		if r != nil {
			total.merge(r)
		}
	}
	total.Elapsed = time.Since(start)
	if cfg.Duration > 0 && !total.Interrupted {
		total.Elapsed = min(total.Elapsed, cfg.Duration)
	}
	total.Interrupted = ctx.Err() != nil
	return total, nil
}

// RunHub runs hub number hub (of hubs) of the load, in a task of a hub:
// its share of the connections, each a task. sent counts the requests
// started by all hubs, for Count. Its clock is the hub's: on a virtual
// clock, a test's run takes no real time.
func RunHub(ctx context.Context, cfg Config, hub, hubs int, sent *atomic.Int64) *Result {
	r := newResult(cfg.Rate)
	conns := cfg.Conns / hubs
	if hub < cfg.Conns%hubs {
		conns++
	}
	t, err := newTarget(cfg)
	if err != nil { // checked by Validate
		r.fail(Write, err)
		return r
	}
	start := corio.Now(ctx)
	var end time.Time
	if cfg.Duration > 0 {
		end = start.Add(cfg.Duration)
	}
	g := corio.NewGroup()
	for c := range conns {
		global := hub + c*hubs // the connection's number among all
		g.Spawn(ctx, func(ctx context.Context) error {
			(&conn{cfg: &cfg, r: r, target: t, sent: sent, n: global, start: start, end: end}).run(ctx)
			return nil
		})
	}
	g.Join(context.WithoutCancel(ctx)) // connections end on their own when ctx does
	r.Interrupted = ctx.Err() != nil
	r.Elapsed = corio.Now(ctx).Sub(start)
	return r
}

// A conn is one connection's task: requests one after another.
type conn struct {
	cfg        *Config
	r          *Result
	target     *target
	wire       *wireConn // nil until dialled, and after a failure
	sent       *atomic.Int64
	n          int       // its number among all connections
	start, end time.Time // end zero: until Count
}

func (c *conn) run(ctx context.Context) {
	defer c.hangUp()
	var interval time.Duration
	if c.cfg.Rate > 0 {
		// Each connection sends Rate/Conns requests a second, the
		// connections' schedules staggered evenly.
		interval = time.Duration(float64(time.Second) * float64(c.cfg.Conns) / c.cfg.Rate)
	}
	now := corio.Now(ctx) // read once a request: the end of one is the start of the next
	for k := 0; ; k++ {
		from := now
		if interval > 0 {
			sched := c.start.Add(time.Duration(k)*interval + time.Duration(c.n)*interval/time.Duration(c.cfg.Conns))
			if !c.end.IsZero() && !sched.Before(c.end) {
				return
			}
			if wait := sched.Sub(now); wait > 0 {
				if corio.Sleep(ctx, wait) != nil {
					return
				}
				now = corio.Now(ctx)
			}
			from = sched // latency from the scheduled send: the stall counts
		} else if !c.end.IsZero() && !from.Before(c.end) {
			return
		}
		if c.cfg.Count > 0 && c.sent.Add(1) > int64(c.cfg.Count) {
			return
		}
		if ctx.Err() != nil {
			return
		}
		now = c.one(ctx, from, now)
	}
}

// one sends a request at now and records its outcome, its latency from
// from; it returns the time it ended. A kept-alive connection the server
// closed while it was idle is replaced and the request sent again on the
// new one, if it may be (net/http's rule: an idempotent method); the
// latency then includes the reconnect.
func (c *conn) one(ctx context.Context, from, now time.Time) (end time.Time) {
	resp, kind, err := c.exchange(ctx, now)
	if err != nil && kind != Connect && c.wire.closedWhileIdle(err) && c.target.idempotent {
		c.hangUp()
		resp, kind, err = c.exchange(ctx, corio.Now(ctx))
	}
	end = corio.Now(ctx)
	if ctx.Err() != nil {
		return end // interrupted: not the server's doing
	}
	if err != nil {
		c.hangUp()
		c.fail(kindOf(kind, err), err)
		return end
	}
	if !resp.keepAlive {
		c.hangUp()
	}
	c.r.Requests++
	c.r.Statuses[resp.status]++
	if c.cfg.Answered != nil {
		c.cfg.Answered.Add(1)
	}
	c.r.Latency.RecordValue(max(1, end.Sub(from).Microseconds()))
	return end
}

// exchange sends one request on the connection at now, dialling it first
// if there is none, each within the timeout.
func (c *conn) exchange(ctx context.Context, now time.Time) (response, ErrorKind, error) {
	if c.wire == nil {
		w, err := dialWire(ctx, c.target, c.cfg.Timeout)
		if err != nil {
			return response{}, Connect, err
		}
		c.wire = w
		now = corio.Now(ctx) // the exchange's own time starts after the dial
	}
	var deadline time.Time
	if c.cfg.Timeout > 0 {
		deadline = now.Add(c.cfg.Timeout)
	}
	return c.wire.exchange(c.target, deadline)
}

// hangUp closes the connection, if there is one.
func (c *conn) hangUp() {
	if c.wire != nil {
		c.wire.close()
		c.wire = nil
	}
}

func (c *conn) fail(k ErrorKind, err error) { c.r.fail(k, err) }

func (r *Result) fail(k ErrorKind, err error) {
	r.Errors[k]++
	if r.FirstErrors[k] == nil {
		r.FirstErrors[k] = err
	}
}
