package corio

import (
	"context"
	"time"
)

// A hub reads time through a clock: nanoseconds since the hub started.
// The real clock is the monotonic one; the virtual clock stands still while
// tasks run and jumps to the next timer whenever every task waits and no
// I/O or offloaded call is pending, so that timing runs in no time and in
// a deterministic order.
type clock struct {
	virtual bool
	start   time.Time // real: the monotonic origin
	now     int64     // virtual: the current time
}

func (c *clock) read() int64 {
	if c.virtual {
		return c.now
	}
	return int64(time.Since(c.start))
}

// wall gives the time.Time of a clock reading, for context deadlines.
func (c *clock) wall(t int64) time.Time { return c.start.Add(time.Duration(t)) }

// fromWall gives the clock reading of a time.Time.
func (c *clock) fromWall(t time.Time) int64 { return int64(t.Sub(c.start)) }

// Now is the time on the hub's clock of ctx (which stands still between
// waits on the virtual clock). Outside a hub it is time.Now.
func Now(ctx context.Context) time.Time {
	h := hubOf(ctx)
	if h == nil {
		return time.Now()
	}
	return h.clock.wall(h.clock.read())
}
