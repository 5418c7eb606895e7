package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/corio-go/corio/cmd/corio/internal/httpload"
)

// setLoadBody sets the requests' body from --body or --body-file (not
// both).
func setLoadBody(hc *httpload.Config, text, file string) error {
	switch {
	case text != "" && file != "":
		return fmt.Errorf("--body and --body-file exclude each other")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		hc.Body = b
	case text != "":
		hc.Body = []byte(text)
	}
	return nil
}

// loadHTTP is `corio load URL`.
func loadHTTP(stdout, stderr io.Writer, hc httpload.Config, asJSON, histogram bool) error {
	if err := hc.Validate(); err != nil {
		return fmt.Errorf("%w: load: %v", errUsage, err)
	}
	if err := checkHubs("load", hc.Hubs); err != nil {
		return err
	}
	ctx, sig, stop := onStopSignals(context.Background(), stderr)
	defer stop()
	if !asJSON {
		fmt.Fprintf(stdout, "corio load: %s %s, %s on %s", hc.Method, hc.URL, count(hc.Conns, "connection"), count(hc.Hubs, "hub"))
		if hc.Duration > 0 {
			fmt.Fprintf(stdout, " for %v", hc.Duration)
		}
		if hc.Count > 0 {
			fmt.Fprintf(stdout, ", %d requests at most", hc.Count)
		}
		if hc.Rate > 0 {
			fmt.Fprintf(stdout, " at %g requests/s", hc.Rate)
		} else {
			fmt.Fprint(stdout, ", closed loop")
		}
		fmt.Fprintln(stdout)
	}
	var endProgress func()
	if isTerminal(stderr) && !asJSON {
		hc.Answered = new(atomic.Uint64)
		endProgress = showLoadProgress(stderr, hc.Answered, hc.Duration, time.Second)
	}
	r, err := httpload.Run(ctx, hc)
	if endProgress != nil {
		endProgress()
	}
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if asJSON {
		printHTTPLoadJSON(stdout, r)
	} else {
		printHTTPLoadText(stdout, r, histogram)
	}
	for k, e := range r.FirstErrors {
		if e != nil {
			fmt.Fprintf(stderr, "corio load: first %v error: %v\n", httpload.ErrorKind(k), e)
		}
	}
	if s := sig.received(); s != nil {
		return interrupted("load", s)
	}
	if n := r.ErrorCount(); n > 0 {
		return fmt.Errorf("load: %d requests failed", n)
	}
	return nil
}

// showLoadProgress redraws, every tick, a line on w (a terminal) with the
// time run (of d, if given), the requests answered and the rate of the
// last tick, until the function it returns is called, which clears it.
func showLoadProgress(w io.Writer, answered *atomic.Uint64, d, tick time.Duration) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		start, last := time.Now(), uint64(0)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				fmt.Fprint(w, "\r\033[K")
				return
			case now := <-t.C:
				n := answered.Load()
				fmt.Fprint(w, "\r\033[K"+progressLine(now.Sub(start), d, n, float64(n-last)/tick.Seconds()))
				last = n
			}
		}
	}()
	return func() { close(stop); <-done }
}

// progressLine is the progress of a load run: "[3s/10s] 15000 requests, 5000/s".
func progressLine(elapsed, d time.Duration, answered uint64, rate float64) string {
	at := elapsed.Round(time.Second).String()
	if d > 0 {
		at += "/" + d.String()
	}
	return fmt.Sprintf("[%s] %d requests, %.0f/s", at, answered, rate)
}

// percentiles are those the report gives, as wrk2 gives them.
var percentiles = []float64{50, 90, 99, 99.9, 99.99}

func ms(us int64) float64 { return float64(us) / 1000 }

func printHTTPLoadText(w io.Writer, r *httpload.Result, histogram bool) {
	fmt.Fprintf(w, "requests %d in %.2f s: %.1f/s", r.Requests, r.Elapsed.Seconds(), r.Rate())
	if r.AskedRate > 0 {
		fmt.Fprintf(w, " (asked %g/s)", r.AskedRate)
	}
	if r.Interrupted {
		fmt.Fprint(w, " (interrupted)")
	}
	fmt.Fprintln(w)
	from := "from the send"
	if r.AskedRate > 0 {
		from = "from the scheduled send"
	}
	fmt.Fprintf(w, "latency (%s):", from)
	for _, q := range percentiles {
		fmt.Fprintf(w, "  p%g %.3f ms", q, ms(r.Latency.ValueAtQuantile(q)))
	}
	fmt.Fprintf(w, "  max %.3f ms\n", ms(r.Latency.Max()))
	for _, code := range slices.Sorted(maps.Keys(r.Statuses)) {
		fmt.Fprintf(w, "status %d: %d\n", code, r.Statuses[code])
	}
	fmt.Fprintf(w, "socket errors: connect %d, read %d, write %d, timeout %d\n",
		r.Errors[httpload.Connect], r.Errors[httpload.Read], r.Errors[httpload.Write], r.Errors[httpload.Timeout])
	if histogram {
		fmt.Fprintln(w, "latency distribution (ms):")
		r.Latency.PercentilesPrint(w, 1, 1000)
	}
}

func printHTTPLoadJSON(w io.Writer, r *httpload.Result) {
	type pct struct {
		Q  float64 `json:"percentile"`
		MS float64 `json:"ms"`
	}
	out := struct {
		Requests    uint64            `json:"requests"`
		Seconds     float64           `json:"seconds"`
		Rate        float64           `json:"requests_per_s"`
		AskedRate   float64           `json:"asked_per_s,omitempty"`
		Latency     []pct             `json:"latency"`
		MaxMS       float64           `json:"max_ms"`
		Statuses    map[string]uint64 `json:"statuses"`
		Errors      map[string]uint64 `json:"errors"`
		FirstErrors map[string]string `json:"first_errors,omitempty"`
		Interrupted bool              `json:"interrupted"`
	}{Requests: r.Requests, Seconds: r.Elapsed.Seconds(), Rate: r.Rate(), AskedRate: r.AskedRate, MaxMS: ms(r.Latency.Max()),
		Statuses: map[string]uint64{}, Errors: map[string]uint64{}, Interrupted: r.Interrupted}
	for _, q := range percentiles {
		out.Latency = append(out.Latency, pct{q, ms(r.Latency.ValueAtQuantile(q))})
	}
	for code, n := range r.Statuses {
		out.Statuses[fmt.Sprint(code)] = n
	}
	for k, n := range r.Errors {
		out.Errors[httpload.ErrorKind(k).String()] = n
		if e := r.FirstErrors[k]; e != nil {
			if out.FirstErrors == nil {
				out.FirstErrors = map[string]string{}
			}
			out.FirstErrors[httpload.ErrorKind(k).String()] = e.Error()
		}
	}
	json.NewEncoder(w).Encode(out)
}

// count says n things: "1 hub", "2 hubs".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
