package tour

import (
	"fmt"
	"io"

	"github.com/corio-go/corio/greenlet"
)

// Greenlet is the seed's eat/play: two greenlets switch to each other by
// hand. Nothing here notices I/O; that is what the hub is for.
func Greenlet(out io.Writer, args []string) error {
	if err := noArgs("greenlet", out, args); err != nil {
		return err
	}
	main := greenlet.Main()
	var eat, play *greenlet.Greenlet
	eat = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		name := args[0]
		fmt.Fprintf(out, "%s eat 1\n", name)
		if _, err := self.Switch(play, name); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "%s eat 2\n", name)
		_, err := self.Switch(play)
		return nil, err
	})
	play = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		name := args[0]
		fmt.Fprintf(out, "%s play 1\n", name)
		if _, err := self.Switch(eat); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "%s play 2\n", name)
		return nil, nil
	})
	if _, err := main.Switch(eat, "egon"); err != nil {
		return err
	}
	return main.Close()
}
