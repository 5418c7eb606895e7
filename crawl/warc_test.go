package crawl_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
	"github.com/corio-go/corio/internal/fixture/demosite"
	"github.com/corio-go/corio/internal/fixture/hubtest"
)

// warcRecord is what a test checks of a record read back.
type warcRecord struct {
	typ, uri, id, concurrentTo, payloadDigest, truncated string
	block                                                string
}

// readWARC reads a WARC file back with gowarc's reader, validating every
// record's digests, and fails the test on any error.
func readWARC(t *testing.T, name string) []warcRecord {
	t.Helper()
	r, err := gowarc.NewWarcFileReader(name, 0, gowarc.WithBlockErrorPolicy(gowarc.ErrFail))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs []warcRecord
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatalf("%s: record at %d: %v", name, rec.Offset, err)
		}
		w := rec.WarcRecord
		h := w.WarcHeader()
		raw, err := w.Block().RawBytes()
		if err != nil {
			t.Fatal(err)
		}
		block, _ := io.ReadAll(raw)
		if v, err := w.ValidateDigest(); err != nil || len(v) > 0 {
			t.Errorf("%s: record at %d: %v %v", name, rec.Offset, v, err)
		}
		if len(rec.Validation) > 0 {
			t.Errorf("%s: record at %d: %v", name, rec.Offset, rec.Validation)
		}
		recs = append(recs, warcRecord{w.Type().String(), h.Get(gowarc.WarcTargetURI), h.Get(gowarc.WarcRecordID), h.Get(gowarc.WarcConcurrentTo),
			h.Get(gowarc.WarcPayloadDigest), h.Get(gowarc.WarcTruncated), string(block)})
		w.Close()
	}
	return recs
}

// recordsOf counts the records of url in a WARC file being written, up
// to its last whole gzip member, without gowarc (whose readers race with
// its writers on a global of package uuid; see crawl's gowarcMu).
func recordsOf(t *testing.T, name, url string) int {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	text := raw
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		text, _ = io.ReadAll(zr) // to the last whole member: a torn one ends it
	}
	return bytes.Count(text, []byte("\r\nWARC-Target-URI: "+url+"\r\n"))
}

// crawlToWARC crawls site into a WARC named name in a new directory, and
// returns the pages and the files written.
func crawlToWARC(t *testing.T, site demosite.Site, cfg crawl.Config, name string, o crawl.WARCOptions) ([]crawl.Page, []string) {
	t.Helper()
	w, err := crawl.CreateWARC(filepath.Join(t.TempDir(), name), o)
	if err != nil {
		t.Fatal(err)
	}
	cfg.WARC = w
	pages, _, _ := crawlSiteWith(t, site, cfg, func(ctx context.Context, p *crawl.Page) {
		// The page's records are written before it is reported (while
		// other pages' are being written).
		if n := recordsOf(t, w.Files()[0], p.URL); n < 2 {
			t.Errorf("%s reported with %d of its records written, want its request and response", p.URL, n)
		}
	})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return pages, w.Files()
}

// A crawl's WARC holds, for every page, a response record with the bytes
// received and a request record linked to it, every digest checking, and
// read back by a reader this project did not write.
func TestWARCHoldsEveryPage(t *testing.T) {
	site := demosite.Site{Pages: 12, Fanout: 3, Size: 3000}
	for _, name := range []string{"crawl.warc.gz", "crawl.warc"} {
		t.Run(name, func(t *testing.T) {
			pages, files := crawlToWARC(t, site, crawl.Config{Concurrency: 4, Depth: site.Depth()}, name, crawl.WARCOptions{})
			if len(files) != 1 || filepath.Base(files[0]) != name {
				t.Fatalf("files %q, want one named %s", files, name)
			}
			recs := readWARC(t, files[0])
			if recs[0].typ != "warcinfo" || !strings.Contains(recs[0].block, "software: corio crawl") {
				t.Errorf("first record %+v, want the warcinfo", recs[0])
			}
			ids := map[string]warcRecord{}
			for _, r := range recs {
				ids[r.id] = r
			}
			var responses []string
			for _, r := range recs[1:] {
				other, ok := ids[r.concurrentTo]
				if !ok || other.uri != r.uri || other.concurrentTo != r.id {
					t.Errorf("%s record of %s: WARC-Concurrent-To %s names no record of the same URL", r.typ, r.uri, r.concurrentTo)
				}
				switch r.typ {
				case "response":
					responses = append(responses, r.uri)
					if !strings.HasPrefix(r.block, "HTTP/1.1 200 OK\r\n") || !strings.HasPrefix(r.payloadDigest, "sha1:") || r.truncated != "" {
						t.Errorf("response of %s: %.40q digest %q truncated %q", r.uri, r.block, r.payloadDigest, r.truncated)
					}
				case "request":
					if !strings.HasPrefix(r.block, "GET /") {
						t.Errorf("request of %s: %.40q", r.uri, r.block)
					}
				default:
					t.Errorf("a %s record", r.typ)
				}
			}
			// The pages, and robots.txt, which wget archives too.
			robots := strings.TrimSuffix(pages[0].URL, "/") + "/robots.txt"
			got, want := slices.Sorted(slices.Values(responses)), slices.Sorted(slices.Values(append(urlsOf(pages), robots)))
			if !slices.Equal(got, want) {
				t.Errorf("response records of %q\nwant the pages and robots.txt %q", got, want)
			}
		})
	}
}

