package main

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// logRequests prints a line per request on log, in the Common Log Format
// as web servers write it (host, identity, user, time, request line,
// status, bytes of body sent):
//
//	127.0.0.1 - - [06/Dec/2026:02:50:00 +0000] "GET /a.txt HTTP/1.1" 200 2326
func logRequests(h http.Handler, log *lineLog) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &responseRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		log.print(commonLogLine(r, rec.status(), rec.bytes, time.Now()))
	})
}

// commonLogLine is r's line in the Common Log Format.
func commonLogLine(r *http.Request, status int, bytes int64, at time.Time) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	size := "-"
	if bytes > 0 {
		size = strconv.FormatInt(bytes, 10)
	}
	return fmt.Sprintf("%s - - [%s] %q %d %s\n", host, at.Format("02/Jan/2006:15:04:05 -0700"), r.Method+" "+r.RequestURI+" "+r.Proto, status, size)
}

// responseRecorder notes the status a handler answered with and the
// bytes of body it wrote.
type responseRecorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (r *responseRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *responseRecorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// status is the status answered: 200 if the handler wrote nothing.
func (r *responseRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// Unwrap lets http.ResponseController reach the server's writer.
func (r *responseRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
