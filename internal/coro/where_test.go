package coro_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/corio-go/corio/internal/coro"
)

// Where is tested from outside the package: frames of the package itself
// are corio's own and are left out of locations.

func TestWhere(t *testing.T) {
	var line int
	c := coro.New(func(c *coro.Coro[int, int], in int) (int, error) {
		_, _, line, _ = runtime.Caller(0)
		c.Yield(0) // the line after Caller
		return 0, nil
	}, coro.Config[int]{})
	if w := c.Where(); !strings.Contains(w.Func(), "TestWhere") {
		t.Fatalf("created Where = %q (%s)", w, w.Func())
	}
	c.Send(0)
	w := c.Where()
	_, file, _, _ := runtime.Caller(0)
	if want := file + ":" + strconv.Itoa(line+1); w.String() != want {
		t.Fatalf("Where = %q, want %q\n%s", w, want, w.Stack())
	}
	if !strings.Contains(w.Stack(), "TestWhere") {
		t.Fatalf("stack lacks the function:\n%s", w.Stack())
	}
	if c.Send(0); c.State() != coro.Closed {
		t.Fatal("not done")
	}
	if w := c.Where(); len(w.Frames) != 0 || w.String() != "" || w.Func() != "" {
		t.Fatalf("closed Where = %q", w)
	}
}

func TestWhereRunningIsEmpty(t *testing.T) {
	var w coro.Location
	c := coro.New(func(c *coro.Coro[int, int], in int) (int, error) { w = c.Where(); return 0, nil }, coro.Config[int]{})
	c.Send(0)
	if len(w.Frames) != 0 {
		t.Fatalf("running Where = %q", w)
	}
}

func TestWhereDeep(t *testing.T) {
	var outer *coro.Coro[int, int]
	inner := coro.New(func(c *coro.Coro[int, int], in int) (int, error) {
		deepWait(outer)
		return 0, nil
	}, coro.Config[int]{})
	outer = coro.New(func(c *coro.Coro[int, int], in int) (int, error) { inner.Send(0); return 0, nil }, coro.Config[int]{})
	outer.Send(0)
	if w := outer.Where(); !strings.HasSuffix(w.Func(), "coro_test.deepWait") {
		t.Fatalf("deep Where = %s\n%s", w.Func(), w.Stack())
	}
	outer.Close()
}

func deepWait(c *coro.Coro[int, int]) { c.Yield(0) }

// ModuleFrames leaves out a module's library packages, not its commands
// or test packages, nor anything outside it.
func TestModuleFrames(t *testing.T) {
	lib := coro.ModuleFrames("example.com/m")
	for fn, want := range map[string]bool{
		"example.com/m.Run":                     true,
		"example.com/m.(*task).waitIn":          true,
		"example.com/m/net.(*Conn).Read":        true,
		"example.com/m/internal/poll.(*P).Wait": true,
		"example.com/m/net/http.Get.func1":      true,
		"example.com/m/gen.(*Y[go.shape.struct { F example.com/m_test/x.T }]).Yield": true,
		"example.com/m/gen.Map[example.com/m/cmd/x.T]":                               true,
		"example.com/m_test.TestX.func1":                                             false,
		"example.com/m/net_test.TestY":                                               false,
		"example.com/m/cmd/tool.main":                                                false,
		"example.com/m/cmd/tool/internal/tour.Run":                                   false,
		"example.com/mod.Run":                                                        false,
		"example.com/other.Run":                                                      false,
		"main.main":                                                                  false,
	} {
		if got := lib(fn); got != want {
			t.Errorf("ModuleFrames(example.com/m)(%q) = %v, want %v", fn, got, want)
		}
	}
}
