package sim_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/sim"
)

// The bug suite: small programs, each with a concurrency bug that only
// some orders of events show. Each passes in corio's FIFO order on a
// network with fixed latency (what a test without a seed sees, every
// time), and returns an error when the bug shows.

type bug struct {
	name string
	run  func(ctx context.Context, n *sim.Network) error
}

var bugs = []bug{
	{"lost update across a wait", lostUpdate},
	{"check-then-act on a queue", checkThenAct},
	{"tasks assume their spawn order", spawnOrder},
	{"a timeout races its reply", timeoutRacesReply},
	{"a retry applies an effect twice", retryTwice},
	{"a lease expires between check and write", leaseExpires},
	{"two connections assumed ordered", twoConnections},
	{"a crash between write and ack", crashBeforeReplication},
	{"a partition during a leader change", partitionLeaders},
	{"a reconnect resends a stale request", staleResend},
	{"a cache filled by the slower reader", slowerReaderCache},
	{"a shutdown drops in-flight work", shutdownDrops},
}

// bugNetwork is the suite's network: latency from 1 to 10 ms.
var bugNetwork = sim.Config{MinLatency: time.Millisecond, MaxLatency: 10 * time.Millisecond}

// fixedNetwork is the same with a fixed latency: the order a test
// without a seed sees.
var fixedNetwork = sim.Config{MinLatency: 5 * time.Millisecond, MaxLatency: 5 * time.Millisecond}

// spawnAll spawns the functions in order and joins them.
func spawnAll(ctx context.Context, fns ...func(ctx context.Context) error) error {
	tasks := make([]corio.Joinable, len(fns))
	for i, fn := range fns {
		tasks[i] = corio.Spawn(ctx, fn)
	}
	return corio.JoinAll(ctx, tasks...)
}

func lostUpdate(ctx context.Context, n *sim.Network) error {
	balance := 0
	deposit := func(ctx context.Context) error {
		v := balance
		if err := corio.Sleep(ctx, time.Millisecond); err != nil { // the wait: a write to a log, say
			return err
		}
		balance = v + 10
		return nil
	}
	late := func(ctx context.Context) error {
		corio.Sleep(ctx, time.Millisecond)
		return deposit(ctx)
	}
	if err := spawnAll(ctx, deposit, late); err != nil {
		return err
	}
	if balance != 20 {
		return fmt.Errorf("balance %d after two deposits of 10", balance)
	}
	return nil
}

func checkThenAct(ctx context.Context, n *sim.Network) error {
	items := []string{"job"}
	var ready corio.Event
	take := func() error {
		if len(items) == 0 {
			return errors.New("took from an empty queue")
		}
		items = items[1:]
		return nil
	}
	checker := func(ctx context.Context) error { // checks, then acts after a wait
		if len(items) == 0 {
			return nil
		}
		if err := ready.Wait(ctx); err != nil {
			return err
		}
		return take()
	}
	other := func(ctx context.Context) error {
		if err := ready.Wait(ctx); err != nil {
			return err
		}
		if len(items) > 0 {
			return take()
		}
		return nil
	}
	corio.Spawn(ctx, func(ctx context.Context) error { corio.Sleep(ctx, time.Millisecond); ready.Set(); return nil })
	return spawnAll(ctx, checker, other)
}

func spawnOrder(ctx context.Context, n *sim.Network) error {
	var config map[string]string
	load := func(ctx context.Context) error { config = map[string]string{"mode": "safe"}; return nil }
	use := func(ctx context.Context) error {
		if config["mode"] != "safe" {
			return errors.New("used the configuration before it was loaded")
		}
		return nil
	}
	return spawnAll(ctx, load, use)
}

