package tour_test

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/corio-go/corio/cmd/corio/internal/tour"
)

func TestEntriesAreFoundByName(t *testing.T) {
	for _, e := range tour.Entries() {
		got, ok := tour.Lookup(e.Name)
		if !ok || got.Name != e.Name || e.Summary == "" {
			t.Errorf("Lookup(%q) = %v, %v", e.Name, got.Name, ok)
		}
	}
	if _, ok := tour.Lookup("nope"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

func TestArguments(t *testing.T) {
	tests := []struct {
		entry string
		args  []string
		want  error
		text  string
	}{
		{"frames", []string{"extra"}, tour.ErrUsage, "takes no arguments"},
		{"frames", []string{"-x"}, tour.ErrUsage, "flag provided but not defined"},
		{"greenlet", []string{"-h"}, flag.ErrHelp, ""},
		{"serial-vs-yield", []string{"-n", "0"}, tour.ErrUsage, "-n must be positive, got 0"},
		{"serial-vs-yield", []string{"-n", "many"}, tour.ErrUsage, "invalid value"},
		{"producer-consumer", []string{"-n", "-1"}, tour.ErrUsage, "must not be negative"},
		{"sync-vs-async", []string{"--virtual=maybe"}, tour.ErrUsage, "invalid boolean value"},
		{"gevent-eat-play", []string{"now"}, tour.ErrUsage, "takes no arguments"},
		{"no-lock", []string{"-tasks", "0"}, tour.ErrUsage, "-tasks and -n must be positive"},
		{"socket-server", []string{"-c", "0"}, tour.ErrUsage, "-c and -d must be positive"},
		{"simulation", []string{"-seeds", "0"}, tour.ErrUsage, "-seeds must be positive"},
		{"simulation", []string{"again"}, tour.ErrUsage, "takes no arguments"},
	}
	for _, tt := range tests {
		e, _ := tour.Lookup(tt.entry)
		var out bytes.Buffer
		err := e.Run(&out, tt.args)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s %q: err = %v, want %v containing %q", tt.entry, tt.args, err, tt.want, tt.text)
		}
	}
}

func TestSerialVsYield(t *testing.T) {
	var out bytes.Buffer
	if err := tour.SerialVsYield(&out, []string{"-n", "1000"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"items:                     1000\n", "serial (produce, consume): ", "switching (send per item): ", "overhead per switch: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSocketServer(t *testing.T) {
	var out bytes.Buffer
	if err := tour.SocketServer(&out, []string{"-c", "50", "-d", "200ms"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server: one hub", "clients: 50 connections", "client0 say hello 0 -> CLIENT0 SAY HELLO 0", "errors 0, mismatches 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// Every entry shows its Python, its Go code (found in the embedded file)
// and what to notice.
func TestEntriesShowTheirCode(t *testing.T) {
	for _, e := range tour.Entries() {
		code, err := tour.Source(e)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		for _, f := range e.Funcs {
			if !strings.Contains(code, "func "+f+"(") {
				t.Errorf("%s: the code shown lacks func %s", e.Name, f)
			}
		}
		if e.Python == "" || e.Notice == "" || e.Posts == "" {
			t.Errorf("%s: Python %q, notice %q, posts %q: each must be given", e.Name, e.Python, e.Notice, e.Posts)
		}
	}
	if _, err := tour.Source(tour.Entry{Name: "x", File: "frames.go", Funcs: []string{"Missing"}}); err == nil || !strings.Contains(err.Error(), "no func Missing in frames.go") {
		t.Errorf("a missing func: %v", err)
	}
}
