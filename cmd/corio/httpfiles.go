package main

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// fileHandler is what corio http serves: chttp.FileServer over the
// directory, with GET and HEAD only, a listing page of its own for
// directories without an index.html, and gzip for text.
type fileHandler struct {
	fsys  *chttp.DirFS
	files http.Handler // chttp.FileServer(fsys)
}

func newFileHandler(fsys *chttp.DirFS) http.Handler {
	return &fileHandler{fsys: fsys, files: chttp.FileServer(fsys)}
}

func (h *fileHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w = gzipIfAccepted(w, r)
	if gw, ok := w.(*gzipResponse); ok {
		defer gw.Close()
	}
	if strings.HasSuffix(r.URL.Path, "/") {
		name := path.Clean("/" + r.URL.Path)
		// Read and written off the hub: a directory of 200,000 entries
		// takes a second to list, and its page tens of milliseconds.
		page, err := corio.Blocking(r.Context(), func(context.Context) (string, error) {
			listing, err := readListing(h.fsys, name)
			if listing == nil || err != nil {
				return "", err
			}
			return listing.page(), nil
		})
		switch {
		case err == nil && page != "":
			serveListing(w, r, page)
			return
		case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission):
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		// Not a directory, one with an index.html, or refused: FileServer
		// answers as for any name.
	}
	h.files.ServeHTTP(w, r)
}
