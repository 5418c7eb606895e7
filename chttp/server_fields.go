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
