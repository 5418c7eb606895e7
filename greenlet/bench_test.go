package greenlet_test

import (
	"testing"

	"github.com/corio-go/corio/greenlet"
)

// BenchmarkGreenletSwitch: one round trip between two greenlets, ping
// switching to pong and pong back (two switches). Compare it with
// BenchmarkBaselineIterPull in package gen, run in the same go test.
func BenchmarkGreenletSwitch(b *testing.B) {
	b.ReportAllocs()
	main := greenlet.Main()
	defer main.Close()
	var ping, pong *greenlet.Greenlet
	ping = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		for range b.N {
			if _, err := self.Switch(pong); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	pong = main.New(func(self *greenlet.Greenlet, args ...any) (any, error) {
		for {
			if _, err := self.Switch(ping); err != nil {
				return nil, err
			}
		}
	})
	b.ResetTimer()
	if _, err := main.Switch(ping); err != nil {
		b.Fatal(err)
	}
}
