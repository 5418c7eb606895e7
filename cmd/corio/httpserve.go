package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/corio-go/corio/chttp"
)

// runHTTP is `corio http`: a directory served over HTTP on chttp.Server,
// Go's answer to `python3 -m http.server`. SIGINT or SIGTERM stop it
// gracefully (within --grace); a second one stops it at once.
func runHTTP(stdout, stderr io.Writer, args []string) error {
	ctx, _, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	return serveHTTP(ctx, stdout, stderr, args, nil)
}

// httpDefaultPort is the port `corio http` listens on without one, as
// Python's http.server.
const httpDefaultPort = 8000

// httpFlags are corio http's settings, parsed and checked.
type httpFlags struct {
	addr            string
	hubs            int
	dir             string
	grace           time.Duration
	quiet, dotfiles bool
	tlsCert, tlsKey string
	watchdog        time.Duration
}

// parseHTTPFlags reads corio http's command line: [flags] [port].
func parseHTTPFlags(stderr io.Writer, args []string) (*httpFlags, error) {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio http [flags] [port]", `
Serves a directory over HTTP (default: the current one, on 127.0.0.1:8000),
as python3 -m http.server does, on chttp.Server: a line per request in the
Common Log Format on stdout, a listing page for directories without an
index.html, Range requests, gzip for text when the client accepts it.
Nothing outside the directory is served (links that leave it get 403),
nor FIFOs, devices or sockets (403), nor dot-files such as .git and .env
(404) unless --dotfiles. Every file system call runs off the hubs, so a
slow disk stalls one request, not the server.`)
	f := &httpFlags{}
	bind := fs.String("bind", "127.0.0.1", "the `address` to listen on (0.0.0.0 or :: for every interface)")
	fs.StringVar(&f.addr, "addr", "", "`host:port` to listen on, instead of --bind and the port (port 0 picks a free one)")
	fs.IntVar(&f.hubs, "hubs", runtime.GOMAXPROCS(0), "number of hubs (goroutines) serving connections")
	fs.StringVar(&f.dir, "dir", ".", "the `directory` to serve")
	fs.StringVar(&f.dir, "directory", ".", "the same as --dir (Python's name)")
	fs.DurationVar(&f.grace, "grace", 5*time.Second, "how long a shutdown waits for requests in flight")
	fs.BoolVar(&f.quiet, "quiet", false, "print no line per request")
	fs.BoolVar(&f.dotfiles, "dotfiles", false, "serve and list names that begin with a dot (.git, .env: hidden by default)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with the certificate in this PEM `file` (with --tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the private key of --tls-cert, a PEM `file`")
	fs.DurationVar(&f.watchdog, "watchdog", 100*time.Millisecond, "report, with its stack, a request that keeps a hub busy this long without switching (0: off)")
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, fmt.Errorf("%w: http: %v", errUsage, err)
	}
	if err := f.listenAddress(fs, *bind); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// listenAddress makes f.addr from --addr, or --bind and the port given
// as the one argument (default 8000); it refuses both forms at once.
func (f *httpFlags) listenAddress(fs *flag.FlagSet, bind string) error {
	bindSet := false
	fs.Visit(func(fl *flag.Flag) { bindSet = bindSet || fl.Name == "bind" })
	switch {
	case fs.NArg() > 1:
		return fmt.Errorf("%w: http takes one argument, the port; got %q", errUsage, fs.Args())
	case f.addr != "" && (fs.NArg() == 1 || bindSet):
		return fmt.Errorf("%w: http: give --addr, or --bind and a port, not both", errUsage)
	case f.addr != "":
		return checkAddr("http", f.addr)
	}
	port := httpDefaultPort
	if fs.NArg() == 1 {
		n, err := strconv.Atoi(fs.Arg(0))
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("%w: http: the port %q is not a number from 0 to 65535", errUsage, fs.Arg(0))
		}
		port = n
	}
	if net.ParseIP(bind) == nil && bind != "localhost" {
		return fmt.Errorf("%w: http: --bind %q is not an IP address", errUsage, bind)
	}
	f.addr = net.JoinHostPort(bind, strconv.Itoa(port))
	return nil
}

func (f *httpFlags) check() error {
	if err := checkHubs("http", f.hubs); err != nil {
		return err
	}
	switch {
	case f.grace < 0:
		return fmt.Errorf("%w: http: --grace must not be negative, got %v", errUsage, f.grace)
	case f.watchdog < 0:
		return fmt.Errorf("%w: http: --watchdog must not be negative, got %v", errUsage, f.watchdog)
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return fmt.Errorf("%w: http: --tls-cert and --tls-key go together", errUsage)
	}
	if st, err := os.Stat(f.dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%w: http: --dir %q is not a directory", errUsage, f.dir)
	}
	return nil
}

// scheme is what the server speaks: https with a certificate, else http.
func (f *httpFlags) scheme() string {
	if f.tlsCert != "" {
		return "https"
	}
	return "http"
}

// serveHTTP runs the file server until ctx ends. ready, if not nil, gets
// the address once it listens.
func serveHTTP(ctx context.Context, stdout, stderr io.Writer, args []string, ready func(addr string)) error {
	f, err := parseHTTPFlags(stderr, args)
	if err != nil {
		return err
	}
	fsys, err := chttp.OpenDir(f.dir)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	defer fsys.Close()
	fsys.Dotfiles = f.dotfiles
	handler := newFileHandler(fsys)
	var requests *lineLog
	if !f.quiet {
		requests = newLineLog(stdout, verboseRoom)
		handler = logRequests(handler, requests)
	}
	srv := &chttp.Server{Addr: f.addr, Hubs: f.hubs, Handler: handler,
		ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, Watchdog: f.watchdog}
	if f.tlsCert != "" {
		err = srv.StartTLS(f.tlsCert, f.tlsKey)
	} else {
		err = srv.Start()
	}
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	fmt.Fprintf(stderr, "corio http: serving %s on %s://%v with %d hubs\n", f.dir, f.scheme(), srv.ListenAddr(), f.hubs)
	if ready != nil {
		ready(srv.ListenAddr().String())
	}
	stopWhenDone(ctx, stderr, f.grace, srv.Shutdown, requests, stopWords{
		name: "corio http", inFlight: "requests in flight", cut: "requests still in flight after %v were cut", lines: "request lines",
	})
	return nil
}
