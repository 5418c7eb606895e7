package chttp_test

import (
	"log"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/syncbuf"
)

// A handler that blocks its hub is reported in ErrorLog with its stack
// when the server has a Watchdog.
func TestServerWatchdogReportsABlockingHandler(t *testing.T) {
	var logged syncbuf.Buffer
	srv := &chttp.Server{Addr: "127.0.0.1:0", Hubs: 1, Watchdog: 20 * time.Millisecond, ErrorLog: log.New(&logged, "", 0),
		Handler: http.HandlerFunc(blockingHandler)}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get("http://" + srv.ListenAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := logged.String(); !strings.Contains(s, "chttp: corio: task") || !strings.Contains(s, "has kept the hub for") || !strings.Contains(s, "blockingHandler") {
		t.Fatalf("ErrorLog: %q; want the stall with the handler's stack", s)
	}
}

// blockingHandler blocks the hub's goroutine (time.Sleep is not
// cooperative) far past the watchdog's threshold.
func blockingHandler(w http.ResponseWriter, r *http.Request) {
	time.Sleep(300 * time.Millisecond)
}
