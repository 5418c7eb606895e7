package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/corio-go/corio/cmd/corio/internal/tour"
)

func TestRun(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stdout string // a part of what must be printed
		stderr string
	}{
		{nil, 2, "Usage: corio COMMAND", ""},
		{[]string{"-h"}, 0, "Commands:", ""},
		{[]string{"nope"}, 2, "", `unknown command "nope"`},
		{[]string{"tour"}, 0, "serial-vs-yield", ""},
		{[]string{"tour", "-h"}, 0, "Usage: corio tour", ""},
		{[]string{"tour", "greenlet"}, 0, "egon eat 1\negon play 1\negon eat 2\negon play 2\n", ""},
		{[]string{"tour", "nope"}, 2, "", `tour has no entry "nope"`},
		{[]string{"tour", "frames", "x"}, 2, "", "takes no arguments"},
		{[]string{"tour", "serial-vs-yield", "-n", "-3"}, 2, "", "-n must be positive"},
		{[]string{"tour", "greenlet", "-h"}, 0, "", ""},
		{[]string{"tour", "all", "x"}, 2, "", "tour all takes no arguments"},
		{[]string{"serve", "x"}, 2, "", "serve takes no arguments"},
		{[]string{"serve", "--hubs", "0"}, 2, "", "serve: --hubs must be 1 to 256, got 0"},
		{[]string{"serve", "--hubs", "5000"}, 2, "", "serve: --hubs must be 1 to 256, got 5000"},
		{[]string{"serve", "--addr", ":99999"}, 2, "", `serve: --addr ":99999": port "99999" is not a number from 0 to 65535`},
		{[]string{"serve", "--addr", "[::1]:abc"}, 2, "", `serve: --addr "[::1]:abc": port "abc" is not a number from 0 to 65535`},
		{[]string{"serve", "--idle-timeout", "-1s"}, 2, "", "--idle-timeout must not be negative"},
		{[]string{"serve", "--addr", "nowhere"}, 2, "", `--addr "nowhere"`},
		{[]string{"serve", "--max-conns", "-1"}, 2, "", "--max-conns must not be negative"},
		{[]string{"serve", "--model", "threads"}, 2, "", `serve: --model must be bursts or tasks, got "threads"`},
		{[]string{"http", "--dir", "/no/such/dir"}, 2, "", `http: --dir "/no/such/dir" is not a directory`},
		{[]string{"http", "--hubs", "0"}, 2, "", "http: --hubs must be 1 to 256, got 0"},
		{[]string{"http", "x"}, 2, "", `http: the port "x" is not a number from 0 to 65535`},
		{[]string{"http", "8000", "8001"}, 2, "", `http takes one argument, the port; got ["8000" "8001"]`},
		{[]string{"serve", "--bogus"}, 2, "", "flag provided but not defined"},
		{[]string{"load", "-c", "0"}, 2, "", "connections must be at least 1"},
		{[]string{"load", "-d", "0"}, 2, "", "neither a duration nor a count"},
		{[]string{"load", "--size", "-1"}, 2, "", "size must not be negative"},
		{[]string{"load", "--addr", "nowhere"}, 2, "", `--addr "nowhere"`},
		{[]string{"load", "--hubs", "0"}, 2, "", "load: --hubs must be 1 to 256, got 0"},
		{[]string{"load", "--addr", "127.0.0.1:70000"}, 2, "", `port "70000" is not a number from 0 to 65535`},
		{[]string{"load", "extra"}, 2, "", `load: URL "extra": want http:// or https:// and a host`},
		{[]string{"load", "http://a/", "http://b/"}, 2, "", "load: one URL at most"},
		{[]string{"crawl", "-c", "0"}, 2, "", "concurrency must be at least 1, got 0"},
		{[]string{"crawl", "--depth", "-2"}, 2, "", "depth must be -1 (no bound) or more, got -2"},
		{[]string{"crawl", "--retries", "-1"}, 2, "", "retries must not be negative"},
		{[]string{"crawl", "ftp://x/"}, 2, "", `"ftp://x/" is not an http:// or https:// URL`},
		{[]string{"crawl", "--sequential", "--compare", "http://x/"}, 2, "", "--sequential and --compare exclude each other"},
		{[]string{"crawl", "-i", "no/such/file"}, 2, "", "no/such/file"},
		{[]string{"crawl", "http://127.0.0.1:99999/"}, 2, "", `"http://127.0.0.1:99999/" has port 99999; a port is 1 to 65535`},
		{[]string{"crawl", "--max-body", "-1", "http://x/"}, 2, "", "max-body must not be negative"},
		{[]string{"crawl", "--bogus"}, 2, "", "corio: usage: crawl: flag provided but not defined: -bogus (run 'corio crawl -h' for help)\n"},
		{[]string{"http", "--bogus"}, 2, "", "(run 'corio http -h' for help)"},
		{[]string{"crawl", "-h"}, 0, "", "Usage: corio crawl"},
		{[]string{"serve", "-h"}, 0, "", "Usage: corio serve [flags]\n\nThe seed's socket server"},
		{[]string{"load", "-h"}, 0, "", "Usage: corio load [flags] [URL]\n\nThe seed's many-client program"},
		{[]string{"site", "-h"}, 0, "", "Usage: corio site [flags]\n\nServes the demo site"},
		{[]string{"http", "-h"}, 0, "", "Usage: corio http [flags] [port]\n\nServes a directory"},
		{[]string{"--version"}, 0, "corio ", ""},
		{[]string{"version"}, 0, "corio ", ""},
		{[]string{"site", "--fanout", "0"}, 2, "", "fanout must be at least 1"},
		{[]string{"site", "--addr", "nowhere"}, 2, "", `--addr "nowhere"`},
		{[]string{"site", "x"}, 2, "", "site takes no arguments"},
		{[]string{"site", "--list", "--pages", "2", "--addr", "127.0.0.1:9"}, 0, "http://127.0.0.1:9/\nhttp://127.0.0.1:9/p/1\nhttp://127.0.0.1:9/p/2\n", ""},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		status := run(&stdout, &stderr, tt.args)
		if status == 2 && len(tt.args) > 1 && strings.Count(stderr.String(), "\n") > 1 {
			t.Errorf("corio %q: a usage error of %d lines; want one:\n%s", tt.args, strings.Count(stderr.String(), "\n"), stderr.String())
		}
		if status != tt.status || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("corio %q: status %d, stdout %q, stderr %q; want %d, %q, %q",
				tt.args, status, stdout.String(), stderr.String(), tt.status, tt.stdout, tt.stderr)
		}
	}
}

// tour all runs every entry, in order, each under its heading: here with
// small sizes and the virtual clock (each entry's own output, at its
// default size, is checked by its Example).
func TestTourAll(t *testing.T) {
	small := map[string][]string{
		"serial-vs-yield": {"-n", "1000"},
		"gevent-eat-play": {"-virtual"},
		"sync-vs-async":   {"-virtual"},
		"spawn-args":      {"-virtual"},
		"crawler":         {"-virtual"},
		"no-lock":         {"-n", "100", "-tasks", "10"},
		"socket-server":   {"-c", "5", "-d", "100ms"},
		"simulation":      {"-seeds", "10"},
	}
	var stdout bytes.Buffer
	if err := runTourAll(&stdout, func(name string) []string { return small[name] }); err != nil {
		t.Fatal(err)
	}
	var headings []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "== "); ok {
			headings = append(headings, name[:strings.Index(name, ":")])
		}
	}
	var want []string
	for _, e := range tour.Entries() {
		want = append(want, e.Name)
	}
	if strings.Join(headings, " ") != strings.Join(want, " ") {
		t.Fatalf("tour all ran %q; want every entry in order, %q", headings, want)
	}
	for _, part := range []string{"overhead per switch", "egon play 2"} {
		if !strings.Contains(stdout.String(), part) {
			t.Errorf("tour all lacks %q", part)
		}
	}
}

// An error is named by its command once: package crawl's errors name
// themselves already.
func TestNamed(t *testing.T) {
	inner := errors.New("connection refused")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("crawl: frontier: %w", inner), "crawl: frontier: connection refused"},
		{inner, "crawl: connection refused"},
		{errors.New("crawler: x"), "crawl: crawler: x"},
	} {
		got := named("crawl", tc.err)
		if got.Error() != tc.want || !errors.Is(got, tc.err) {
			t.Errorf("named(crawl, %q) = %q; want %q, wrapping it", tc.err, got, tc.want)
		}
	}
}

// corio tour NAME shows the seed's Python, the Go code and what to
// notice, then the entry's output; -h shows the entry's flags only.
func TestTourShowsCode(t *testing.T) {
	var out, errb strings.Builder
	if status := run(&out, &errb, []string{"tour", "producer-consumer"}); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	s := out.String()
	order := []string{"== producer-consumer", "The Python of the seed (posts 2-10):", "g.send(i)", "In Go, on corio (cmd/corio/internal/tour/producerconsumer.go):", "func ProducerConsumer(", "Notice: ", "-- output --\n"}
	at := 0
	for _, part := range order {
		i := strings.Index(s[at:], part)
		if i < 0 {
			t.Fatalf("%q missing, or out of order, in:\n%s", part, s)
		}
		at += i + len(part)
	}
	out.Reset()
	if status := run(&out, &errb, []string{"tour", "no-lock", "-h"}); status != 0 || strings.Contains(out.String(), "-- output --") {
		t.Errorf("tour no-lock -h: status %d, shows the code: %q", status, out.String())
	}
}
