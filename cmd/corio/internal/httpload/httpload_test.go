package httpload

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/hubhttp"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// serve answers every request with a short 200 from tasks of the hub of
// ctx, after stall says how long to hold it (the time is the hub's:
// virtual in these tests).
func serve(ctx context.Context, t *testing.T, stall func(now time.Time) time.Duration) (url string, stop func()) {
	t.Helper()
	base, stop := hubhttp.Serve(ctx, t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := stall(corio.Now(r.Context())); d > 0 {
			if corio.Sleep(r.Context(), d) != nil {
				return
			}
		}
		w.Write([]byte("ok"))
	}))
	return base + "/", stop
}

// runOnHub runs cfg on one hub on the virtual clock against serve.
func runOnHub(t *testing.T, cfg Config, stall func(elapsed time.Duration) time.Duration) *Result {
	t.Helper()
	var r *Result
	hubtest.Virtual(t, func(ctx context.Context) error {
		start := corio.Now(ctx)
		url, stop := serve(ctx, t, func(now time.Time) time.Duration { return stall(now.Sub(start)) })
		defer stop()
		cfg.URL = url
		if err := cfg.Validate(); err != nil {
			return err
		}
		r = RunHub(ctx, cfg, 0, 1, new(atomic.Int64))
		return nil
	})
	return r
}

// quick is a server that takes 1 ms per request. (On the virtual clock
// a server that takes no time would let a closed loop run forever at one
// instant.)
func quick(time.Duration) time.Duration { return time.Millisecond }

// At a rate the server keeps up with, the requests sent are the rate
// times the duration, and the rate achieved is the one asked.
func TestConstantRate(t *testing.T) {
	r := runOnHub(t, Config{Conns: 50, Duration: 2 * time.Second, Rate: 5000}, quick)
	if r.Requests != 10000 || r.ErrorCount() != 0 || r.Statuses[200] != 10000 {
		t.Fatalf("%d requests (%v), errors %v; want 10000 answered 200", r.Requests, r.Statuses, r.Errors)
	}
	if got := r.Rate(); math.Abs(got-5000)/5000 > 0.02 {
		t.Errorf("achieved %.1f requests/s, want 5000 ± 2%%", got)
	}
}

// A server that stalls for 1 s once every 10 s: at a constant rate the
// requests scheduled during a stall count it, from their scheduled send,
// so the tail shows it as the schedule says; closed-loop, only the
// requests in flight see it, and the p99 does not.
func TestCoordinatedOmissionCorrected(t *testing.T) {
	stall := func(elapsed time.Duration) time.Duration {
		if s := elapsed % (10 * time.Second); elapsed >= 10*time.Second && s < time.Second {
			return time.Second - s // held until the stall ends
		}
		return 500 * time.Microsecond
	}
	rated := runOnHub(t, Config{Conns: 10, Duration: 30 * time.Second, Rate: 1000}, stall)
	// Two stalls of 1 s in 30 s: 2/30 of the requests wait, for between
	// 0 and 1 s, evenly: the top p of all waits 1 - p*30/2 s and more.
	// Within 50 ms: after a stall, each connection's backlog (100
	// requests) drains at 0.5 ms a request.
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{99, 850 * time.Millisecond}, {97, 550 * time.Millisecond}, {99.9, 985 * time.Millisecond}} {
		got := time.Duration(rated.Latency.ValueAtQuantile(tc.q)) * time.Microsecond
		if d := got - tc.want; d < -50*time.Millisecond || d > 50*time.Millisecond {
			t.Errorf("at a rate, p%v = %v, want %v ± 50ms (from the schedule)", tc.q, got, tc.want)
		}
	}
	if p50 := rated.Latency.ValueAtQuantile(50); p50 > 2000 {
		t.Errorf("at a rate, p50 = %d µs: the requests outside the stalls wait for nothing", p50)
	}
	slower := func(elapsed time.Duration) time.Duration { return max(stall(elapsed), 10*time.Millisecond) }
	closed := runOnHub(t, Config{Conns: 10, Duration: 30 * time.Second}, slower)
	if p99 := time.Duration(closed.Latency.ValueAtQuantile(99)) * time.Microsecond; p99 > 20*time.Millisecond {
		t.Errorf("closed loop, p99 = %v: only the requests in flight see a stall", p99)
	}
	if max := time.Duration(closed.Latency.Max()) * time.Microsecond; max < 900*time.Millisecond {
		t.Errorf("closed loop, max = %v: the requests in flight at a stall wait for it", max)
	}
}

