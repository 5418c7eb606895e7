package chttp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

func TestTLS(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "secure %s %v", r.URL.Path, r.TLS != nil)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	var dials atomic.Int32
	tr := countingTransport(&dials)
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	client := &http.Client{Transport: tr}
	hub(t, func(ctx context.Context) error {
		for i := range 3 {
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/%d", srv.URL, i), nil)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			b := make([]byte, 64)
			n, _ := resp.Body.Read(b)
			resp.Body.Close()
			if want := fmt.Sprintf("secure /%d true", i); string(b[:n]) != want {
				t.Errorf("body %q, want %q", b[:n], want)
			}
			if resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" && resp.TLS.NegotiatedProtocol != "" {
				t.Errorf("resp.TLS = %+v", resp.TLS)
			}
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("3 requests over TLS dialled %d times, want 1", n)
		}
		// Without the test CA the server's certificate is refused.
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		_, err := (&http.Client{Transport: countingTransport(&dials)}).Do(req)
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("with the system roots only: %v, want x509.UnknownAuthorityError", err)
		}
		return nil
	})
}
