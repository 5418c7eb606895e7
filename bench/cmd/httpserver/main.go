// Command httpserver serves the plaintext benchmark's handler ("Hello,
// World!" as text/plain) on one of three HTTP/1.1 servers, for
// bench/http.sh: net/http, fasthttp, or corio's chttp.Server (one hub).
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/corio-go/corio/chttp"
)

var hello = []byte("Hello, World!")

func main() {
	impl := flag.String("impl", "corio", "the server: corio, net or fasthttp")
	addr := flag.String("addr", "127.0.0.1:8080", "host:port")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the first `DURATION` to /tmp/httpserver.prof (for finding where the time goes)")
	flag.Parse()
	if *profile != "" {
		startProfile(*profile)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	var err error
	switch *impl {
	case "corio":
		err = (&chttp.Server{Addr: *addr, Handler: handler, Hubs: 1}).ListenAndServe()
	case "net":
		err = (&http.Server{Addr: *addr, Handler: handler}).ListenAndServe()
	case "fasthttp":
		err = fasthttp.ListenAndServe(*addr, func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType("text/plain")
			ctx.Write(hello)
		})
	default:
		log.Fatalf("httpserver: --impl must be corio, net or fasthttp, got %q", *impl)
	}
	log.Fatal(err)
}

// startProfile profiles the CPU for the duration given, in the background.
func startProfile(d string) {
	dur, err := time.ParseDuration(d)
	if err != nil {
		log.Fatalf("httpserver: --cpuprofile %q: %v", d, err)
	}
	f, err := os.Create(filepath.Join(os.TempDir(), "httpserver.prof"))
	if err != nil {
		log.Fatal(err)
	}
	pprof.StartCPUProfile(f)
	time.AfterFunc(dur, func() { pprof.StopCPUProfile(); f.Close() })
}
