// Command hostile serves the pages that would hurt a crawler without
// bounds, for bench/hostile.sh: /endless, an HTML page of links that never
// ends; /bomb, a small gzip response that unpacks to 1 GiB of links; any
// other path, a short page.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	flag.Parse()
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	chunk := []byte(strings.Repeat(`<a href="/b">b</a>`, 1<<16))
	for written := 0; written < 1<<30; written += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()
	log.Printf("bomb: %d bytes on the wire, 1 GiB unpacked", bomb.Len())
	http.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for i := 0; r.Context().Err() == nil; i++ {
			if _, err := fmt.Fprintf(w, "<a href=\"/l/%d\">link %d</a>\n", i, i); err != nil {
				return
			}
		}
	})
	http.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "a page") })
	log.Fatal(http.ListenAndServe(*addr, nil))
}
