package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/internal/fixture/redisserver"
)

// A worker of a shared crawl runs as a process of its own (see
// TestMain), its output kept whole.
type worker struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func startWorker(t *testing.T, args ...string) *worker {
	t.Helper()
	w := &worker{cmd: exec.Command(os.Args[0])}
	w.cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(append([]string{"crawl"}, args...), "\n"))
	w.cmd.Stdout, w.cmd.Stderr = &w.stdout, &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.cmd.Process.Kill(); w.cmd.Wait() })
	return w
}

// wait waits for the worker's exit, for a minute, and returns its status.
func (w *worker) wait(t *testing.T) int {
	t.Helper()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("worker %v did not exit within a minute; stderr %s", w.cmd.Env[len(w.cmd.Env)-1], w.stderr.String())
	}
	return w.cmd.ProcessState.ExitCode()
}

// reported returns the paths of the pages the worker printed (--json).
func (w *worker) reported(t *testing.T, base string) []string {
	t.Helper()
	var paths []string
	for _, line := range strings.Split(strings.TrimSpace(w.stdout.String()), "\n") {
		var p struct{ URL *string }
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if p.URL != nil {
			paths = append(paths, strings.TrimPrefix(*p.URL, base))
		}
	}
	return paths
}

// sharedSetup starts Redis and a counted demo site of 801
// pages, and returns a client of the Redis, its URL and the site.
func sharedSetup(t *testing.T) (*redis.Client, string, demosite.Site, *demosite.Counted) {
	t.Helper()
	url := redisserver.Start(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	site := demosite.Site{Pages: 800, Fanout: 5, Latency: 2 * time.Millisecond, Size: 200}
	cs, err := demosite.StartCounted(site, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return rdb, url, site, cs
}

// waitFor polls cond every 10 ms for a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

// heldBy returns the paths of the entries leased to a worker.
func heldBy(t *testing.T, rdb *redis.Client, crawl, worker, base string) []string {
	t.Helper()
	owners, err := rdb.HGetAll(context.Background(), "corio:crawl:{"+crawl+"}:owners").Result()
	if err != nil {
		t.Fatal(err)
	}
	var held []string
	for entry, owner := range owners {
		if owner == worker {
			_, url, _ := strings.Cut(entry, " ")
			url, _, _ = strings.Cut(url, " ") // "DEPTH URL [REFERRER]"
			held = append(held, strings.TrimPrefix(url, base))
		}
	}
	return held
}

// Three workers share a crawl of 801 pages; one is killed (SIGKILL)
// early, or in the middle. The other two finish the crawl: every page is
// fetched and printed by some worker (the killed one's lines included:
// a page is printed before Redis counts it done), and none fetched twice
// but those the killed worker held at its death, which come back when
// its leases end.
func TestSharedCrawlSurvivesAKilledWorker(t *testing.T) {
	t.Parallel() // processes that mostly wait: beside the others of their kind
	for _, at := range []int{10, 50} {
		t.Run(fmt.Sprintf("killed at %d%%", at), func(t *testing.T) {
			t.Parallel()
			rdb, url, site, cs := sharedSetup(t)
			common := []string{"--frontier", url, "--crawl", "kill", "--lease", "1s", "-c", "8", "--json"}
			first := startWorker(t, append(common, "--worker", "w1", "--depth", "10", cs.Base+"/")...)
			waitFor(t, "the crawl to start", func() bool {
				return rdb.Exists(context.Background(), "corio:crawl:{kill}:settings").Val() == 1
			})
			victim := startWorker(t, append(common, "--worker", "w2")...)
			third := startWorker(t, append(common, "--worker", "w3")...)
			// Killed in the middle: past at% of the site, while it holds URLs.
			waitFor(t, fmt.Sprintf("%d%% of the site, the victim holding URLs", at), func() bool {
				return cs.Requests() > (site.Pages+1)*at/100 && len(heldBy(t, rdb, "kill", "w2", cs.Base)) > 0
			})
			if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			victim.wait(t)
			held := heldBy(t, rdb, "kill", "w2", cs.Base)
			if len(held) == 0 { // its fetches, those fetched and not yet recorded, and those taken ahead
				t.Fatalf("the killed worker held no URL: it was not killed in the middle")
			}
			for _, w := range []*worker{first, third} {
				if status := w.wait(t); status != 0 {
					t.Fatalf("a worker exited %d; stderr %s", status, w.stderr.String())
				}
			}
			all, twice := cs.Pages()
			if !slices.Equal(all, site.Paths()) {
				t.Errorf("fetched %d pages, want the site's %d", len(all), site.Pages+1)
			}
			for _, p := range twice {
				if !slices.Contains(held, p) {
					t.Errorf("%s fetched twice, and the killed worker did not hold it (it held %q)", p, held)
				}
			}
			checkUnion(t, site, cs.Base, first, victim, third)
			t.Logf("%d pages; the killed worker held %d, %d were fetched twice", len(all), len(held), len(twice))
		})
	}
}

// checkUnion checks that the workers printed, together, every page of
// the site.
func checkUnion(t *testing.T, site demosite.Site, base string, workers ...*worker) {
	t.Helper()
	printed := map[string]bool{}
	for _, w := range workers {
		for _, p := range w.reported(t, base) {
			printed[p] = true
		}
	}
	var missing []string
	for _, p := range site.Paths() {
		if !printed[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 || len(printed) != site.Pages+1 {
		t.Errorf("the workers printed %d pages, want the site's %d; missing %d: %.10q", len(printed), site.Pages+1, len(missing), missing)
	}
}

// Redis restarted (with its data on disk), paused, or out of memory in
// the middle of a crawl: the workers wait, saying so, and go on once it
// is back; together they print every page.
func TestSharedCrawlThroughRedisTrouble(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		trouble func(t *testing.T, srv *redisserver.Server)
		said    string // in a worker's stderr
	}{
		{"restarted", []string{"--appendonly", "yes", "--appendfsync", "always", "--save", ""}, func(t *testing.T, srv *redisserver.Server) {
			srv.Restart(t, time.Second)
		}, "trying again in"},
		{"paused", []string{"--save", "", "--appendonly", "no"}, func(t *testing.T, srv *redisserver.Server) {
			srv.Pause(t, 2500*time.Millisecond) // past the client's read timeout (read_timeout=1s in the URL)
		}, "trying again in"},
		{"out of memory", []string{"--save", "", "--appendonly", "no"}, func(t *testing.T, srv *redisserver.Server) {
			rdb := srv.Client(t)
			ctx := context.Background()
			rdb.ConfigSet(ctx, "maxmemory", "1") // below what it uses: every write is refused
			time.Sleep(2 * time.Second)
			rdb.ConfigSet(ctx, "maxmemory", "0")
		}, "out of memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := redisserver.StartServer(t, tc.args...)
			rdb := srv.Client(t)
			site := demosite.Site{Pages: 600, Fanout: 5, Latency: 2 * time.Millisecond, Size: 200}
			cs, err := demosite.StartCounted(site, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cs.Close() })
			common := []string{"--frontier", srv.URL + "?read_timeout=1s", "--crawl", "trouble", "--lease", "5s", "-c", "8", "--json"}
			first := startWorker(t, append(common, "--worker", "w1", "--depth", "10", cs.Base+"/")...)
			waitFor(t, "the crawl to start", func() bool {
				return rdb.Exists(context.Background(), "corio:crawl:{trouble}:settings").Val() == 1
			})
			second := startWorker(t, append(common, "--worker", "w2")...)
			waitFor(t, "a fifth of the site", func() bool { return cs.Requests() > (site.Pages+1)/5 })
			tc.trouble(t, srv)
			for _, w := range []*worker{first, second} {
				if status := w.wait(t); status != 0 {
					t.Fatalf("a worker exited %d; stderr %s", status, w.stderr.String())
				}
			}
			if !strings.Contains(first.stderr.String()+second.stderr.String(), tc.said) {
				t.Errorf("no worker said %q: %s%s", tc.said, first.stderr.String(), second.stderr.String())
			}
			t.Logf("stderr: %s%s", first.stderr.String(), second.stderr.String())
			checkUnion(t, site, cs.Base, first, second)
		})
	}
}

// A Redis that evicts keys when full would lose a crawl's URLs without a
// word: a worker refuses it, saying what to set.
func TestSharedCrawlRefusesAnEvictingRedis(t *testing.T) {
	srv := redisserver.StartServer(t, "--save", "", "--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru")
	_, stderr, err := crawlCLI("", "--frontier", srv.URL, "--crawl", "x", "http://127.0.0.1:1/")
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "set maxmemory-policy noeviction (it has allkeys-lru)") {
		t.Errorf("err = %v (stderr %q), want a usage error naming the policy", err, stderr)
	}
}

