// Package tour holds the entries of `corio tour`: each of the seed's
// examples as a small program writing to an io.Writer, so that the CLI runs
// them and Example tests check their output.
package tour

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// An Entry is one stop of the tour.
type Entry struct {
	Name    string
	Summary string // one line
	// Run runs the entry, writing what it shows to out. args are the
	// command-line arguments after the entry's name.
	Run func(out io.Writer, args []string) error
}

// ErrUsage marks an error in an entry's arguments (exit status 2 in the
// CLI); the message says what was wrong.
var ErrUsage = errors.New("tour: bad usage")

// Entries lists the tour in the seed's order.
func Entries() []Entry {
	return []Entry{
		{"frames", "generator states and where a generator is paused (seed part 1)", Frames},
		{"serial-vs-yield", "10,000,000 items produced and consumed serially, then with a switch per item (part 2)", SerialVsYield},
		{"producer-consumer", "a consumer primed with Next, then sent each item (part 3)", ProducerConsumer},
		{"greenlet", "eat and play switching to each other explicitly (part 4)", Greenlet},
		{"gevent-eat-play", "eat and play as tasks that sleep; the sleeps overlap (part 5)", GeventEatPlay},
		{"sync-vs-async", "ten 0.5 s tasks one after another, then spawned and joined; --virtual (part 5)", SyncVsAsync},
		{"spawn-args", "spawn with arguments, join, read the value (part 5)", SpawnArgs},
		{"no-lock", "tasks share a counter with no lock and get it exact (part 5)", NoLock},
		{"crawler", "get_page spawned for three URLs and joined, then one after another; --virtual (part 6)", Crawler},
		{"socket-server", "the upper-casing server and 500 cooperative clients for 2 s (part 7)", SocketServer},
	}
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
