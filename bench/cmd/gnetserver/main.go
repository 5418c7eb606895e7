// Command gnetserver is the seed's upper-casing server on gnet v2, one
// event loop: the event-loop baseline of BENCHMARKS.md.
package main

import (
	"flag"
	"log"

	"github.com/panjf2000/gnet/v2"
)

type upper struct{ gnet.BuiltinEventEngine }

// OnTraffic answers what arrived, upper-cased in place.
func (*upper) OnTraffic(c gnet.Conn) gnet.Action {
	buf, err := c.Next(-1)
	if err != nil {
		return gnet.Close
	}
	for i, b := range buf {
		if 'a' <= b && b <= 'z' {
			buf[i] = b - 'a' + 'A'
		}
	}
	if _, err := c.Write(buf); err != nil {
		return gnet.Close
	}
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on")
	flag.Parse()
	log.Fatal(gnet.Run(&upper{}, "tcp://"+*addr, gnet.WithMulticore(false), gnet.WithNumEventLoop(1)))
}
