package sim_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/sim"
)

// BenchmarkSeed is one seeded run of a small test: the example's two
// HTTP clients and a chttp server on three hosts (seeds per second is
// 1e9 / ns/op).
func BenchmarkSeed(b *testing.B) {
	fn := twoIncrements(true)
	for i := range b.N {
		if r := sim.RunSeed(b.Context(), uint64(i), fn); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkEcho is corio serve's exchange, a line sent and its upper-cased
// echo read back on one connection, per op: over the simulated network
// (no latency) and over loopback TCP.
func BenchmarkEcho(b *testing.B) {
	for _, nw := range []struct {
		name, listen string
		opt          func() corio.Option
	}{
		{"sim", ":0", func() corio.Option { return sim.OnNetwork(sim.NewNetwork(sim.Config{})) }},
		{"loopback", "127.0.0.1:0", func() corio.Option { return corio.Options() }},
	} {
		b.Run(nw.name, func(b *testing.B) {
			err := corio.Run(b.Context(), func(ctx context.Context) error {
				l, err := cnet.Listen(ctx, "tcp", nw.listen)
				if err != nil {
					return err
				}
				defer l.Close()
				corio.Spawn(ctx, func(ctx context.Context) error {
					c, err := l.AcceptConn()
					if err != nil {
						return err
					}
					defer c.Close()
					buf := make([]byte, 64)
					for {
						n, err := c.Read(buf)
						if err != nil {
							return nil
						}
						c.Write(bytes.ToUpper(buf[:n]))
					}
				})
				c, err := cnet.Dial(ctx, "tcp", l.Addr().String())
				if err != nil {
					return err
				}
				defer c.Close()
				line, got := []byte("hello, corio!\n"), make([]byte, 14)
				b.ResetTimer()
				for range b.N {
					c.Write(line)
					if _, err := io.ReadFull(c, got); err != nil {
						return err
					}
				}
				return nil
			}, nw.opt())
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