// Count bounds the requests; a server that is not there is a connect
// error, with the first one kept.
func TestCountAndConnectErrors(t *testing.T) {
	r := runOnHub(t, Config{Conns: 4, Count: 1000}, quick)
	if r.Requests != 1000 {
		t.Errorf("%d requests, want 1000", r.Requests)
	}
	var res *Result
	hubtest.Virtual(t, func(ctx context.Context) error {
		l, err := cnet.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		url := "http://" + l.Addr().String() + "/"
		l.Close() // nobody listens there now
		res = RunHub(ctx, Config{URL: url, Conns: 2, Count: 10}, 0, 1, new(atomic.Int64))
		return nil
	})
	if res.Requests != 0 || res.Errors[Connect] != 10 || res.FirstErrors[Connect] == nil {
		t.Errorf("requests %d, errors %v (%v), want 10 connect errors", res.Requests, res.Errors, res.FirstErrors)
	}
}

// Bad settings are refused, naming the one.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "ftp://x/", Conns: 1, Count: 1}, `URL "ftp://x/": want http:// or https:// and a host`},
		{Config{URL: "http://x/", Conns: 0, Count: 1}, "-c must be at least 1, got 0"},
		{Config{URL: "http://x/", Conns: 1}, "give -d or -n: the run needs an end"},
		{Config{URL: "http://x/", Conns: 1, Count: 1, Rate: -1}, "-d, -n, -R and --timeout must not be negative"},
		{Config{URL: "http://x/", Conns: 2, Count: 1, Hubs: 3}, "--hubs must be 1 to -c (2), got 3"},
	} {
		if err := tc.cfg.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// closingServer answers each connection's first request with a 200 of
// its own length, then closes the connection without saying so (as a
// server's idle timeout does between requests); it returns the URL, how
// many connections it accepted, and its stop.
func closingServer(ctx context.Context, t *testing.T) (url string, accepted *int, stop func()) {
	t.Helper()
	accepted = new(int)
	base, stop := hubhttp.ServeConns(ctx, t, func(ctx context.Context, c *cnet.Conn) {
		*accepted++
		if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		}
	})
	return base + "/", accepted, stop
}

// A kept-alive connection the server closed between requests is
// replaced, and an idempotent request sent again on the new one, as
// net/http's client does: no error. A POST is not sent again: each is a
// read error, and the next request is sent on a new connection.
func TestClosedWhileIdle(t *testing.T) {
	for _, tc := range []struct {
		method         string
		answered, errs uint64
		conns          int // the POST's failed exchange ends its connection
	}{{"GET", 10, 0, 10}, {"POST", 5, 5, 5}} {
		t.Run(tc.method, func(t *testing.T) {
			var r *Result
			var accepted int
			hubtest.Must(t, func(ctx context.Context) error {
				url, n, stop := closingServer(ctx, t)
				defer stop()
				r = RunHub(ctx, Config{URL: url, Method: tc.method, Conns: 1, Count: 10, Timeout: 5 * time.Second}, 0, 1, new(atomic.Int64))
				accepted = *n
				return nil
			})
			if r.Requests != tc.answered || r.Errors[Read] != tc.errs || r.ErrorCount() != tc.errs {
				t.Errorf("%d answered, errors %v (%v); want %d answered, %d read errors", r.Requests, r.Errors, r.FirstErrors, tc.answered, tc.errs)
			}
			if accepted != tc.conns {
				t.Errorf("%d connections, want %d", accepted, tc.conns)
			}
		})
	}
}

// Over TLS: with --insecure a server's own certificate is accepted; without
// it every connection fails its handshake, a connect error naming the
// certificate.
func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	for _, tc := range []struct {
		insecure bool
		answered uint64
		connect  uint64
	}{{true, 20, 0}, {false, 0, 5}} {
		var r *Result
		count := int(tc.answered + tc.connect)
		hubtest.Must(t, func(ctx context.Context) error {
			r = RunHub(ctx, Config{URL: srv.URL + "/", Conns: 2, Count: count, Insecure: tc.insecure, Timeout: 5 * time.Second}, 0, 1, new(atomic.Int64))
			return nil
		})
		if r.Requests != tc.answered || r.Statuses[200] != tc.answered || r.Errors[Connect] != tc.connect || r.ErrorCount() != tc.connect {
			t.Errorf("insecure=%v: %d answered (%v), errors %v (%v)", tc.insecure, r.Requests, r.Statuses, r.Errors, r.FirstErrors)
		}
		if tc.connect > 0 && !strings.Contains(fmt.Sprint(r.FirstErrors[Connect]), "certificate") {
			t.Errorf("insecure=%v: first connect error %v, want one about the certificate", tc.insecure, r.FirstErrors[Connect])
		}
	}
}
