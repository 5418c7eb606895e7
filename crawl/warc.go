package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/chttp"
)

// A WARC writes what a crawl fetched as a WARC archive (ISO 28500, WARC
// 1.1), the format of the Internet Archive's crawlers, wget's
// --warc-file and the replay tools: for each round trip a page took (each
// redirect, each attempt), a request record and a response record with
// the bytes as they crossed the connection, before any decoding (chunked
// framing, gzip), linked by WARC-Concurrent-To, with SHA-1 block and
// payload digests (base 32, as wget and Heritrix write them). Each file
// starts with a warcinfo record.
//
// A page's records are written whole, each record its own gzip member
// when the name ends in .gz, before the page is reported (its callback,
// its line, the frontier's Done), and off the hub (corio.Blocking): a
// WARC is readable while the crawl runs, and a crawl killed at any point
// leaves whole records, with at most a torn last one that a reader stops
// at (CheckWARC finds it, and can cut it).
//
// The records are written by github.com/nlnwa/gowarc, the WARC library
// of the National Library of Norway's crawler.
type WARC struct {
	w     *gowarc.WarcFileWriter
	names *warcNames
}

// WARCOptions are how a WARC is written.
type WARCOptions struct {
	// MaxSize starts a new file once one holds this many bytes (0: one
	// file). The files are named NAME-00001.warc.gz and on.
	MaxSize int64
	// Software names the writer in each warcinfo record ("": corio crawl).
	Software string
}

