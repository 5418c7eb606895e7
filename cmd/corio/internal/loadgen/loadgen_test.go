package loadgen

import (
	"bytes"
	"context"
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
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 3 || r.Conns != 0 || r.FirstError == nil {
		t.Fatalf("result %+v", r)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{}, {Addr: "x:1"}, {Addr: "x:1", Conns: 1}, {Addr: "x:1", Conns: 1, Count: -1},
		{Addr: "x:1", Conns: 1, Count: 1, Size: -1}, {Addr: "x:1", Conns: 1, Duration: -1},
		{Addr: "x:1", Conns: 1, Count: 1, Hubs: -1},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