func timeoutRacesReply(ctx context.Context, n *sim.Network) error {
	replies := corio.NewQueue[string](1)
	sent := false
	server := func(ctx context.Context) error {
		corio.Sleep(ctx, 100*time.Millisecond)
		sent = true
		return replies.Put(ctx, "ok")
	}
	var got string
	client := corio.Spawn(ctx, func(ctx context.Context) error {
		v, err := replies.Get(ctx)
		if err == nil {
			got = v
		}
		return nil
	})
	// The client's timeout: a task that gives up on the reply after 100 ms.
	timeout := func(ctx context.Context) error {
		corio.Sleep(ctx, 100*time.Millisecond)
		client.Kill()
		return nil
	}
	if err := spawnAll(ctx, server, timeout); err != nil {
		return err
	}
	client.Join(ctx)
	if sent && got == "" {
		return errors.New("the server replied and the client gave up on the reply")
	}
	return nil
}

// serveLines serves, on port of the host of ctx, each line a connection
// sends with handle's answer, until the task is killed: a
// cnet.StreamServer with a task per connection, in the test's hub.
func serveLines(ctx context.Context, port int, handle func(string) string) error {
	srv := &cnet.StreamServer{Addr: fmt.Sprintf(":%d", port), Handler: func(ctx context.Context, c net.Conn) {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if _, err := c.Write([]byte(handle(strings.TrimSpace(line)) + "\n")); err != nil {
				return
			}
		}
	}}
	if err := srv.ServeIn(ctx); !errors.Is(err, cnet.ErrServerClosed) {
		return err
	}
	return nil
}

