// Command idleconns opens N connections to a server, each after one
// exchange, and holds them idle until its standard input closes: for
// measuring a server's memory per idle connection. By default each
// connection is opened and makes its exchange before the next opens (one
// after another); with --at-once, all N are opened first, then each sends
// its message, then the replies are read: N connections that arrive, and
// speak, at the same moment.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the server")
	n := flag.Int("n", 10000, "connections")
	atOnce := flag.Bool("at-once", false, "open all connections, then send on all, then read all replies")
	httpMode := flag.Bool("http", false, "each exchange is an HTTP/1.1 keep-alive GET / (its response read whole) instead of hello")
	flag.Parse()
	conns := make([]net.Conn, 0, *n)
	reply := make([]byte, 5)
	for i := range *n {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		switch {
		case *httpMode:
			httpExchange(c, i)
		case !*atOnce:
			exchange(c, i, reply)
		}
	}
	if *atOnce && !*httpMode {
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

// httpExchange makes one keep-alive GET / on c and reads its response.
func httpExchange(c net.Conn, i int) {
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
		log.Fatalf("connection %d: %v", i, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		log.Fatalf("connection %d: %v", i, err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != 200 || resp.Close {
		log.Fatalf("connection %d: status %d, close %v, %v", i, resp.StatusCode, resp.Close, err)
	}
}
