package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// setUsage makes fs's -h print a usage line ("corio NAME ..."), a
// paragraph saying what the command does, then its flags.
func setUsage(fs *flag.FlagSet, line, description string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", line, strings.TrimSpace(description))
		fs.PrintDefaults()
	}
}

// parseFlags parses args with fs as fs.Parse does, but a wrong flag is
// told in one line (the error, and how to get help), not followed by the
// whole usage: only -h prints that.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == flag.ErrHelp:
		fs.Usage()
		return err
	case err != nil:
		return fmt.Errorf("%v (run 'corio %s -h' for help)", err, fs.Name())
	}
	return nil
}

// version is what `corio --version` prints: the module's version and the
// VCS revision it was built from (with its time, and "+dirty" for a tree
// with changes), as the build recorded them.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "corio (no build information)"
	}
	v := "corio " + info.Main.Version
	var rev, at, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (%s%s, %s)", rev, dirty, at)
	}
	return v + " " + info.GoVersion
}

// headerFlag is a flag's function adding to *h a header field given as
// 'Name: value' (curl's -H), checked as net/http checks fields.
func headerFlag(h *http.Header) func(string) error {
	return func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			return fmt.Errorf("%q is not a header field 'Name: value'", v)
		}
		if *h == nil {
			*h = http.Header{}
		}
		h.Add(name, value)
		return nil
	}
}
