package main

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// corio http compresses a response with gzip when the client accepts it,
// its type is text (compressibleType), it is a whole 200 (not a range) and
// its size is known and between these bounds: under the lower one gzip
// saves nothing; the upper one bounds the time a response's compression
// keeps its hub (at gzip's best speed, about 5 ms for 1 MiB here).
const (
	minGzipSize = 1 << 10
	maxGzipSize = 1 << 20
)

// gzipIfAccepted returns w, or, if r accepts gzip, a writer that
// compresses the response if it turns out to be worth it (decided at its
// header). Close it once the handler has returned.
func gzipIfAccepted(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		return w
	}
	return &gzipResponse{ResponseWriter: w, head: r.Method == http.MethodHead}
}

// acceptsGzip reads an Accept-Encoding value: gzip (or *) with a q other
// than 0.
func acceptsGzip(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

// compressibleType reports whether a Content-Type is worth compressing.
func compressibleType(ct string) bool {
	ct, _, _ = strings.Cut(strings.ToLower(ct), ";")
	ct = strings.TrimSpace(ct)
	switch {
	case strings.HasPrefix(ct, "text/"):
		return true
	case ct == "application/javascript", ct == "application/json", ct == "application/xml", ct == "image/svg+xml",
		ct == "application/wasm", ct == "application/manifest+json", ct == "application/xhtml+xml", ct == "application/rss+xml":
		return true
	}
	return false
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// gzipResponse compresses what the handler writes if its header says it
// is worth it.
type gzipResponse struct {
	http.ResponseWriter
	head        bool
	wroteHeader bool
	zw          *gzip.Writer // set while compressing
}

func (g *gzipResponse) WriteHeader(code int) {
	if g.wroteHeader {
		g.ResponseWriter.WriteHeader(code) // net/http logs the superfluous call
		return
	}
	g.wroteHeader = true
	h := g.Header()
	if compressibleType(h.Get("Content-Type")) {
		h.Add("Vary", "Accept-Encoding")
		if g.worthCompressing(code, h) {
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			if !g.head {
				g.zw = gzipWriters.Get().(*gzip.Writer)
				g.zw.Reset(g.ResponseWriter)
			}
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

// worthCompressing: a whole 200 of a size within the bounds, not encoded
// already.
func (g *gzipResponse) worthCompressing(code int, h http.Header) bool {
	if code != http.StatusOK || h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	return err == nil && n >= minGzipSize && n <= maxGzipSize
}

func (g *gzipResponse) Write(p []byte) (int, error) {
	if !g.wroteHeader {
		g.WriteHeader(http.StatusOK)
	}
	if g.zw != nil {
		return g.zw.Write(p)
	}
	return g.ResponseWriter.Write(p)
}

// Flush sends what has been compressed so far.
func (g *gzipResponse) Flush() {
	if g.zw != nil {
		g.zw.Flush()
	}
	http.NewResponseController(g.ResponseWriter).Flush()
}

// Close ends the compressed stream, if any, and gives its writer back.
func (g *gzipResponse) Close() error {
	if g.zw == nil {
		return nil
	}
	err := g.zw.Close()
	g.zw.Reset(io.Discard)
	gzipWriters.Put(g.zw)
	g.zw = nil
	return err
}

// Unwrap lets http.ResponseController reach the server's writer.
func (g *gzipResponse) Unwrap() http.ResponseWriter { return g.ResponseWriter }
