package tour

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/corio-go/corio/gen"
)

// Frames shows a generator's life: its state at each step and, while it
// is paused, the line it is paused at, as Python shows gi_frame.f_lineno.
func Frames(out io.Writer, args []string) error {
	if err := noArgs("frames", out, args); err != nil {
		return err
	}
	fmt.Fprintln(out, `Python runs every call in a frame object on the heap, so a generator's
frame outlives each call and resumes at f_lasti. In corio a generator's body
runs on its own goroutine stack, also on the heap, and the Go runtime
switches to it and back without the scheduler.`)
	fmt.Fprintln(out)
	g := gen.New(countdown)
	show := func(step string) {
		where := g.Where()
		at := "-"
		if len(where.Frames) > 0 {
			f := where.Frames[0]
			at = fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
		}
		fmt.Fprintf(out, "%-14s state=%-9s paused at %s\n", step, g.State(), at)
	}
	show("gen.New")
	for {
		v, err := g.Next()
		if err != nil {
			show("exhausted")
			break
		}
		show(fmt.Sprintf("Next() = %d", v))
	}
	return nil
}

// countdown yields 2, 1 from two different lines, so that Where moves.
func countdown(y *gen.Yielder[int, struct{}]) (int, error) {
	if _, err := y.Yield(2); err != nil {
		return 0, err
	}
	if _, err := y.Yield(1); err != nil {
		return 0, err
	}
	return 0, nil
}