// Every worker is stopped (Ctrl-C) in the middle: each gives back what it
// held and exits 130. Workers started again with the same name finish the
// crawl; nothing is fetched twice but what was in flight at the stop.
func TestSharedCrawlResumes(t *testing.T) {
	t.Parallel() // a process, or a browser, that mostly waits
	rdb, url, site, cs := sharedSetup(t)
	common := []string{"--frontier", url, "--crawl", "resume", "-c", "6", "--json"}
	first := startWorker(t, append(common, "--depth", "10", cs.Base+"/")...)
	waitFor(t, "the crawl to start", func() bool {
		return rdb.Exists(context.Background(), "corio:crawl:{resume}:settings").Val() == 1
	})
	second := startWorker(t, common...)
	waitFor(t, "a third of the site", func() bool { return cs.Requests() > (site.Pages+1)/3 })
	stopped := []*worker{first, second}
	for _, w := range stopped {
		w.cmd.Process.Signal(syscall.SIGINT)
	}
	var before []string
	for _, w := range stopped {
		if status := w.wait(t); status != 130 {
			t.Fatalf("a stopped worker exited %d; stderr %s", status, w.stderr.String())
		}
		before = append(before, w.reported(t, cs.Base)...)
	}
	ctx := context.Background()
	if n := rdb.ZCard(ctx, "corio:crawl:{resume}:leases").Val(); n != 0 {
		t.Fatalf("%d leases left after every worker stopped; want all given back", n)
	}
	fetched, _ := cs.Pages()
	var inFlight []string // fetched from the site, not reported done
	for _, p := range fetched {
		if !slices.Contains(before, p) {
			inFlight = append(inFlight, p)
		}
	}
	if len(inFlight) > 12 {
		t.Fatalf("%d pages fetched and not reported at the stop; at most 12 run at once", len(inFlight))
	}
	var again []*worker
	for range 2 {
		again = append(again, startWorker(t, common...))
	}
	var after []string
	for _, w := range again {
		if status := w.wait(t); status != 0 {
			t.Fatalf("a restarted worker exited %d; stderr %s", status, w.stderr.String())
		}
		after = append(after, w.reported(t, cs.Base)...)
	}
	all, twice := cs.Pages()
	if !slices.Equal(all, site.Paths()) {
		t.Errorf("fetched %d pages, want the site's %d", len(all), site.Pages+1)
	}
	if got := len(before) + len(after); got != site.Pages+1 {
		t.Errorf("reported %d pages before the stop and %d after; want %d in all", len(before), len(after), site.Pages+1)
	}
	for _, p := range twice {
		if !slices.Contains(inFlight, p) {
			t.Errorf("%s fetched twice, and was not in flight at the stop (%q were)", p, inFlight)
		}
	}
	t.Logf("%d pages before the stop, %d in flight, %d after; %d fetched twice", len(before), len(inFlight), len(after), len(twice))
}

