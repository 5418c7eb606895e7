// Command netserver is the seed's upper-casing server on package net, a
// goroutine per connection: the standard-library baseline of
// BENCHMARKS.md.
package main

import (
	"flag"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 1024)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				for i, b := range buf[:n] { // ASCII, in place, as corio serve and gnetserver
					if 'a' <= b && b <= 'z' {
						buf[i] = b - 'a' + 'A'
					}
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
	}
}
