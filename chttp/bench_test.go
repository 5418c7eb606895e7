package chttp_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
	"github.com/corio-go/corio/internal/fixture/demosite"
)

// benchSite serves a page of about 2 KB with no latency, on a hub of its
// own on another goroutine, for the client benchmarks below.
func benchSite(b *testing.B) string {
	base, stop, err := demosite.Start(demosite.Site{Pages: 1, Fanout: 1, Size: 2000}, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stop() })
	return base + "/p/1"
}

// BenchmarkGet is one GET and its body, on a kept-alive connection, by a
// task through http.Client and chttp.Transport.
func BenchmarkGet(b *testing.B) {
	url := benchSite(b)
	client := &http.Client{Transport: &chttp.Transport{}}
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return err
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := getAll(client, req); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBaselineNetHTTPGet is BenchmarkGet with net/http's Transport,
// from a goroutine.
func BenchmarkBaselineNetHTTPGet(b *testing.B) {
	url := benchSite(b)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := getAll(client, req); err != nil {
			b.Fatal(err)
		}
	}
}

func getAll(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}
