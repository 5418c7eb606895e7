package sim_test

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The suite's goroutine twins: each bug of bugs_test.go written the way Go
// code usually is (goroutines, a mutex around the shared state, channels,
// time.Sleep, and the loopback network for the programs that talk), to
// show what Go's own tools see of the same bug. The race detector is
// silent on every twin (the state is locked); whether `go test -count=200`
// shows the bug is up to the runtime's scheduler and the real clock, and
// a failure it shows cannot be replayed. TestGoroutineTwins measures that
// with CORIO_TWINS=N (BENCHMARKS.md, "Deterministic simulation").

var twins = []struct {
	name string
	run  func(t testing.TB) error
}{
	{"lost update across a wait", lostUpdateTwin},
	{"check-then-act on a queue", checkThenActTwin},
	{"tasks assume their spawn order", spawnOrderTwin},
	{"a timeout races its reply", timeoutRacesReplyTwin},
	{"a retry applies an effect twice", retryTwiceTwin},
	{"a lease expires between check and write", leaseExpiresTwin},
	{"two connections assumed ordered", twoConnectionsTwin},
	{"a crash between write and ack", crashBeforeReplicationTwin},
	{"a partition during a leader change", partitionLeadersTwin},
	{"a reconnect resends a stale request", staleResendTwin},
	{"a cache filled by the slower reader", slowerReaderCacheTwin},
	{"a shutdown drops in-flight work", shutdownDropsTwin},
}

// TestGoroutineTwins runs every twin (under -race in CI: it must stay
// silent, the state being locked) and counts the runs in which its bug
// showed. With CORIO_TWINS=N it runs each N times and prints the count
// beside the bug's name, the figure to put beside the seeds the
// simulation needs (`CORIO_TWINS=200 go test -race -run
// TestGoroutineTwins ./sim`).
func TestGoroutineTwins(t *testing.T) {
	runs, table := 1, os.Getenv("CORIO_TWINS") != ""
	if table {
		n, err := strconv.Atoi(os.Getenv("CORIO_TWINS"))
		if err != nil || n < 1 {
			t.Fatalf("CORIO_TWINS=%q: want a number of runs, 1 or more", os.Getenv("CORIO_TWINS"))
		}
		runs = n
		fmt.Println("| bug | its goroutine twin showed it |")
		fmt.Println("|---|---|")
	}
	if len(twins) != len(bugs) {
		t.Fatalf("%d twins for %d bugs", len(twins), len(bugs))
	}
	for i, tw := range twins {
		if tw.name != bugs[i].name {
			t.Fatalf("twin %d is %q, the bug %q", i, tw.name, bugs[i].name)
		}
		shown, first := 0, error(nil)
		for range runs {
			if err := tw.run(t); err != nil {
				shown++
				first = cmp.Or(first, err)
			}
		}
		line := fmt.Sprintf("| %s | %d of %d runs |", tw.name, shown, runs)
		if first != nil {
			line += " (" + first.Error() + ")"
		}
		if table {
			fmt.Println(line)
		} else {
			t.Log(line)
		}
	}
}

// goAll runs the functions on goroutines, started in order, and waits.
func goAll(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(fn)
	}
	wg.Wait()
}

func lostUpdateTwin(t testing.TB) error {
	var mu sync.Mutex
	balance := 0
	deposit := func() {
		mu.Lock()
		v := balance
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		balance = v + 10
		mu.Unlock()
	}
	goAll(deposit, func() { time.Sleep(time.Millisecond); deposit() })
	if balance != 20 {
		return fmt.Errorf("balance %d after two deposits of 10", balance)
	}
	return nil
}

func checkThenActTwin(t testing.TB) error {
	var mu sync.Mutex
	items := []string{"job"}
	ready := make(chan struct{})
	var failure error
	take := func() {
		if len(items) == 0 {
			failure = errors.New("took from an empty queue")
			return
		}
		items = items[1:]
	}
	checker := func() {
		mu.Lock()
		empty := len(items) == 0
		mu.Unlock()
		if empty {
			return
		}
		<-ready
		mu.Lock()
		take()
		mu.Unlock()
	}
	other := func() {
		<-ready
		mu.Lock()
		if len(items) > 0 {
			take()
		}
		mu.Unlock()
	}
	go func() { time.Sleep(time.Millisecond); close(ready) }()
	goAll(checker, other)
	return failure
}

