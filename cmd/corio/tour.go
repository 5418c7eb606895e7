package main

import (
	"errors"
	"fmt"
	"io"

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
	fmt.Fprintln(w, "The tour of corio, in the seed's order. Run one with 'corio tour NAME', all with 'corio tour all':")
	fmt.Fprintln(w)
	for _, e := range tour.Entries() {
		fmt.Fprintf(w, "  %-18s %s\n", e.Name, e.Summary)
	}
}
