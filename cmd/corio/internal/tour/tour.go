// Package tour holds the entries of `corio tour`: each of the seed's
// examples as a small program writing to an io.Writer, so that the CLI runs
// them and Example tests check their output.
package tour

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
)

// An Entry is one stop of the tour.
type Entry struct {
	Name    string
	Summary string // one line
	// Run runs the entry, writing what it shows to out. args are the
	// command-line arguments after the entry's name.
	Run func(out io.Writer, args []string) error

	// What corio tour NAME shows before running it: the Python of the
	// seed's posts it mirrors, the Go code (Funcs of File, embedded), and
	// what to notice.
	Posts  string // which of the seed's posts, as "posts 2, 7"
	Python string
	File   string
	Funcs  []string
	Notice string
}

// ErrUsage marks an error in an entry's arguments (exit status 2 in the
// CLI); the message says what was wrong.
var ErrUsage = errors.New("tour: bad usage")

// Entries lists the tour in the seed's order (a copy the caller may keep).
func Entries() []Entry { return slices.Clone(entries) }

// entries is the tour, in the seed's order.
var entries = []Entry{
	{Name: "frames", Summary: "generator states and where a generator is paused (seed part 1)", Run: Frames,
		Posts: "post 1", File: "frames.go", Funcs: []string{"Frames", "countdown"},
		Python: `def countdown(n):
    while n > 0:
        yield n
        n -= 1

g = countdown(3)
inspect.getgeneratorstate(g)   # GEN_CREATED
next(g)                        # 3
g.gi_frame.f_lineno            # where it is paused
inspect.getgeneratorstate(g)   # GEN_SUSPENDED`,
		Notice: "the generator keeps its locals between calls, as a Python frame on the heap does; corio shows its state and the file:line where it is paused, the Go version of gi_frame.f_lineno."},
	{Name: "serial-vs-yield", Summary: "10,000,000 items produced and consumed serially, then with a switch per item (part 2)", Run: SerialVsYield,
		Posts: "posts 2-10", File: "serialyield.go", Funcs: []string{"SerialVsYield", "runSerial", "runSwitching"},
		Python: `def consumer():
    while True:
        x = yield

def producer():
    g = consumer(); next(g)
    for i in range(10000000):
        g.send(i)          # a switch per item: slower than a plain loop`,
		Notice: "switching between tasks that never wait only costs time: the per-switch overhead is printed. Switching pays off only when a task would otherwise wait."},
	{Name: "producer-consumer", Summary: "a consumer primed with Next, then sent each item (part 3)", Run: ProducerConsumer,
		Posts: "posts 2-10", File: "producerconsumer.go", Funcs: []string{"ProducerConsumer"},
		Python: `def consumer():
    while True:
        x = yield
        print('consume', x)

g = consumer()
next(g)                # prime it: run to the first yield
for i in range(3):
    g.send(i)`,
		Notice: "Send passes a value into the paused function and runs it to its next yield, exactly as g.send does; the first Next primes it."},
	{Name: "greenlet", Summary: "eat and play switching to each other explicitly (part 4)", Run: Greenlet,
		Posts: "posts 2, 7, 9", File: "greenlet.go", Funcs: []string{"Greenlet"},
		Python: `def eat(name):
    print('%s eat 1' % name)
    g2.switch('egon')
    print('%s eat 2' % name)
    g2.switch()

def play(name):
    print('%s play 1' % name)
    g1.switch()
    print('%s play 2' % name)

g1 = greenlet(eat); g2 = greenlet(play)
g1.switch('egon')`,
		Notice: "every switch is explicit and names its target; nothing switches on its own, and a blocking call would block both."},
	{Name: "gevent-eat-play", Summary: "eat and play as tasks that sleep; the sleeps overlap (part 5)", Run: GeventEatPlay,
		Posts: "posts 2, 6, 7, 9", File: "hub.go", Funcs: []string{"GeventEatPlay"},
		Python: `def eat(name):
    print('%s eat 1' % name); gevent.sleep(2); print('%s eat 2' % name)

def play(name):
    print('%s play 1' % name); gevent.sleep(1); print('%s play 2' % name)

g1 = gevent.spawn(eat, 'egon'); g2 = gevent.spawn(play, 'egon')
gevent.joinall([g1, g2])`,
		Notice: "the hub switches when a task sleeps: the two sleeps overlap, 2 s in all, not 3."},
	{Name: "sync-vs-async", Summary: "ten 0.5 s tasks one after another, then spawned and joined; --virtual (part 5)", Run: SyncVsAsync,
		Posts: "posts 2, 6, 7, 9", File: "hub.go", Funcs: []string{"SyncVsAsync"},
		Python: `def task(pid):
    gevent.sleep(0.5)

def synchronous():
    for i in range(10): task(i)                        # 5 s

def asynchronous():
    gevent.joinall([gevent.spawn(task, i) for i in range(10)])   # 0.5 s`,
		Notice: "ten waits of 0.5 s take 5 s in turn and 0.5 s as tasks; --virtual runs them on the virtual clock, in no real time."},
	{Name: "spawn-args", Summary: "spawn with arguments, join, read the value (part 5)", Run: SpawnArgs,
		Posts: "posts 2, 6, 7, 9", File: "hub.go", Funcs: []string{"SpawnArgs"},
		Python: `g = gevent.spawn(eat, 'egon', food='rice')
g.join()
print(g.value)`,
		Notice: "a task's arguments are a closure's, and its value comes back through Join, as g.value does."},
	{Name: "no-lock", Summary: "tasks share a counter with no lock and get it exact (part 5)", Run: NoLock,
		Posts: "posts 2, 6, 7, 9", File: "hub.go", Funcs: []string{"NoLock"},
		Python: `n = 0
def add():
    global n
    for _ in range(100000):
        n += 1          # no lock: one thread, switching only when one waits

gevent.joinall([gevent.spawn(add) for _ in range(10)])`,
		Notice: "tasks of one hub never run at once, so a shared counter needs no lock and the total is exact."},
	{Name: "crawler", Summary: "get_page spawned for three URLs and joined, then one after another; --virtual (part 6)", Run: Crawler,
		Posts: "posts 2, 7", File: "crawler.go", Funcs: []string{"Crawler"},
		Python: `def get_page(url):
    print('GET: %s' % url)
    r = requests.get(url)
    print('%d bytes received from %s' % (len(r.text), url))

gevent.joinall([gevent.spawn(get_page, u) for u in urls])`,
		Notice: "the fetches overlap while each waits for its server; corio crawl is this program grown into a tool."},
	{Name: "socket-server", Summary: "the upper-casing server and 500 cooperative clients for 2 s (part 7)", Run: SocketServer,
		Posts: "posts 2, 7", File: "socketserver.go", Funcs: []string{"SocketServer"},
		Python: `def talk(conn, addr):
    while True:
        res = conn.recv(1024)
        if not res: break
        conn.send(res.upper())

while True:
    conn, addr = server.accept()
    gevent.spawn(talk, conn, addr)`,
		Notice: "a task per connection, all on one thread: each waits in recv while the others run; corio serve and corio load are this program as tools."},
	{Name: "simulation", Summary: "a lost update over HTTP found by trying seeds, replayed from its seed, fixed (beyond the seed)", Run: Simulation,
		Posts: "posts 7, 9", File: "simulation.go", Funcs: []string{"Simulation", "increments"},
		Python: `n = 0
def add():          # no-lock holds between waits only:
    global n
    v = n
    gevent.sleep(0.001)   # a wait in the middle of read-change-write
    n = v + 1       # another task may have written n meanwhile

gevent.joinall([gevent.spawn(add), gevent.spawn(add)])   # n == 1 in some orders`,
		Notice: "one thread needs no lock between waits, but an update that waits in the middle is lost in some orders. A seed decides every order, latency and fault, so the order that fails is found by trying seeds and replayed exactly from its seed (package sim)."},
}

// Lookup finds an entry by name.
func Lookup(name string) (Entry, bool) {
	for _, e := range Entries() {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// noArgs parses the flags of an entry that takes none, so that -h works
// and anything else is a clear usage error.
func noArgs(name string, out io.Writer, args []string) error {
	return parse(flag.NewFlagSet(name, flag.ContinueOnError), out, args)
}

// parse parses args with fs, reporting help and errors on out, and
// refuses positional arguments.
func parse(fs *flag.FlagSet, out io.Writer, args []string) error {
	fs.SetOutput(out)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s: %v", ErrUsage, fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s takes no arguments, got %q", ErrUsage, fs.Name(), fs.Args())
	}
	return nil
}