// CreateWARC returns a WARC writing to the file name: gzip-compressed,
// record by record, when name ends in .gz. A file of that name that
// exists is kept: the archive then starts at NAME-00001 (or the first
// such name free), so that a resumed crawl adds to its archive without
// writing over it. The file is created with the first record.
func CreateWARC(name string, o WARCOptions) (*WARC, error) {
	if o.MaxSize < 0 {
		return nil, fmt.Errorf("warc: max size must not be negative, got %d", o.MaxSize)
	}
	dir := filepath.Dir(name)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("warc: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("warc: %s is not a directory", dir)
	}
	if o.Software == "" {
		o.Software = "corio crawl"
	}
	compress := strings.HasSuffix(name, ".gz")
	names := &warcNames{dir: dir, base: strings.TrimSuffix(filepath.Base(name), ".gz"), compress: compress}
	w := gowarc.NewWarcFileWriter(
		gowarc.WithCompression(compress),
		gowarc.WithCompressedFileSuffix(".gz"),
		gowarc.WithOpenFileSuffix(""), // readable under its name while written
		gowarc.WithMaxFileSize(o.MaxSize),
		gowarc.WithFileNameGenerator(names),
		gowarc.WithAddWarcConcurrentToHeader(true),
		gowarc.WithRecordOptions(warcRecordOptions...),
		gowarc.WithWarcInfoFunc(func(b gowarc.WarcRecordBuilder) error {
			_, err := fmt.Fprintf(b, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n", o.Software)
			return err
		}),
	)
	return &WARC{w: w, names: names}, nil
}

// warcRecordOptions: SHA-1 in base 32, the digests of wget, Heritrix and
// the CDX indexes of the replay tools.
var warcRecordOptions = []gowarc.WarcRecordOption{
	gowarc.WithDefaultDigestAlgorithm("sha1"),
	gowarc.WithDefaultDigestEncoding(gowarc.Base32),
	gowarc.WithAddMissingDigest(true),
}

// Files returns the names of the files written so far, in order.
func (w *WARC) Files() []string { return w.names.used() }

// Close ends the archive's last file. It blocks on the file system: call
// it through corio.Blocking from a task.
func (w *WARC) Close() error {
	gowarcMu.Lock()
	defer gowarcMu.Unlock()
	return w.w.Close()
}

// gowarcMu serializes every use of gowarc in the process: each of its
// record builders and readers sets a global of github.com/google/uuid
// (EnableRandPool) without a lock, a data race between two goroutines
// building records at once (the writer's own builds each file's
// warcinfo). Held, the writes of all WARCs go one at a time, which their
// one file each makes them do anyway.
var gowarcMu sync.Mutex

// write writes a page's exchanges, each as a response record and a
// request record, off the hub: the records are built there too (their
// digests are the CPU of the write). truncated says the crawl stopped
// reading the page's body at its bound.
func (w *WARC) write(ctx context.Context, exchanges []*chttp.Exchange, truncated bool) error {
	if len(exchanges) == 0 {
		return nil
	}
	_, err := corio.Blocking(ctx, func(context.Context) (struct{}, error) {
		gowarcMu.Lock()
		defer gowarcMu.Unlock()
		var errs []error
		for _, ex := range exchanges {
			resp, req, err := warcRecords(ex, truncated)
			if err != nil {
				return struct{}{}, fmt.Errorf("warc: %s: %w", ex.URL, err)
			}
			for _, r := range w.w.Write(resp, req) {
				if r.Err != nil {
					errs = append(errs, fmt.Errorf("warc: writing %s: %w", r.FileName, r.Err))
				}
			}
		}
		return struct{}{}, errors.Join(errs...)
	})
	return err
}

// warcRecords builds the response and request records of an exchange.
func warcRecords(ex *chttp.Exchange, truncated bool) (resp, req gowarc.WarcRecord, err error) {
	build := func(t gowarc.RecordType, contentType string, block []byte, extra func(gowarc.WarcRecordBuilder)) (gowarc.WarcRecord, error) {
		b := gowarc.NewRecordBuilder(t, warcRecordOptions...)
		b.AddWarcHeader(gowarc.WarcTargetURI, ex.URL)
		b.AddWarcHeaderTime(gowarc.WarcDate, ex.Start)
		if tcp, ok := ex.RemoteAddr.(*net.TCPAddr); ok {
			b.AddWarcHeader(gowarc.WarcIPAddress, tcp.IP.String())
		}
		b.AddWarcHeader(gowarc.ContentType, contentType)
		if extra != nil {
			extra(b)
		}
		if _, err := b.Write(block); err != nil {
			return nil, err
		}
		r, _, err := b.Build()
		return r, err
	}
	resp, err = build(gowarc.Response, "application/http;msgtype=response", ex.Response, func(b gowarc.WarcRecordBuilder) {
		switch {
		case ex.Cut || !ex.Complete && truncated:
			b.AddWarcHeader(gowarc.WarcTruncated, "length")
		case !ex.Complete:
			b.AddWarcHeader(gowarc.WarcTruncated, "disconnect")
		}
	})
	if err != nil {
		return nil, nil, err
	}
	req, err = build(gowarc.Request, "application/http;msgtype=request", ex.Request, nil)
	if err != nil {
		resp.Close()
		return nil, nil, err
	}
	return resp, req, nil
}

// warcNames names a WARC's files: the name given while it is free, then
// NAME-00001 and on, skipping names taken.
type warcNames struct {
	dir, base string // base without .gz
	compress  bool
	serial    int
	files     []string
}

func (g *warcNames) NewWarcfileName() (string, string) {
	stem, ext := g.base, ""
	if i := strings.Index(g.base, ".warc"); i > 0 && g.base[i:] == ".warc" {
		stem, ext = g.base[:i], ".warc"
	}
	for ; ; g.serial++ {
		name := g.base
		if g.serial > 0 {
			name = fmt.Sprintf("%s-%05d%s", stem, g.serial, ext)
		}
		full := name
		if g.compress {
			full += ".gz"
		}
		if _, err := os.Lstat(filepath.Join(g.dir, full)); errors.Is(err, os.ErrNotExist) {
			g.serial++
			g.files = append(g.files, filepath.Join(g.dir, full))
			return g.dir, name
		}
	}
}

func (g *warcNames) used() []string { return append([]string(nil), g.files...) }