func spawnOrderTwin(t testing.TB) error {
	var mu sync.Mutex
	var config map[string]string
	var failure error
	load := func() { mu.Lock(); config = map[string]string{"mode": "safe"}; mu.Unlock() }
	use := func() {
		mu.Lock()
		defer mu.Unlock()
		if config["mode"] != "safe" {
			failure = errors.New("used the configuration before it was loaded")
		}
	}
	goAll(load, use)
	return failure
}

func timeoutRacesReplyTwin(t testing.TB) error {
	var mu sync.Mutex
	replies := make(chan string, 1)
	killed := make(chan struct{})
	sent, got := false, ""
	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		select {
		case v := <-replies:
			mu.Lock()
			got = v
			mu.Unlock()
		case <-killed:
		}
	}()
	server := func() {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		sent = true
		mu.Unlock()
		replies <- "ok"
	}
	timeout := func() { time.Sleep(100 * time.Millisecond); close(killed) }
	goAll(server, timeout)
	<-clientDone
	if sent && got == "" {
		return errors.New("the server replied and the client gave up on the reply")
	}
	return nil
}

// goServer is a line server on the loopback network, a goroutine per
// connection, each line answered with handle's answer (called under the
// server's lock); crash closes the listener and every connection.
type goServer struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func serveLinesGo(handle func(string) string) (*goServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &goServer{ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(c, handle) })
		}
	})
	return s, nil
}

func (s *goServer) serve(c net.Conn, handle func(string) string) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		s.mu.Lock()
		answer := handle(strings.TrimSpace(line))
		s.mu.Unlock()
		if _, err := c.Write([]byte(answer + "\n")); err != nil {
			return
		}
	}
}

func (s *goServer) addr() string { return s.ln.Addr().String() }

// crash closes the listener and every connection, and waits for the
// server's goroutines.
func (s *goServer) crash() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// callGo is call on the loopback network.
func callGo(addr, line string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return askLine(c, time.Now().Add(timeout), line)
}

