package crawl

import (
	"os"

	"golang.org/x/sys/unix"
)

// descriptorReserve is what a crawl leaves to the rest of the process
// (its output, the hub's poller, a DNS lookup) when it sizes itself to
// the descriptor limit.
const descriptorReserve = 32

// ConcurrencyBound is the most pages a crawl fetches at once in this
// process, whatever Config.Concurrency asks: half of the descriptors the
// process may still open (less a reserve), the other half for the
// connections kept open between pages. A crawl asked for more waits for
// a descriptor instead of failing pages with "too many open files". It is
// -1 when the limit cannot be read.
func ConcurrencyBound() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == unix.RLIM_INFINITY {
		return -1
	}
	open, err := os.ReadDir("/dev/fd")
	if err != nil {
		return -1
	}
	return max(1, (int(min(lim.Cur, 1<<30))-len(open)-descriptorReserve)/2)
}

// slots is how many pages cfg fetches at once.
func (c *Config) slots() int {
	if b := ConcurrencyBound(); b > 0 && b < c.Concurrency {
		return b
	}
	return c.Concurrency
}