// call sends one line on a new connection and reads the answer, within
// timeout.
func call(ctx context.Context, addr, line string, timeout time.Duration) (string, error) {
	c, err := cnet.Dial(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return askLine(c, c.Now().Add(timeout), line)
}

// askLine sends line on c and reads the answer line, before deadline.
func askLine(c net.Conn, deadline time.Time, line string) (string, error) {
	c.SetDeadline(deadline)
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	answer, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(answer), err
}

// startServer runs fn on a new host named name.
func startServer(ctx context.Context, n *sim.Network, name string, fn func(ctx context.Context) error) (*sim.Host, error) {
	h, err := n.AddHost(name)
	if err != nil {
		return nil, err
	}
	_, err = h.Spawn(ctx, fn)
	return h, err
}

func retryTwice(ctx context.Context, n *sim.Network) error {
	balance := 0
	if _, err := startServer(ctx, n, "bank", func(ctx context.Context) error {
		return serveLines(ctx, 7, func(string) string { balance += 10; return "done" })
	}); err != nil {
		return err
	}
	for range 3 { // a client that retries a deposit it saw no answer to
		if _, err := call(ctx, "bank:7", "deposit 10", 19*time.Millisecond); err == nil {
			break
		}
	}
	if balance != 10 {
		return fmt.Errorf("balance %d after one deposit of 10", balance)
	}
	return nil
}

func leaseExpires(ctx context.Context, n *sim.Network) error {
	holder := "A"
	expirer := func(ctx context.Context) error {
		corio.Sleep(ctx, 10*time.Millisecond)
		holder = ""
		return nil
	}
	a := func(ctx context.Context) error {
		corio.Sleep(ctx, 10*time.Millisecond)
		if holder == "A" { // checks its lease, then writes after a wait
			corio.Sleep(ctx, 0) // the write
			if holder != "A" {
				return errors.New("A wrote after its lease had expired")
			}
		}
		return nil
	}
	b := func(ctx context.Context) error {
		corio.Sleep(ctx, 10*time.Millisecond)
		corio.Sleep(ctx, 0)
		if holder == "" {
			holder = "B"
		}
		return nil
	}
	if err := spawnAll(ctx, expirer, a, b); err != nil {
		return err
	}
	return nil
}

// accounts answers "create NAME" and any other operation on an account
// with "ok", and keeps in failure the first operation on an account
// before its creation.
func accounts(failure *error) func(line string) string {
	created := map[string]bool{}
	return func(line string) string {
		op, name, _ := strings.Cut(line, " ")
		switch {
		case op == "create":
			created[name] = true
		case !created[name] && *failure == nil:
			*failure = fmt.Errorf("%s of account %q before its creation", op, name)
		}
		return "ok"
	}
}

func twoConnections(ctx context.Context, n *sim.Network) error {
	var failure error
	if _, err := startServer(ctx, n, "db", func(ctx context.Context) error {
		return serveLines(ctx, 5432, accounts(&failure))
	}); err != nil {
		return err
	}
	// Two connections, one request each: the second is sent once the
	// first is written, not once it is answered.
	create := corio.Spawn(ctx, func(ctx context.Context) error {
		_, err := call(ctx, "db:5432", "create alice", time.Second)
		return err
	})
	corio.Sleep(ctx, 3*time.Millisecond)
	update := corio.Spawn(ctx, func(ctx context.Context) error {
		_, err := call(ctx, "db:5432", "update alice", time.Second)
		return err
	})
	if err := corio.JoinAll(ctx, create, update); err != nil {
		return err
	}
	return failure
}

func crashBeforeReplication(ctx context.Context, n *sim.Network) error {
	var primaryLog, backupLog []string
	_, err := startServer(ctx, n, "backup", func(ctx context.Context) error {
		return serveLines(ctx, 9, func(line string) string { backupLog = append(backupLog, line); return "ok" })
	})
	if err != nil {
		return err
	}
	primary, err := startServer(ctx, n, "primary", func(ctx context.Context) error {
		return serveLines(ctx, 9, func(line string) string {
			primaryLog = append(primaryLog, line)
			corio.Spawn(ctx, func(ctx context.Context) error { // replicates after the ack: the bug
				_, err := call(ctx, "backup:9", line, time.Second)
				return err
			})
			return "ok"
		})
	})
	if err != nil {
		return err
	}
	crashAt := time.Duration(20+n.Rand().IntN(15)) * time.Millisecond
	corio.AfterFunc(ctx, crashAt, primary.Crash)
	acked := []string{}
	for i := range 3 {
		w := fmt.Sprintf("w%d", i)
		if _, err := call(ctx, "primary:9", w, 50*time.Millisecond); err == nil {
			acked = append(acked, w)
		}
	}
	corio.Sleep(ctx, time.Second)
	for _, w := range acked {
		if !contains(backupLog, w) {
			return fmt.Errorf("write %s was acknowledged, then lost with the primary (backup has %v)", w, backupLog)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func partitionLeaders(ctx context.Context, n *sim.Network) error {
	a, _ := n.AddHost("a")
	b, _ := n.AddHost("b")
	leader := map[string]bool{"a": true}
	var failure error
	lastBeat := corio.Now(ctx)
	// a heartbeats b over UDP every 10 ms; b takes over after 40 ms of
	// silence; a never steps down (the bug: it should, once b cannot hear it).
	a.Spawn(ctx, func(ctx context.Context) error {
		p, err := cnet.ListenPacket(ctx, "udp", ":0")
		if err != nil {
			return err
		}
		defer p.Close()
		to, _ := lookupUDP(ctx, "b:4000")
		for ctx.Err() == nil {
			p.WriteTo([]byte("beat"), to)
			corio.Sleep(ctx, 10*time.Millisecond)
		}
		return nil
	})
	b.Spawn(ctx, func(ctx context.Context) error {
		p, err := cnet.ListenPacket(ctx, "udp", ":4000")
		if err != nil {
			return err
		}
		defer p.Close()
		corio.Spawn(ctx, func(ctx context.Context) error {
			for ctx.Err() == nil {
				corio.Sleep(ctx, 5*time.Millisecond)
				if corio.Now(ctx).Sub(lastBeat) > 40*time.Millisecond && !leader["b"] {
					leader["b"] = true
					if leader["a"] && failure == nil {
						failure = errors.New("two leaders: b took over while a still leads")
					}
				}
			}
			return nil
		})
		buf := make([]byte, 16)
		for {
			if _, _, err := p.ReadFrom(buf); err != nil {
				return nil
			}
			lastBeat = corio.Now(ctx)
		}
	})
	// The seed decides whether, when and how long a partition comes.
	if n.Rand().IntN(3) == 0 {
		at := time.Duration(10+n.Rand().IntN(50)) * time.Millisecond
		length := time.Duration(20+n.Rand().IntN(40)) * time.Millisecond
		corio.AfterFunc(ctx, at, func() { n.Partition(a, b) })
		corio.AfterFunc(ctx, at+length, func() { n.Heal(a, b) })
	}
	corio.Sleep(ctx, 200*time.Millisecond)
	return failure
}

func lookupUDP(ctx context.Context, addr string) (*net.UDPAddr, error) {
	host, port, _ := strings.Cut(addr, ":")
	n := sim.NetworkOf(ctx)
	ips, err := n.Lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	var p int
	fmt.Sscan(port, &p)
	return &net.UDPAddr{IP: ips[0].AsSlice(), Port: p}, nil
}

func staleResend(ctx context.Context, n *sim.Network) error {
	x := ""
	if _, err := startServer(ctx, n, "kv", func(ctx context.Context) error {
		return serveLines(ctx, 6379, func(line string) string { x = strings.TrimPrefix(line, "set x="); return "ok" })
	}); err != nil {
		return err
	}
	// The client waits 15 ms for an answer; without one it reconnects and
	// resends in the background, and goes on: the resent request may land
	// after the next one.
	var resends []corio.Joinable
	for _, req := range []string{"set x=1", "set x=2"} {
		if _, err := call(ctx, "kv:6379", req, 15*time.Millisecond); err != nil {
			resends = append(resends, corio.Spawn(ctx, func(ctx context.Context) error {
				_, err := call(ctx, "kv:6379", req, time.Second)
				return err
			}))
		}
	}
	if err := corio.JoinAll(ctx, resends...); err != nil {
		return err
	}
	corio.Sleep(ctx, time.Second)
	if x != "2" {
		return fmt.Errorf("x=%s after setting 1 then 2", x)
	}
	return nil
}

func slowerReaderCache(ctx context.Context, n *sim.Network) error {
	db, cache := "v1", ""
	slowRead := func(ctx context.Context) error { // a miss: fetches, 2 ms, fills
		v := db
		corio.Sleep(ctx, 2*time.Millisecond)
		cache = v
		return nil
	}
	write := func(ctx context.Context) error {
		corio.Sleep(ctx, 2*time.Millisecond)
		db, cache = "v2", "" // write, then invalidate
		return nil
	}
	if err := spawnAll(ctx, slowRead, write); err != nil {
		return err
	}
	if cache != "" && cache != db {
		return fmt.Errorf("the cache holds %s, the database %s", cache, db)
	}
	return nil
}

func shutdownDrops(ctx context.Context, n *sim.Network) error {
	jobs := corio.NewQueue[int](0)
	for i := range 2 {
		jobs.Put(ctx, i)
	}
	done := 0
	var worker *corio.Task[struct{}]
	shutdown := corio.Spawn(ctx, func(ctx context.Context) error { // once the queue is empty
		for jobs.Len() > 0 {
			corio.Sleep(ctx, time.Millisecond)
		}
		worker.Kill() // the bug: the job taken last may still be running
		return nil
	})
	worker = corio.Spawn(ctx, func(ctx context.Context) error {
		for {
			if _, err := jobs.Get(ctx); err != nil {
				return nil
			}
			if err := corio.Sleep(ctx, time.Millisecond); err != nil { // the work
				return nil // killed: the job is lost
			}
			done++
		}
	})
	corio.JoinAll(ctx, shutdown, worker)
	if done != 2 {
		return fmt.Errorf("%d of 2 jobs done at shutdown", done)
	}
	return nil
}
