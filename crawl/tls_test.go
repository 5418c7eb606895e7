package crawl_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/corio-go/corio/crawl"
)

// A server whose certificate does not verify (self-signed here): its
// page fails at once, not retried (another attempt gets the same
// certificate); with Insecure it is fetched.
func TestCertificateNotRetriedAndInsecure(t *testing.T) {
	var handshakes atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure page")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		handshakes.Add(1)
		return nil, nil
	}}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	cfg := crawl.Config{Concurrency: 1, Retries: 3, IgnoreRobots: true}
	pages, sum := crawlServer(t, srv, cfg, "/")
	if len(pages) != 1 || sum.Failed != 1 || !strings.Contains(errorOf(pages[0]), "certificate") {
		t.Fatalf("pages %+v, summary %+v; want one page failed for its certificate", pages, sum)
	}
	if n := handshakes.Load(); n != 1 {
		t.Fatalf("%d handshakes; want 1: a certificate error is not retried", n)
	}

	cfg.Insecure = true
	pages, sum = crawlServer(t, srv, cfg, "/")
	if len(pages) != 1 || sum.OK != 1 || pages[0].Bytes != int64(len("secure page")) {
		t.Fatalf("with Insecure: pages %+v, summary %+v; want the page fetched", pages, sum)
	}
}