func retryTwiceTwin(t testing.TB) error {
	balance := 0
	s, err := serveLinesGo(func(string) string { balance += 10; return "done" })
	if err != nil {
		t.Fatal(err)
	}
	defer s.crash()
	for range 3 {
		if _, err := callGo(s.addr(), "deposit 10", 19*time.Millisecond); err == nil {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if balance != 10 {
		return fmt.Errorf("balance %d after one deposit of 10", balance)
	}
	return nil
}

func leaseExpiresTwin(t testing.TB) error {
	var mu sync.Mutex
	holder := "A"
	var failure error
	expirer := func() {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		holder = ""
		mu.Unlock()
	}
	a := func() {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		valid := holder == "A"
		mu.Unlock()
		if valid { // checks its lease, then writes after a wait
			runtime.Gosched() // the write
			mu.Lock()
			if holder != "A" {
				failure = errors.New("A wrote after its lease had expired")
			}
			mu.Unlock()
		}
	}
	b := func() {
		time.Sleep(10 * time.Millisecond)
		runtime.Gosched()
		mu.Lock()
		if holder == "" {
			holder = "B"
		}
		mu.Unlock()
	}
	goAll(expirer, a, b)
	return failure
}

func twoConnectionsTwin(t testing.TB) error {
	var failure error
	s, err := serveLinesGo(accounts(&failure))
	if err != nil {
		t.Fatal(err)
	}
	defer s.crash()
	var errs [2]error
	goAll(
		func() { _, errs[0] = callGo(s.addr(), "create alice", time.Second) },
		func() {
			time.Sleep(3 * time.Millisecond)
			_, errs[1] = callGo(s.addr(), "update alice", time.Second)
		})
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return failure
}

func crashBeforeReplicationTwin(t testing.TB) error {
	var logMu sync.Mutex
	var backupLog []string
	backup, err := serveLinesGo(func(line string) string {
		logMu.Lock()
		backupLog = append(backupLog, line)
		logMu.Unlock()
		return "ok"
	})
	if err != nil {
		t.Fatal(err)
	}
	defer backup.crash()
	var replicating sync.WaitGroup
	primary, err := serveLinesGo(func(line string) string {
		replicating.Go(func() { callGo(backup.addr(), line, time.Second) }) // after the ack: the bug
		return "ok"
	})
	if err != nil {
		t.Fatal(err)
	}
	crash := time.AfterFunc(time.Duration(20+rand.IntN(15))*time.Millisecond, primary.crash)
	defer func() { crash.Stop(); primary.crash() }()
	acked := []string{}
	for i := range 3 {
		w := fmt.Sprintf("w%d", i)
		if _, err := callGo(primary.addr(), w, 50*time.Millisecond); err == nil {
			acked = append(acked, w)
		}
	}
	replicating.Wait()
	logMu.Lock()
	defer logMu.Unlock()
	for _, w := range acked {
		if !contains(backupLog, w) {
			return fmt.Errorf("write %s was acknowledged, then lost with the primary (backup has %v)", w, backupLog)
		}
	}
	return nil
}

func partitionLeadersTwin(t testing.TB) error {
	var mu sync.Mutex
	leader := map[string]bool{"a": true}
	var failure error
	lastBeat := time.Now()
	b, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { // a heartbeats b every 10 ms and never steps down
		for ctx.Err() == nil {
			a.WriteTo([]byte("beat"), b.LocalAddr())
			time.Sleep(10 * time.Millisecond)
		}
	})
	wg.Go(func() { // b takes over after 40 ms of silence
		for ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			if time.Since(lastBeat) > 40*time.Millisecond && !leader["b"] {
				leader["b"] = true
				if leader["a"] && failure == nil {
					failure = errors.New("two leaders: b took over while a still leads")
				}
			}
			mu.Unlock()
		}
	})
	wg.Go(func() {
		buf := make([]byte, 16)
		for {
			if _, _, err := b.ReadFrom(buf); err != nil {
				return
			}
			mu.Lock()
			lastBeat = time.Now()
			mu.Unlock()
		}
	})
	<-ctx.Done()
	a.Close()
	b.Close()
	wg.Wait()
	return failure
}

func staleResendTwin(t testing.TB) error {
	x := ""
	s, err := serveLinesGo(func(line string) string { x = strings.TrimPrefix(line, "set x="); return "ok" })
	if err != nil {
		t.Fatal(err)
	}
	defer s.crash()
	var resends sync.WaitGroup
	for _, req := range []string{"set x=1", "set x=2"} {
		if _, err := callGo(s.addr(), req, 15*time.Millisecond); err != nil {
			resends.Go(func() { callGo(s.addr(), req, time.Second) })
		}
	}
	resends.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if x != "2" {
		return fmt.Errorf("x=%s after setting 1 then 2", x)
	}
	return nil
}

func slowerReaderCacheTwin(t testing.TB) error {
	var mu sync.Mutex
	db, cache := "v1", ""
	slowRead := func() {
		mu.Lock()
		v := db
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		cache = v
		mu.Unlock()
	}
	write := func() {
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		db, cache = "v2", ""
		mu.Unlock()
	}
	goAll(slowRead, write)
	if cache != "" && cache != db {
		return fmt.Errorf("the cache holds %s, the database %s", cache, db)
	}
	return nil
}

func shutdownDropsTwin(t testing.TB) error {
	jobs := make(chan int, 2)
	for i := range 2 {
		jobs <- i
	}
	var mu sync.Mutex
	done := 0
	ctx, kill := context.WithCancel(t.Context())
	defer kill()
	shutdown := func() {
		for len(jobs) > 0 {
			time.Sleep(time.Millisecond)
		}
		kill() // the bug: the job taken last may still be running
	}
	worker := func() {
		for {
			select {
			case <-jobs:
			case <-ctx.Done():
				return
			}
			select {
			case <-time.After(time.Millisecond): // the work
			case <-ctx.Done():
				return // killed: the job is lost
			}
			mu.Lock()
			done++
			mu.Unlock()
		}
	}
	goAll(shutdown, worker)
	if done != 2 {
		return fmt.Errorf("%d of 2 jobs done at shutdown", done)
	}
	return nil
}
