package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/corio-go/corio/cmd/corio/internal/httpload"
	"github.com/corio-go/corio/cmd/corio/internal/loadgen"
)

// runLoad is `corio load`: the seed's 500-client program as a load
// generator: against an upper-casing server (host:port, the seed's line
// protocol), or against any HTTP server (a URL).
func runLoad(stdout, stderr io.Writer, args []string) error {
	f, err := parseLoadFlags(stderr, args)
	if err != nil {
		return err
	}
	if f.http.URL != "" {
		return loadHTTP(stdout, stderr, f.http, f.asJSON, f.histogram)
	}
	return loadLines(stdout, stderr, f.lines, f.asJSON)
}

// loadFlags are corio load's settings, parsed and checked: http is set
// (its URL not empty) when a URL was given, lines otherwise.
type loadFlags struct {
	lines             loadgen.Config
	http              httpload.Config
	asJSON, histogram bool
}

// parseLoadFlags reads corio load's command line and checks it: the flags
// of the mode the arguments choose, and no flag of the other.
func parseLoadFlags(stderr io.Writer, args []string) (*loadFlags, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio load [flags] [URL]", `
The seed's many-client program as a load generator. Given a URL (http:// or
https://), it drives that HTTP/1.1 server with -c keep-alive connections for -d
or -n requests: closed-loop as wrk, or at a constant rate with -R, as wrk2, the
latency of each request then counted from when it should have been sent, so
that a server's stalls show in the percentiles (coordinated omission
corrected). Without a URL it drives 'corio serve' (or any server of its line
protocol: what is sent comes back upper-cased) at --addr, each connection
sending "<client> say hello <n>" and checking the reply. Both print the rate
and the latency's percentiles (--json for machines); Ctrl-C prints what ran.`)
	f := &loadFlags{}
	cfg, hc := &f.lines, &f.http
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "the line-protocol server, `host:port` (without a URL)")
	fs.IntVar(&cfg.Conns, "c", 500, "connections held at once")
	fs.DurationVar(&cfg.Duration, "d", 10*time.Second, "how long to send (0: until -n)")
	fs.IntVar(&cfg.Count, "n", 0, "messages or requests in all, at most (0: no bound)")
	fs.IntVar(&cfg.Size, "size", 0, "pad each message to this many `bytes` (line protocol)")
	fs.IntVar(&cfg.Hubs, "hubs", runtime.GOMAXPROCS(0), "hubs the connections are spread on")
	fs.DurationVar(&cfg.ReplyTimeout, "timeout", loadgen.DefaultReplyTimeout, "bound on each connect and each reply or response")
	fs.Float64Var(&hc.Rate, "R", 0, "requests per `second` in all, each latency counted from its scheduled send (HTTP; 0: closed loop)")
	fs.StringVar(&hc.Method, "m", "GET", "the request `method` (HTTP)")
	fs.Func("H", "send this header field, as `'Name: value'` (HTTP; repeatable)", headerFlag(&hc.Header))
	body := fs.String("body", "", "send this `text` as each request's body (HTTP)")
	bodyFile := fs.String("body-file", "", "send this `file` as each request's body (HTTP)")
	fs.BoolVar(&hc.Insecure, "insecure", false, "accept any certificate (HTTP)")
	fs.BoolVar(&f.histogram, "histogram", false, "print the latency's percentile distribution, as wrk2's --latency (HTTP)")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object instead of text")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, fmt.Errorf("%w: load: %v", errUsage, err)
	}
	switch {
	case len(rest) > 1:
		return nil, fmt.Errorf("%w: load: one URL at most, got %q", errUsage, rest)
	case len(rest) == 1:
		hc.URL, hc.Conns, hc.Duration, hc.Count, hc.Hubs, hc.Timeout = rest[0], cfg.Conns, cfg.Duration, cfg.Count, min(cfg.Hubs, cfg.Conns), cfg.ReplyTimeout
		if !flagSet(fs, "c") {
			hc.Conns, hc.Hubs = 50, min(cfg.Hubs, 50) // wrk's few connections, not the seed's 500 clients
		}
		if err := setLoadBody(hc, *body, *bodyFile); err != nil {
			return nil, fmt.Errorf("%w: load: %v", errUsage, err)
		}
		return f, nil
	}
	for _, name := range []string{"R", "m", "H", "body", "body-file", "insecure", "histogram"} {
		if flagSet(fs, name) {
			return nil, fmt.Errorf("%w: load: -%s is for HTTP: give a URL", errUsage, name)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: load: %v", errUsage, err)
	}
	if err := checkHubs("load", cfg.Hubs); err != nil {
		return nil, err
	}
	if err := checkAddr("load", cfg.Addr); err != nil {
		return nil, err
	}
	return f, nil
}

