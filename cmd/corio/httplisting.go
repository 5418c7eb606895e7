package main

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/corio-go/corio/chttp"
)

// dirListing is the page corio http shows for a directory without an
// index.html: its entries, directories first, then files, each sorted by
// name, with sizes and modification times.
type dirListing struct {
	Path    string // the directory's URL path, ending in /
	Parent  bool   // it has a parent to link to
	Entries []listingEntry
}

type listingEntry struct {
	Name, Href   string
	Dir          bool
	Size         string // readable ("1.2 KiB"); "-" for a directory
	Bytes        int64
	Modified     string // UTC, to the minute
	ModifiedFull string // RFC 3339, for the title
}

// readListing reads the listing of the directory name in fsys; nil, nil
// when name is not a directory or has an index.html (the file server
// serves those). It blocks: call it off the hub.
func readListing(fsys *chttp.DirFS, name string) (*dirListing, error) {
	d, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	info, err := d.Stat()
	if err != nil || !info.IsDir() {
		return nil, err
	}
	if index, err := fsys.Open(path.Join(name, "index.html")); err == nil {
		index.Close()
		return nil, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	infos, err := d.Readdir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(infos, func(a, b fs.FileInfo) int {
		if a.IsDir() != b.IsDir() {
			if a.IsDir() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name(), b.Name())
	})
	l := &dirListing{Path: strings.TrimSuffix(name, "/") + "/", Parent: name != "/"}
	for _, fi := range infos {
		e := listingEntry{Name: fi.Name(), Href: (&url.URL{Path: fi.Name()}).String(), Dir: fi.IsDir(), Bytes: fi.Size(), Size: "-",
			Modified: fi.ModTime().UTC().Format("2006-01-02 15:04"), ModifiedFull: fi.ModTime().Format(time.RFC3339)}
		if e.Dir {
			e.Name += "/"
			e.Href += "/"
		} else {
			e.Size = readableSize(fi.Size())
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

// readableSize is n bytes in the largest binary unit that keeps it at
// least 1: "512 B", "1.5 KiB", "20.0 MiB".
func readableSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, 0
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	for v >= 1024 && unit < len(units)-1 {
		v /= 1024
		unit++
	}
	return fmt.Sprintf("%.1f %s", v, units[unit])
}

// serve writes the listing page.
func (l *dirListing) serve(w http.ResponseWriter, r *http.Request) {
	var page bytes.Buffer
	if err := listingPage.Execute(&page, l); err != nil {
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(page.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(page.Bytes())
	}
}

var listingPage = template.Must(template.New("listing").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Index of {{.Path}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; font-weight: 600; word-break: break-all; }
table { border-collapse: collapse; min-width: 40em; }
th, td { padding: 0.3em 1em; text-align: left; }
th { border-bottom: 2px solid #ccc; }
td.size { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { font-variant-numeric: tabular-nums; white-space: nowrap; color: #555; }
tr:nth-child(even) td { background: #f5f5f5; }
a { color: #0645ad; text-decoration: none; }
a:hover { text-decoration: underline; }
a.dir { font-weight: 600; }
footer { margin-top: 1.5em; color: #777; font-size: 0.9em; }
</style>
</head>
<body>
<h1>Index of {{.Path}}</h1>
<table>
<thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead>
<tbody>
{{- if .Parent}}
<tr><td><a class="dir" href="../">../</a></td><td class="size"></td><td class="time"></td></tr>
{{- end}}
{{- range .Entries}}
<tr><td><a{{if .Dir}} class="dir"{{end}} href="{{.Href}}">{{.Name}}</a></td><td class="size" title="{{.Bytes}} bytes">{{.Size}}</td><td class="time" title="{{.ModifiedFull}}">{{.Modified}}</td></tr>
{{- end}}
</tbody>
</table>
<footer>{{len .Entries}} {{if eq (len .Entries) 1}}entry{{else}}entries{{end}} · corio http</footer>
</body>
</html>
`))
