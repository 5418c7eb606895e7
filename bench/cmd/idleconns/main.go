// Command idleconns opens N connections to a server, each after one
// exchange, and holds them idle until its standard input closes: for
// measuring a server's memory per idle connection.
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
	flag.Parse()
	conns := make([]net.Conn, 0, *n)
	for i := range *n {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		c.Write([]byte("hello"))
		reply := make([]byte, 5)
		if _, err := io.ReadFull(c, reply); err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	// Closed only now: unreferenced, they could be collected, and a
	// collected connection is closed by its finalizer.
	for _, c := range conns {
		c.Close()
	}
}