// With MaxSize the archive goes on in new files, each starting with a
// warcinfo record; a name taken already is not written over.
func TestWARCRotatesAndKeepsOldFiles(t *testing.T) {
	site := demosite.Site{Pages: 12, Fanout: 3, Size: 3000}
	dir := t.TempDir()
	name := filepath.Join(dir, "a.warc")
	if err := os.WriteFile(name, []byte("an older archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := crawl.CreateWARC(name, crawl.WARCOptions{MaxSize: 8000})
	if err != nil {
		t.Fatal(err)
	}
	pages, _, _ := crawlSite(t, site, crawl.Config{Concurrency: 4, Depth: site.Depth(), WARC: w})
	if err := hubtest.Run(t, func(ctx context.Context) error {
		_, err := corio.Blocking(ctx, func(context.Context) (struct{}, error) { return struct{}{}, w.Close() })
		return err
	}); err != nil {
		t.Fatal(err)
	}
	files := w.Files()
	if len(files) < 3 || filepath.Base(files[0]) != "a-00001.warc" || filepath.Base(files[1]) != "a-00002.warc" {
		t.Fatalf("files %q, want a-00001.warc, a-00002.warc and more", files)
	}
	if b, _ := os.ReadFile(name); string(b) != "an older archive" {
		t.Errorf("the file of the name given was written over")
	}
	responses := 0
	for _, f := range files {
		recs := readWARC(t, f)
		if recs[0].typ != "warcinfo" {
			t.Errorf("%s starts with a %s record", f, recs[0].typ)
		}
		for _, r := range recs {
			if r.typ == "response" {
				responses++
			}
		}
	}
	if responses != len(pages)+1 {
		t.Errorf("%d response records in %d files, want one per page and robots.txt: %d", responses, len(files), len(pages)+1)
	}
}

// A WARC cut anywhere in its last record (a crawl killed while it wrote)
// checks as its whole records and a torn tail, which CheckWARC cuts off
// when asked; a record changed inside is an error.
func TestCheckWARCFindsATornRecord(t *testing.T) {
	site := demosite.Site{Pages: 4, Fanout: 2, Size: 3000}
	for _, name := range []string{"t.warc.gz", "t.warc"} {
		t.Run(name, func(t *testing.T) {
			_, files := crawlToWARC(t, site, crawl.Config{Concurrency: 1, Depth: site.Depth()}, name, crawl.WARCOptions{})
			full, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			ck, err := crawl.CheckWARC(files[0], false)
			if err != nil || ck.Torn != "" || ck.Whole != int64(len(full)) || ck.Records["response"] != 6 || ck.Records["request"] != 6 || ck.Records["warcinfo"] != 1 {
				t.Fatalf("the whole file: %+v %v", ck, err)
			}
			lastStart := int64(0)
			r, _ := gowarc.NewWarcFileReader(files[0], 0)
			for rec, err := range r.Records() {
				if err != nil {
					t.Fatal(err)
				}
				lastStart = rec.Offset
				rec.WarcRecord.Close()
			}
			r.Close()
			for _, at := range []int64{lastStart + 1, lastStart + 30, (lastStart + int64(len(full))) / 2, int64(len(full)) - 1} {
				torn := filepath.Join(t.TempDir(), name)
				os.WriteFile(torn, full[:at], 0o644)
				ck, err := crawl.CheckWARC(torn, false)
				if err != nil || ck.Torn == "" || ck.Whole != lastStart || ck.Cut {
					t.Errorf("cut at %d: %+v %v, want whole records to %d and a torn tail", at, ck, err, lastStart)
					continue
				}
				if ck, err = crawl.CheckWARC(torn, true); err != nil || !ck.Cut {
					t.Errorf("cutting at %d: %+v %v", at, ck, err)
				}
				if ck, err = crawl.CheckWARC(torn, false); err != nil || ck.Torn != "" || ck.Size != lastStart {
					t.Errorf("after the cut at %d: %+v %v", at, ck, err)
				}
			}
			if !strings.HasSuffix(name, ".gz") {
				bad := filepath.Join(t.TempDir(), name)
				changed := slices.Clone(full)
				i := strings.Index(string(changed), "Coroutines switch")
				changed[i] = 'c'
				os.WriteFile(bad, changed, 0o644)
				if _, err := crawl.CheckWARC(bad, false); err == nil || !strings.Contains(err.Error(), "wrong digest") {
					t.Errorf("a changed record: %v, want an error", err)
				}
			}
		})
	}
}