// Bad input to a shared crawl is a clear error and exit 2, and nothing is
// written to Redis.
func TestSharedCrawlBadInput(t *testing.T) {
	url := redisserver.Start(t)
	opts, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := "redis://" + l.Addr().String() + "/0"
	l.Close()
	ctx := context.Background()
	// A crawl that exists, with depth 1.
	var stdout, stderr bytes.Buffer
	if status := run(&stdout, &stderr, []string{"crawl", "--frontier", url, "--crawl", "c", "--depth", "1", "--max", "1", "http://127.0.0.1:9/"}); status != 1 {
		t.Fatalf("starting a crawl of an unreachable site: status %d (stderr %s), want 1 (its page failed)", status, stderr.String())
	}
	keys := rdb.Keys(ctx, "*").Val()
	slices.Sort(keys)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--frontier", nowhere, "--crawl", "x", "http://h/"}, "the Redis server does not answer at " + nowhere},
		{[]string{"--frontier", "http://127.0.0.1:6379/0", "--crawl", "x", "http://h/"}, `frontier "http://127.0.0.1:6379/0": want redis://HOST:PORT/DB`},
		{[]string{"--frontier", url, "--crawl", "c", "--depth", "2", "http://h/"}, `the crawl exists with other settings: "c" has {"depth":1,"max":1`},
		{[]string{"--frontier", url, "--crawl", "c", "--max", "5"}, "the crawl exists with other settings"},
		{[]string{"--frontier", url, "--crawl", "none"}, `no such crawl: give starting URLs to start it: "none"`},
		{[]string{"--frontier", url, "--crawl", "none", "--depth", "3"}, `no such crawl`},
		{[]string{"--frontier", url, "--crawl", "bad name", "http://h/"}, `crawl name "bad name"`},
		{[]string{"--frontier", url, "http://h/"}, "--frontier needs --crawl NAME"},
		{[]string{"--crawl", "c", "http://h/"}, "--crawl c needs --frontier"},
		{[]string{"--status"}, "--status, --drop and --worker are for a shared crawl"},
		{[]string{"--frontier", url, "--crawl", "c", "--status", "--drop"}, "--status and --drop exclude each other"},
		{[]string{"--frontier", url, "--crawl", "c", "--status", "http://h/"}, "--status and --drop take no URL"},
		{[]string{"--frontier", url, "--crawl", "c", "--compare", "http://h/"}, "--compare crawls twice"},
		{[]string{"--frontier", url, "--crawl", "none", "--status"}, "no such crawl"},
		{[]string{"--frontier", url, "--crawl", "c", "--lease", "1ms"}, "lease 1ms: at least 100ms"},
	} {
		stdout.Reset()
		stderr.Reset()
		status := run(&stdout, &stderr, append([]string{"crawl"}, tc.args...))
		if status != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("corio crawl %q: status %d, stderr %q; want 2, %q", tc.args, status, stderr.String(), tc.want)
		}
		after := rdb.Keys(ctx, "*").Val()
		slices.Sort(after)
		if !slices.Equal(keys, after) {
			t.Fatalf("corio crawl %q wrote to Redis: keys %q became %q", tc.args, keys, after)
		}
	}
	// A joiner with no settings takes the crawl's: nothing is left to
	// fetch, and it ends at once.
	stdout.Reset()
	stderr.Reset()
	if status := run(&stdout, &stderr, []string{"crawl", "--frontier", url, "--crawl", "c", "--json"}); status != 0 {
		t.Errorf("joining a finished crawl: status %d, stderr %s", status, stderr.String())
	}
	// Its status, then its removal.
	stdout.Reset()
	if status := run(&stdout, &stderr, []string{"crawl", "--frontier", url, "--crawl", "c", "--status"}); status != 0 ||
		!strings.Contains(stdout.String(), "crawl c: finished\nsettings: depth 1  max 1  per-host 8") ||
		!strings.Contains(stdout.String(), "queued 0  in flight 0  fetched 0  failed 1  skipped 0  admitted 1\n") {
		t.Errorf("--status: %d, stdout %q", status, stdout.String())
	}
	stdout.Reset()
	if status := run(&stdout, &stderr, []string{"crawl", "--frontier", url, "--crawl", "c", "--drop"}); status != 0 ||
		stdout.String() != "dropped crawl c (0 fetched, 1 failed, 0 queued, 0 in flight)\n" || rdb.DBSize(ctx).Val() != 0 {
		t.Errorf("--drop: %d, stdout %q, %d keys left", status, stdout.String(), rdb.DBSize(ctx).Val())
	}
}
