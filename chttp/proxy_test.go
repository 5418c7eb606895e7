package chttp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/cnet"
	"github.com/corio-go/corio/internal/fixture/leakcheck"
)

// A proxy is a test proxy: plain requests it answers itself, naming what
// it was asked; CONNECT it tunnels to tunnelTo, whatever the target. It
// records each request's method, target and Proxy-Authorization.
type proxy struct {
	tunnelTo string
	mu       sync.Mutex
	seen     []string
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, fmt.Sprintf("%s %s auth=%q", r.Method, r.RequestURI, r.Header.Get("Proxy-Authorization")))
	p.mu.Unlock()
	if r.Method != http.MethodConnect {
		fmt.Fprintf(w, "proxied %s", r.RequestURI)
		return
	}
	back, err := net.Dial("tcp", p.tunnelTo)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer back.Close()
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	// Copies through plain writers: TCP to TCP would splice through a
	// pipe the runtime keeps cached, which the leak check would count.
	go func() { io.Copy(struct{ io.Writer }{back}, rw); back.(*net.TCPConn).CloseWrite(); close(done) }()
	io.Copy(struct{ io.Writer }{conn}, back)
	conn.Close()
	<-done
}

func (p *proxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// tlsBackend is an httptest TLS server and a config that trusts it.
func tlsBackend(t *testing.T) (*httptest.Server, *tls.Config) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend %s %s", r.Host, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv, &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
}

// Plain requests go to the proxy with the target's absolute URL, https
// ones through one CONNECT tunnel; both carry the proxy's credentials. The
// proxy may be reached over TLS too (an https:// proxy URL), tunnels and
// all.
func TestProxy(t *testing.T) {
	leakcheck.Check(t)
	backend, cfg := tlsBackend(t) // httptest's certificate: the TLS proxy's too
	for _, proxyTLS := range []bool{false, true} {
		p := &proxy{tunnelTo: backend.Listener.Addr().String()}
		ps := httptest.NewUnstartedServer(p)
		if proxyTLS {
			ps.StartTLS()
		} else {
			ps.Start()
		}
		t.Cleanup(ps.Close)
		proxyURL, _ := url.Parse(ps.URL)
		proxyURL.User = url.UserPassword("user", "pass")
		tr := &chttp.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: cfg}
		client := &http.Client{Transport: tr}
		hub(t, func(ctx context.Context) error {
			for _, tc := range []struct{ url, want string }{
				{"http://plain.test/a?b=c", "proxied http://plain.test/a?b=c"},
				{"http://other.test:8080/", "proxied http://other.test:8080/"},
				// example.com is a name the test certificate has.
				{"https://example.com/secret", "backend example.com /secret"},
				{"https://example.com/again", "backend example.com /again"},
			} {
				status, body, err := get(ctx, client, tc.url)
				if err != nil || status != 200 || body != tc.want {
					t.Errorf("proxy over TLS %v: %s: %d %q %v, want %q", proxyTLS, tc.url, status, body, err, tc.want)
				}
			}
			return nil
		})
		auth := `auth="Basic dXNlcjpwYXNz"`
		want := []string{
			"GET http://plain.test/a?b=c " + auth,
			"GET http://other.test:8080/ " + auth,
			"CONNECT example.com:443 " + auth, // one tunnel for both https requests
		}
		if got := p.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("proxy over TLS %v: the proxy saw\n%s\nwant\n%s", proxyTLS, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestProxyRefusesConnect(t *testing.T) {
	leakcheck.Check(t)
	ps := server(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) })
	proxyURL, _ := url.Parse(ps.URL)
	client := &http.Client{Transport: &chttp.Transport{Proxy: http.ProxyURL(proxyURL)}}
	hub(t, func(ctx context.Context) error {
		_, _, err := get(ctx, client, "https://example.com/")
		if err == nil || !strings.Contains(err.Error(), `proxy CONNECT example.com:443`) || !strings.Contains(err.Error(), "403 Forbidden") {
			t.Errorf("err = %v, want the CONNECT refusal with its status", err)
		}
		return nil
	})
}

func TestUnsupportedProxyScheme(t *testing.T) {
	proxyURL, _ := url.Parse("socks5://127.0.0.1:1080")
	client := &http.Client{Transport: &chttp.Transport{Proxy: http.ProxyURL(proxyURL)}}
	hub(t, func(ctx context.Context) error {
		_, _, err := get(ctx, client, "http://example.com/")
		if err == nil || !strings.Contains(err.Error(), `unsupported proxy scheme "socks5"`) {
			t.Errorf("err = %v", err)
		}
		return nil
	})
}

// The environment's HTTP_PROXY, HTTPS_PROXY and NO_PROXY, read by
// http.ProxyFromEnvironment once per process: checked in a child process.
func TestProxyFromEnvironment(t *testing.T) {
	if os.Getenv("CHTTP_TEST_CHILD") == "1" {
		proxyFromEnvironmentChild(t)
		return
	}
	leakcheck.Check(t)
	backend, _ := tlsBackend(t)
	direct := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "direct %s", r.Host) })
	p := &proxy{tunnelTo: backend.Listener.Addr().String()}
	ps := httptest.NewServer(p)
	t.Cleanup(ps.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: backend.Certificate().Raw})
	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyFromEnvironment$", "-test.v")
	cmd.Env = append(os.Environ(),
		"CHTTP_TEST_CHILD=1", "CHTTP_TEST_CA="+string(ca), "CHTTP_TEST_DIRECT="+direct.Listener.Addr().String(),
		"HTTP_PROXY="+ps.URL, "HTTPS_PROXY="+ps.URL, "NO_PROXY=direct.test",
		"http_proxy=", "https_proxy=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestProxyFromEnvironment") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := []string{`GET http://plain.test/x auth=""`, `CONNECT example.com:443 auth=""`}
	if got := p.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the proxy saw %q, want %q", got, want)
	}
}

func proxyFromEnvironmentChild(t *testing.T) {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(os.Getenv("CHTTP_TEST_CA")))
	tr := &chttp.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{RootCAs: roots},
		Dial: func(ctx context.Context, network, addr string) (*cnet.Conn, error) {
			if addr == "direct.test:80" { // NO_PROXY: dialled directly
				addr = os.Getenv("CHTTP_TEST_DIRECT")
			}
			return cnet.Dial(ctx, network, addr)
		},
	}
	client := &http.Client{Transport: tr}
	hub(t, func(ctx context.Context) error {
		for _, tc := range []struct{ url, want string }{
			{"http://plain.test/x", "proxied http://plain.test/x"},
			{"https://example.com/y", "backend example.com /y"},
			{"http://direct.test/z", "direct direct.test"},
		} {
			status, body, err := get(ctx, client, tc.url)
			if err != nil || status != 200 || body != tc.want {
				t.Errorf("%s: %d %q %v, want %q", tc.url, status, body, err, tc.want)
			}
		}
		return nil
	})
}
