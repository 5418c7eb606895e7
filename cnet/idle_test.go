package cnet_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// An idle timeout bounds each wait for data from its start; data resets
// it; the owner's earlier read deadline still wins (virtual clock).
func TestIdleTimeout(t *testing.T) {
	runPair(t, "tcp", "127.0.0.1:0", func(ctx context.Context, client, server *cnet.Conn) error {
		server.SetIdleTimeout(5 * time.Second)
		start := corio.Now(ctx)
		corio.Spawn(ctx, func(ctx context.Context) error {
			corio.Sleep(ctx, 3*time.Second)
			_, err := client.Write([]byte("hi"))
			return err
		})
		buf := make([]byte, 10)
		if n, err := server.Read(buf); n != 2 || err != nil || corio.Now(ctx).Sub(start) != 3*time.Second {
			t.Errorf("read with data after 3 s = %d, %v at %v", n, err, corio.Now(ctx).Sub(start))
		}
		// Nothing more: the wait that began at 3 s ends at 8 s.
		if err := server.WaitReadable(); !errors.Is(err, os.ErrDeadlineExceeded) || corio.Now(ctx).Sub(start) != 8*time.Second {
			t.Errorf("idle wait = %v at %v, want the deadline at 8s", err, corio.Now(ctx).Sub(start))
		}
		// The owner's deadline, earlier, wins; later, the idle bound does.
		server.SetReadDeadline(corio.Now(ctx).Add(2 * time.Second))
		if _, err := server.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) || corio.Now(ctx).Sub(start) != 10*time.Second {
			t.Errorf("read with an earlier deadline = %v at %v, want it at 10s", err, corio.Now(ctx).Sub(start))
		}
		server.SetReadDeadline(corio.Now(ctx).Add(time.Hour))
		if _, err := server.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) || corio.Now(ctx).Sub(start) != 15*time.Second {
			t.Errorf("read with a later deadline = %v at %v, want it at 15s", err, corio.Now(ctx).Sub(start))
		}
		// No idle bound: the owner's deadline alone.
		server.SetIdleTimeout(0)
		server.SetReadDeadline(corio.Now(ctx).Add(20 * time.Second))
		if _, err := server.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) || corio.Now(ctx).Sub(start) != 35*time.Second {
			t.Errorf("read without the idle bound = %v at %v, want it at 35s", err, corio.Now(ctx).Sub(start))
		}
		return nil
	})
}
