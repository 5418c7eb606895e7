package greenlet_test

import (
	"fmt"

	"github.com/corio-go/corio/greenlet"
)

// The seed's eat/play: two greenlets hand control to each other explicitly.
func Example_eatPlay() {
	main := greenlet.Main()
	defer main.Close()
	var eat, play *greenlet.Greenlet
	eat = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		name := args[0]
		fmt.Printf("%s eat 1\n", name)
		self.Switch(play, name)
		fmt.Printf("%s eat 2\n", name)
		self.Switch(play)
		return nil, nil
	})
	play = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		name := args[0]
		fmt.Printf("%s play 1\n", name)
		self.Switch(eat)
		fmt.Printf("%s play 2\n", name)
		return nil, nil
	})
	main.Switch(eat, "egon")
	// Output:
	// egon eat 1
	// egon play 1
	// egon eat 2
	// egon play 2
}
