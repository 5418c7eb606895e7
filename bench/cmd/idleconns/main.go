// Command idleconns opens N connections to a server, each after one
// exchange, and holds them idle until its standard input closes: for
// measuring a server's memory per idle connection. By default each
// connection is opened and makes its exchange before the next opens (one
// after another); with --at-once, all N are opened first, then each sends
// its message, then the replies are read: N connections that arrive, and
// speak, at the same moment.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the server")
	n := flag.Int("n", 10000, "connections")
	atOnce := flag.Bool("at-once", false, "open all connections, then send on all, then read all replies")
	flag.Parse()
	conns := make([]net.Conn, 0, *n)
	reply := make([]byte, 5)
	for i := range *n {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if !*atOnce {
			exchange(c, i, reply)
		}
	}
	if *atOnce {
		for i, c := range conns {
			if _, err := c.Write([]byte("hello")); err != nil {
				log.Fatalf("connection %d: %v", i, err)
			}
		}
		for i, c := range conns {
			if _, err := io.ReadFull(c, reply); err != nil {
				log.Fatalf("connection %d: %v", i, err)
			}
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	// Closed only now: unreferenced, they could be collected, and a
	// collected connection is closed by its finalizer.
	for _, c := range conns {
		c.Close()
	}
}

// exchange sends one message on c and reads its reply.
func exchange(c net.Conn, i int, reply []byte) {
	if _, err := c.Write([]byte("hello")); err != nil {
		log.Fatalf("connection %d: %v", i, err)
	}
	if _, err := io.ReadFull(c, reply); err != nil {
		log.Fatalf("connection %d: %v", i, err)
	}
}
