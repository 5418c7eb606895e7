package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// stopWords are what a server command says of itself while it stops.
type stopWords struct {
	name     string // "corio serve"
	inFlight string // what a shutdown waits for: "connections"
	cut      string // what is said of those left after the grace: "connections still open after %v were closed"
	lines    string // what its verbose log drops: "messages"
}

// stopWhenDone waits for ctx to end, then shuts the server down within
// grace, closes the verbose log (if any, not waiting long for a stdout
// that takes nothing) and says each step on stderr.
func stopWhenDone(ctx context.Context, stderr io.Writer, grace time.Duration, shutdown func(context.Context) error, verbose *lineLog, w stopWords) {
	<-ctx.Done()
	fmt.Fprintf(stderr, "%s: shutting down (waiting up to %v for %s)\n", w.name, grace, w.inFlight)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "%s: "+w.cut+"\n", w.name, grace)
	}
	if verbose != nil {
		if dropped, _ := verbose.close(time.Second); dropped > 0 {
			fmt.Fprintf(stderr, "%s: %d %s not printed: stdout was too slow\n", w.name, dropped, w.lines)
		}
	}
	fmt.Fprintf(stderr, "%s: stopped\n", w.name)
}
