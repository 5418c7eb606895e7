package crawl

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
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
// A page's records are built and compressed off the hub (corio.Blocking),
// several pages' at once, then appended to the file whole, in one write,
// each record its own gzip member when the name ends in .gz; all before
// the page is reported (its callback, its line, the frontier's Done). A
// WARC is readable while the crawl runs, and a crawl killed at any point
// leaves whole records, with at most a torn last one that a reader stops
// at (CheckWARC finds it, and can cut it).
//
// The records are built and serialized by github.com/nlnwa/gowarc, the
// WARC library of the National Library of Norway's crawler; the file is
// this type's own (gowarc's file writer builds and compresses every
// record under one lock: a crawl's pages would wait in line for it).
type WARC struct {
	compress bool
	maxSize  int64
	software string
	names    *warcNames

	mu   sync.Mutex // guards what follows, taken for an append
	file *os.File
	size int64
	err  error // the first write error: the archive is then broken
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
	return &WARC{compress: compress, maxSize: o.MaxSize, software: o.Software, names: names}, nil
}

// Files returns the names of the files written so far, in order.
func (w *WARC) Files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.names.used()
}

// Close ends the archive's last file. It blocks on the file system: call
// it through corio.Blocking from a task.
func (w *WARC) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return w.err
	}
	err := w.file.Close()
	w.file = nil
	return errors.Join(w.err, err)
}

// gowarcMu serializes the calls into gowarc that touch a global of
// github.com/google/uuid without a lock (EnableRandPool, in every record
// builder's and reader's options): two at once are a data race. Record
// IDs are made here (newRecordID), so that Build reads no such global.
var gowarcMu sync.Mutex

func newRecordBuilder(t gowarc.RecordType) gowarc.WarcRecordBuilder {
	gowarcMu.Lock()
	defer gowarcMu.Unlock()
	return gowarc.NewRecordBuilder(t, warcRecordOptions...)
}

// newRecordID is a WARC-Record-ID: a random (version 4) UUID URN.
func newRecordID() (string, error) {
	id, err := uuid.NewRandomFromReader(rand.Reader)
	if err != nil {
		return "", err
	}
	return id.URN(), nil
}

// warcRecordOptions: SHA-1 in base 32, the digests of wget, Heritrix and
// the CDX indexes of the replay tools.
var warcRecordOptions = []gowarc.WarcRecordOption{
	gowarc.WithDefaultDigestAlgorithm("sha1"),
	gowarc.WithDefaultDigestEncoding(gowarc.Base32),
	gowarc.WithAddMissingDigest(true),
	gowarc.WithRecordIdFunc(newRecordID),
}

// write archives a page's exchanges, each as a response record and a
// request record, off the hub. truncated says the crawl stopped reading
// the page's body at its bound.
func (w *WARC) write(ctx context.Context, exchanges []*chttp.Exchange, truncated bool) error {
	if len(exchanges) == 0 {
		return nil
	}
	_, err := corio.Blocking(ctx, func(context.Context) (struct{}, error) {
		var block bytes.Buffer
		for _, ex := range exchanges {
			resp, req, err := warcRecords(ex, truncated)
			if err != nil {
				return struct{}{}, fmt.Errorf("warc: %s: %w", ex.URL, err)
			}
			err = errors.Join(w.marshal(&block, resp), w.marshal(&block, req))
			if err != nil {
				return struct{}{}, fmt.Errorf("warc: %s: %w", ex.URL, err)
			}
		}
		return struct{}{}, w.append(block.Bytes())
	})
	return err
}

// marshal serializes a record onto b: a gzip member of its own if the
// archive is compressed. It closes the record.
func (w *WARC) marshal(b *bytes.Buffer, r gowarc.WarcRecord) error {
	defer r.Close()
	if !w.compress {
		_, _, err := gowarc.NewMarshaler().Marshal(b, r, 0)
		return err
	}
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(b)
	if _, _, err := gowarc.NewMarshaler().Marshal(zw, r, 0); err != nil {
		return err
	}
	return zw.Close()
}

// gzipWriters are reused: a compressor's tables are hundreds of KB, too
// many to make for each record.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// append writes records to the current file in one write, starting a
// file (with its warcinfo record) if there is none or the records would
// take the current one past MaxSize.
func (w *WARC) append(records []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.file != nil && w.maxSize > 0 && w.size > 0 && w.size+int64(len(records)) > w.maxSize {
		err := w.file.Close()
		w.file = nil
		if err != nil {
			w.err = fmt.Errorf("warc: %w", err)
			return w.err
		}
	}
	if w.file == nil {
		if err := w.startFile(); err != nil {
			w.err = fmt.Errorf("warc: %w", err)
			return w.err
		}
	}
	n, err := w.file.Write(records)
	w.size += int64(n)
	if err != nil {
		w.err = fmt.Errorf("warc: writing %s: %w", w.file.Name(), err)
	}
	return w.err
}

// startFile creates the next file of the archive and writes its warcinfo
// record.
func (w *WARC) startFile() error {
	name := w.names.next()
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	b := newRecordBuilder(gowarc.Warcinfo)
	b.AddWarcHeaderTime(gowarc.WarcDate, time.Now())
	b.AddWarcHeader(gowarc.WarcFilename, filepath.Base(name))
	b.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	fmt.Fprintf(b, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n", w.software)
	info, _, err := b.Build()
	var block bytes.Buffer
	if err == nil {
		err = w.marshal(&block, info)
	}
	if err == nil {
		_, err = f.Write(block.Bytes())
	}
	if err != nil {
		f.Close()
		return err
	}
	w.file, w.size = f, int64(block.Len())
	return nil
}

// warcRecords builds the response and request records of an exchange.
func warcRecords(ex *chttp.Exchange, truncated bool) (resp, req gowarc.WarcRecord, err error) {
	build := func(t gowarc.RecordType, contentType string, block []byte, extra func(gowarc.WarcRecordBuilder)) (gowarc.WarcRecord, error) {
		b := newRecordBuilder(t)
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
	respID, err := newRecordID()
	if err != nil {
		return nil, nil, err
	}
	reqID, err := newRecordID()
	if err != nil {
		return nil, nil, err
	}
	resp, err = build(gowarc.Response, "application/http;msgtype=response", ex.Response, func(b gowarc.WarcRecordBuilder) {
		b.AddWarcHeader(gowarc.WarcRecordID, "<"+respID+">")
		b.AddWarcHeader(gowarc.WarcConcurrentTo, "<"+reqID+">")
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
	req, err = build(gowarc.Request, "application/http;msgtype=request", ex.Request, func(b gowarc.WarcRecordBuilder) {
		b.AddWarcHeader(gowarc.WarcRecordID, "<"+reqID+">")
		b.AddWarcHeader(gowarc.WarcConcurrentTo, "<"+respID+">")
	})
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

// next returns the path of the archive's next file.
func (g *warcNames) next() string {
	stem, ext := g.base, ""
	if i := strings.Index(g.base, ".warc"); i > 0 && g.base[i:] == ".warc" {
		stem, ext = g.base[:i], ".warc"
	}
	for ; ; g.serial++ {
		name := g.base
		if g.serial > 0 {
			name = fmt.Sprintf("%s-%05d%s", stem, g.serial, ext)
		}
		if g.compress {
			name += ".gz"
		}
		full := filepath.Join(g.dir, name)
		if _, err := os.Lstat(full); errors.Is(err, os.ErrNotExist) {
			g.serial++
			g.files = append(g.files, full)
			return full
		}
	}
}

func (g *warcNames) used() []string { return append([]string(nil), g.files...) }
