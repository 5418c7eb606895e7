// Command corio runs the tools built on the corio library. Each subcommand
// has its own flags and -h.
//
//	corio tour            list the tour of the seed's examples
//	corio tour NAME       run one entry (corio tour NAME -h for its flags)
//	corio tour all        run every entry in order
//	corio serve           the seed's upper-casing server (--addr, --hubs, --verbose)
//	corio load            many clients against it (--addr, -c, -d, -n, --size, --json)
//	corio crawl [URL...]  fetch pages concurrently (-i, -c, --depth, --max, --compare, --json, ...)
//	corio site            serve the demo site crawl uses with no URL (--addr, --pages, --latency)
//	corio warc check FILE check WARC archives, cut a torn last record (--cut)
//	corio http [PORT]     serve a directory over HTTP on chttp.Server (--bind, --dir, --quiet, --dotfiles, --tls-cert, ...)
//
// corio --version prints the module's version and the VCS revision it was
// built from.
//
// Exit status: 0 on success, 1 when a run fails, 2 on bad usage; a crawl
// stopped by SIGINT or SIGTERM exits 130 or 143 (128 plus the signal's
// number, as shells report it) once it has printed what it fetched.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// A command is one subcommand of corio.
type command struct {
	name, summary string
	run           func(stdout, stderr io.Writer, args []string) error
}

func commands() []command {
	return []command{
		{"tour", "run the seed's examples, one by one", runTour},
		{"serve", "the seed's upper-casing socket server, on several hubs", runServe},
		{"load", "the seed's many-client program as a load generator for serve", runLoad},
		{"crawl", "the seed's concurrent crawler: fetch pages and their links", runCrawl},
		{"site", "serve the built-in demo site that crawl uses with no URL", runSite},
		{"warc", "check WARC files (as crawl --warc writes them), and cut a torn last record", runWARC},
		{"http", "serve a directory over HTTP, as python3 -m http.server (on chttp.Server)", runHTTP},
	}
}

// errUsage marks an error in the command line; main exits 2 for it.
var errUsage = errors.New("usage")

// maxHubs bounds --hubs: a hub is a goroutine and a poller, and hubs past
// the machine's cores serve nothing more (5,000 took 727 MB).
const maxHubs = 256

// checkHubs checks a --hubs flag.
func checkHubs(cmd string, hubs int) error {
	if hubs < 1 || hubs > maxHubs {
		return fmt.Errorf("%w: %s: --hubs must be 1 to %d, got %d", errUsage, cmd, maxHubs, hubs)
	}
	return nil
}

// checkAddr checks an --addr flag: host:port, the port a number from 0
// (any free one, where listening) to 65535.
func checkAddr(cmd, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 0 || n > 65535 {
			err = fmt.Errorf("port %q is not a number from 0 to 65535", port)
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %s: --addr %q: %v", errUsage, cmd, addr, err)
	}
	return nil
}

// named is err said by command cmd: "cmd: err", unless err names it
// already (package crawl's errors begin with "crawl: "), which would
// read "crawl: crawl: ...".
func named(cmd string, err error) error {
	if strings.HasPrefix(err.Error(), cmd+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

// parseNoArgs parses the flags of a subcommand that takes no arguments:
// -h gives flag.ErrHelp, anything else wrong an errUsage naming it.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s takes no arguments, got %q", errUsage, fs.Name(), fs.Args())
	}
	return nil
}

func main() {
	os.Exit(run(os.Stdout, os.Stderr, os.Args[1:]))
}

// run is main without the process: it returns the exit status.
func run(stdout, stderr io.Writer, args []string) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version") {
		fmt.Fprintln(stdout, version())
		return 0
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitStatus(stderr, c.run(stdout, stderr, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "corio: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func exitStatus(stderr io.Writer, err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "corio:", err)
		return 2
	}
	if status, ok := exitStatusOf(err); ok {
		fmt.Fprintln(stderr, "corio:", err)
		return status
	}
	fmt.Fprintln(stderr, "corio:", err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "corio: Python's coroutines, greenlets and gevent, in Go")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: corio COMMAND [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'corio COMMAND -h' for a command's flags, 'corio --version' for the build.")
}
