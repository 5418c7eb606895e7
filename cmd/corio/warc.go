package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/corio-go/corio/crawl"
)

// runWARC is `corio warc check`: reads WARC files back, checking every
// record, and finds (and with --cut, cuts) the torn record a crawl killed
// while writing leaves.
func runWARC(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("warc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "corio warc check [--cut] [--json] FILE...", `
Reads each WARC file (as 'corio crawl --warc' writes them, or any other) record
by record, checking every block and payload digest, and prints the records by type.
A torn last record, which a crawl killed while writing leaves, is reported, and
with --cut cut off, leaving the whole records. A record that does not check is an
error (exit 1).`)
	cut := fs.Bool("cut", false, "cut a torn last record off the file")
	asJSON := fs.Bool("json", false, "print a JSON object per file")
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: warc: %v", errUsage, err)
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] != "check" {
		return fmt.Errorf("%w: warc: the one subcommand is check: corio warc check FILE... (run 'corio warc -h' for help)", errUsage)
	}
	rest = rest[1:]
	if err := parseFlags(fs, rest); err != nil { // flags after "check" too
		return fmt.Errorf("%w: warc: %v", errUsage, err)
	}
	files := fs.Args()
	if len(files) == 0 {
		return fmt.Errorf("%w: warc: check needs a FILE", errUsage)
	}
	bad := 0
	for _, name := range files {
		ck, err := crawl.CheckWARC(name, *cut)
		if err != nil {
			fmt.Fprintf(stderr, "corio warc: %v\n", err)
			bad++
			continue
		}
		if *asJSON {
			json.NewEncoder(stdout).Encode(ck)
			continue
		}
		var counts []string
		for _, t := range slices.Sorted(maps.Keys(ck.Records)) {
			counts = append(counts, fmt.Sprintf("%s %d", t, ck.Records[t]))
		}
		line := fmt.Sprintf("%s: ok: %s", name, strings.Join(counts, ", "))
		switch {
		case ck.Cut:
			line += "; cut: " + ck.Torn
		case ck.Torn != "":
			line += "; torn: " + ck.Torn + " (--cut cuts it)"
		}
		fmt.Fprintln(stdout, line)
	}
	if bad > 0 {
		return fmt.Errorf("warc: %d of %d files do not check", bad, len(files))
	}
	return nil
}
