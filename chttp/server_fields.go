package chttp

import (
	"bufio"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// writeFields writes h as h.WriteSubset(bw, nil) does: fields sorted by
// name, one line per value, fields with invalid names left out. A
// response's few fields are sorted on the stack, without WriteSubset's
// pooled sorter; a header with more fields, or with a value WriteSubset
// would mend (CR or LF in it, spaces or tabs around it), goes to
// WriteSubset.
func writeFields(bw *bufio.Writer, h http.Header) {
	var names [8]string
	if len(h) > len(names) {
		h.WriteSubset(bw, nil)
		return
	}
	n := 0
	for name, values := range h {
		for _, v := range values {
			if v != "" && (isSpaceOrTab(v[0]) || isSpaceOrTab(v[len(v)-1])) || strings.ContainsAny(v, "\r\n") {
				h.WriteSubset(bw, nil)
				return
			}
		}
		names[n] = name
		n++
	}
	slices.Sort(names[:n])
	for _, name := range names[:n] {
		if !httpguts.ValidHeaderFieldName(name) {
			continue
		}
		for _, v := range h[name] {
			bw.WriteString(name)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
}

func isSpaceOrTab(c byte) bool { return c == ' ' || c == '\t' }

// fieldValue is h.Get(name) for a name already canonical, which Get would
// canonicalize again on every call.
func fieldValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func wantsHTTP10KeepAlive(r *http.Request) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor != 0 {
		return false
	}
	return hasToken(fieldValue(r.Header, "Connection"), "keep-alive")
}

// hasToken reports whether token is in v, case-insensitively, between
// spaces, commas or tabs: net/http's own test, which Connection and Expect
// headers are read with.
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if strings.EqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }
