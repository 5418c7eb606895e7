package loadgen

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corio-go/corio/cnet"
)

// startServer serves the seed's protocol; lie makes it answer lower-case.
func startServer(t *testing.T, lie bool) *cnet.StreamServer {
	t.Helper()
	srv := &cnet.StreamServer{Addr: "127.0.0.1:0", Hubs: 1, Handler: func(ctx context.Context, c net.Conn) {
		buf := make([]byte, 1024)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			out := bytes.ToUpper(buf[:n])
			if lie {
				out = buf[:n]
			}
			c.Write(out)
		}
	}}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestRunCount(t *testing.T) {
	srv := startServer(t, false)
	var mu sync.Mutex
	var samples []string
	r, err := Run(context.Background(), Config{Addr: srv.ListenAddr().String(), Conns: 20, Count: 1000, Size: 64, Hubs: 2,
		Sample: func(i int, msg, reply string) {
			mu.Lock()
			samples = append(samples, reply)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Msgs != 1000 || r.Conns != 20 || r.Errors != 0 || r.Mismatches != 0 || r.Latency.Count() != 1000 {
		t.Fatalf("result %+v", r)
	}
	if r.MsgsPerSecond() <= 0 || r.Latency.Quantile(0.5) <= 0 {
		t.Fatalf("figures %v %v", r.MsgsPerSecond(), r.Latency.Quantile(0.5))
	}
	if len(samples) != 3 || !strings.HasPrefix(samples[0], "CLIENT") || len(samples[0]) != 64 {
		t.Fatalf("samples %q", samples)
	}
}

func TestRunDurationAndMismatches(t *testing.T) {
	srv := startServer(t, true)
	r, err := Run(context.Background(), Config{Addr: srv.ListenAddr().String(), Conns: 5, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Msgs == 0 || r.Mismatches != r.Msgs || r.Errors != 0 {
		t.Fatalf("result %+v", r)
	}
}

func TestRunConnectionFailuresAreCounted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	r, err := Run(context.Background(), Config{Addr: addr, Conns: 3, Count: 10})
	if !errors.Is(err, ErrNoReplies) || r == nil {
		t.Fatalf("Run = %+v, %v; want the result and ErrNoReplies", r, err)
	}
	if r.Errors != 3 || r.Conns != 0 || r.FirstError == nil {
		t.Fatalf("result %+v", r)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{}, {Addr: "x:1"}, {Addr: "x:1", Conns: 1}, {Addr: "x:1", Conns: 1, Count: -1},
		{Addr: "x:1", Conns: 1, Count: 1, Size: -1}, {Addr: "x:1", Conns: 1, Duration: -1},
		{Addr: "x:1", Conns: 1, Count: 1, Hubs: -1}, {Addr: "x:1", Conns: 1, Count: 1, ReplyTimeout: -1},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// A server that accepts and never answers: every wait is bounded by the
// reply timeout, and a run with no reply at all is an error, whether it
// is bounded by a count or by a duration.
func TestServerThatNeverAnswers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // says nothing, closes nothing
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	})
	for _, cfg := range []Config{
		{Addr: l.Addr().String(), Conns: 3, Count: 10, Hubs: 1, ReplyTimeout: 200 * time.Millisecond},
		{Addr: l.Addr().String(), Conns: 3, Duration: time.Second, Hubs: 1, ReplyTimeout: 200 * time.Millisecond},
	} {
		start := time.Now()
		r, err := Run(context.Background(), cfg)
		if !errors.Is(err, ErrNoReplies) || r == nil || r.Msgs != 0 || r.Errors != 3 || !strings.Contains(r.FirstError.Error(), "no reply in 200ms") {
			t.Fatalf("count %d, duration %v: %+v, %v; want ErrNoReplies after 3 connections failed for want of a reply", cfg.Count, cfg.Duration, r, err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("the run took %v", took) // a hang, not a timing: the bound is 200 ms
		}
	}
}
