package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/corio-go/corio/cmd/corio/internal/tour"
)

// runTour lists the tour's entries, runs one by name, or runs them all.
func runTour(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		listTour(stdout)
		return nil
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help":
		fmt.Fprintln(stdout, "Usage: corio tour [NAME [flags] | all]")
		fmt.Fprintln(stdout)
		listTour(stdout)
		return nil
	case "all":
		if len(args) > 1 {
			return fmt.Errorf("%w: tour all takes no arguments, got %q", errUsage, args[1:])
		}
		return runTourAll(stdout, func(string) []string { return nil })
	default:
		e, ok := tour.Lookup(name)
		if !ok {
			return fmt.Errorf("%w: tour has no entry %q (run 'corio tour' for the list)", errUsage, name)
		}
		if !wantsHelp(args[1:]) {
			if err := showEntry(stdout, e); err != nil {
				return err
			}
		}
		err := e.Run(stdout, args[1:])
		if errors.Is(err, tour.ErrUsage) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
}

// runTourAll runs every entry in order, each with the arguments argsOf
// gives for its name (a test gives small sizes).
func runTourAll(stdout io.Writer, argsOf func(name string) []string) error {
	for _, e := range tour.Entries() {
		fmt.Fprintf(stdout, "== %s: %s\n", e.Name, e.Summary)
		if err := e.Run(stdout, argsOf(e.Name)); err != nil {
			return fmt.Errorf("tour %s: %w", e.Name, err)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

func listTour(w io.Writer) {
	fmt.Fprintln(w, "The tour of corio: the examples of the seed, ten blog posts on coroutines in Python,")
	fmt.Fprintln(w, "each in Go on corio. The posts:")
	for _, p := range tour.Posts {
		fmt.Fprintf(w, "  %s\n", p)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The entries, in the seed's order. 'corio tour NAME' shows one's Python and Go, then runs it;")
	fmt.Fprintln(w, "'corio tour all' runs them all:")
	fmt.Fprintln(w)
	for _, e := range tour.Entries() {
		fmt.Fprintf(w, "  %-18s %s\n", e.Name, e.Summary)
	}
}

// showEntry prints what an entry mirrors and how: the seed's Python, the
// Go code (as embedded), and what to notice; then a line before its
// output.
func showEntry(w io.Writer, e tour.Entry) error {
	code, err := tour.Source(e)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "== %s: %s\n\n", e.Name, e.Summary)
	fmt.Fprintf(w, "The Python of the seed (%s):\n\n%s\n\n", e.Posts, indent(e.Python))
	fmt.Fprintf(w, "In Go, on corio (cmd/corio/internal/tour/%s):\n\n%s\n\n", e.File, indent(code))
	fmt.Fprintf(w, "Notice: %s\n\n-- output --\n", e.Notice)
	return nil
}

// indent indents text by four spaces, as a code block.
func indent(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + strings.ReplaceAll(l, "\t", "    ")
		}
	}
	return strings.Join(lines, "\n")
}

// wantsHelp reports whether an entry's arguments ask for its -h.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}
