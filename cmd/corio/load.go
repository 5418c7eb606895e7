package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/corio-go/corio/cmd/corio/internal/loadgen"
)

// runLoad is `corio load`: the seed's 500-client program as a load
// generator against an upper-casing server.
func runLoad(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio load [flags]", `
The seed's many-client program as a load generator for 'corio serve' (or
any server of its line protocol: what is sent comes back upper-cased): -c
connections, each sending "<client> say hello <n>" and checking the
reply, for -d or -n messages, spread on --hubs hubs. It prints the
messages per second and the latency's percentiles (--json for machines).`)
	var cfg loadgen.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "the server, `host:port`")
	fs.IntVar(&cfg.Conns, "c", 500, "connections held at once")
	fs.DurationVar(&cfg.Duration, "d", 10*time.Second, "how long to send (0: until -n messages)")
	fs.IntVar(&cfg.Count, "n", 0, "messages in all, at most (0: no bound)")
	fs.IntVar(&cfg.Size, "size", 0, "pad each message to this many `bytes`")
	fs.IntVar(&cfg.Hubs, "hubs", runtime.GOMAXPROCS(0), "hubs the connections are spread on")
	fs.DurationVar(&cfg.ReplyTimeout, "timeout", loadgen.DefaultReplyTimeout, "bound on each connect and each reply; a server that misses it fails the connection")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: load: %v", errUsage, err)
	}
	if err := checkHubs("load", cfg.Hubs); err != nil {
		return err
	}
	if err := checkAddr("load", cfg.Addr); err != nil {
		return err
	}
	ctx, _, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	if !*asJSON {
		fmt.Fprintf(stdout, "corio load: %d connections to %s on %d hubs", cfg.Conns, cfg.Addr, cfg.Hubs)
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
	if *asJSON {
		printLoadJSON(stdout, r)
	} else {
		printLoadText(stdout, r)
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
