package main

import (
	"flag"
	"fmt"
	"runtime/debug"
	"strings"
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