// loadLines drives a server of the seed's line protocol and reports.
func loadLines(stdout, stderr io.Writer, cfg loadgen.Config, asJSON bool) error {
	ctx, sig, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	if !asJSON {
		fmt.Fprintf(stdout, "corio load: %s to %s on %s", count(cfg.Conns, "connection"), cfg.Addr, count(cfg.Hubs, "hub"))
		if cfg.Duration > 0 {
			fmt.Fprintf(stdout, " for %v", cfg.Duration)
		}
		if cfg.Count > 0 {
			fmt.Fprintf(stdout, ", %d messages at most", cfg.Count)
		}
		fmt.Fprintln(stdout)
	}
	r, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if asJSON {
		printLoadJSON(stdout, r)
	} else {
		printLoadText(stdout, r)
	}
	if s := sig.received(); s != nil {
		return interrupted("load", s)
	}
	if r.Errors > 0 || r.Mismatches > 0 {
		if r.FirstError != nil {
			fmt.Fprintln(stderr, "corio load: first error:", r.FirstError)
		}
		return fmt.Errorf("load: %d errors, %d mismatches", r.Errors, r.Mismatches)
	}
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func printLoadText(w io.Writer, r *loadgen.Result) {
	h := &r.Latency
	fmt.Fprintf(w, "conns %d  msgs %d  seconds %.2f  msgs/s %.0f\n", r.Conns, r.Msgs, r.Elapsed.Seconds(), r.MsgsPerSecond())
	fmt.Fprintf(w, "latency p50 %.0fµs  p90 %.0fµs  p99 %.0fµs  p999 %.0fµs  max %.0fµs\n",
		us(h.Quantile(0.5)), us(h.Quantile(0.9)), us(h.Quantile(0.99)), us(h.Quantile(0.999)), us(h.Max()))
	fmt.Fprintf(w, "errors %d  mismatches %d\n", r.Errors, r.Mismatches)
}

func printLoadJSON(w io.Writer, r *loadgen.Result) {
	h := &r.Latency
	out := struct {
		Conns      int     `json:"conns"`
		Msgs       uint64  `json:"msgs"`
		Seconds    float64 `json:"seconds"`
		MsgsPerS   float64 `json:"msgs_per_s"`
		P50        float64 `json:"p50_us"`
		P90        float64 `json:"p90_us"`
		P99        float64 `json:"p99_us"`
		P999       float64 `json:"p999_us"`
		Max        float64 `json:"max_us"`
		Errors     uint64  `json:"errors"`
		Mismatches uint64  `json:"mismatches"`
		FirstError string  `json:"first_error,omitempty"`
	}{r.Conns, r.Msgs, r.Elapsed.Seconds(), r.MsgsPerSecond(), us(h.Quantile(0.5)), us(h.Quantile(0.9)),
		us(h.Quantile(0.99)), us(h.Quantile(0.999)), us(h.Max()), r.Errors, r.Mismatches, ""}
	if r.FirstError != nil {
		out.FirstError = r.FirstError.Error()
	}
	json.NewEncoder(w).Encode(out)
}
