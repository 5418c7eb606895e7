package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/corio-go/corio/chttp"
)

// runHTTP is `corio http`: a directory served over HTTP with
// http.FileServer on chttp.Server, Go's answer to `python -m
// http.server`. SIGINT or SIGTERM stop it gracefully (within --grace); a
// second one stops it at once.
func runHTTP(stdout, stderr io.Writer, args []string) error {
	ctx, _, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	return serveHTTP(ctx, stdout, stderr, args, nil)
}

// serveHTTP runs the file server until ctx ends. ready, if not nil, gets
// the address once it listens.
func serveHTTP(ctx context.Context, stdout, stderr io.Writer, args []string, ready func(addr string)) error {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8000", "`host:port` to listen on (port 0 picks a free one)")
	hubs := fs.Int("hubs", runtime.GOMAXPROCS(0), "number of hubs (goroutines) serving connections")
	dir := fs.String("dir", ".", "the `directory` to serve")
	grace := fs.Duration("grace", 5*time.Second, "how long a shutdown waits for requests in flight")
	verbose := fs.Bool("verbose", false, "print a line per request (never waiting for stdout: lines it cannot take are dropped and counted)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := checkHubs("http", *hubs); err != nil {
		return err
	}
	if *grace < 0 {
		return fmt.Errorf("%w: http: --grace must not be negative, got %v", errUsage, *grace)
	}
	if err := checkAddr("http", *addr); err != nil {
		return err
	}
	if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%w: http: --dir %q is not a directory", errUsage, *dir)
	}
	var handler http.Handler = http.FileServer(http.Dir(*dir))
	var requests *lineLog
	if *verbose {
		requests = newLineLog(stdout, verboseRoom)
		files := handler
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			files.ServeHTTP(rec, r)
			requests.print(fmt.Sprintf("%s %s %s %d\n", r.RemoteAddr, r.Method, r.URL.RequestURI(), rec.status))
		})
	}
	srv := &chttp.Server{Addr: *addr, Hubs: *hubs, Handler: handler, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("http: %w", err)
	}
	fmt.Fprintf(stderr, "corio http: serving %s on http://%v with %d hubs\n", *dir, srv.ListenAddr(), *hubs)
	if ready != nil {
		ready(srv.ListenAddr().String())
	}
	stopWhenDone(ctx, stderr, *grace, srv.Shutdown, requests, stopWords{
		name: "corio http", inFlight: "requests in flight", cut: "requests still in flight after %v were cut", lines: "request lines",
	})
	return nil
}

// statusRecorder notes the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
