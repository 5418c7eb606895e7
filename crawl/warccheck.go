package crawl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"strconv"

	gowarc "github.com/nlnwa/gowarc/v3"
)

// A WARCCheck is what CheckWARC found in a WARC file.
type WARCCheck struct {
	File    string         `json:"file"`
	Records map[string]int `json:"records"` // by WARC-Type
	// Whole is the offset where the whole records end: the file's size,
	// unless a torn record follows (a crawl killed while it wrote).
	Whole int64 `json:"whole"`
	Size  int64 `json:"size"`
	// Torn describes what follows Whole ("": nothing); Cut says it was
	// cut off.
	Torn string `json:"torn,omitempty"`
	Cut  bool   `json:"cut,omitempty"`
}

// CheckWARC reads every record of a WARC file (gzip or not), checking
// each record's block and payload digests and Content-Length. A record
// that does not check is an error naming its offset. A torn last record,
// which a crawl killed while writing leaves, is reported in Torn, and,
// with cut, cut off the file, leaving the whole records. It blocks on the
// file system.
func CheckWARC(name string, cut bool) (WARCCheck, error) {
	ck := WARCCheck{File: name, Records: map[string]int{}}
	st, err := os.Stat(name)
	if err != nil {
		return ck, err
	}
	ck.Size = st.Size()
	gowarcMu.Lock() // see gowarcMu
	defer gowarcMu.Unlock()
	r, err := gowarc.NewWarcFileReader(name, 0, gowarc.WithBlockErrorPolicy(gowarc.ErrFail), gowarc.WithSpecViolationPolicy(gowarc.ErrFail), gowarc.WithSyntaxErrorPolicy(gowarc.ErrFail))
	if err != nil {
		return ck, err
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return tornOrBad(ck, rec.Offset, err, cut)
		}
		findings, verr := rec.WarcRecord.ValidateDigest()
		rec.WarcRecord.Close()
		if verr == nil && len(rec.Validation)+len(findings) > 0 {
			verr = errors.Join(append(rec.Validation, findings...)...)
		}
		if verr != nil {
			return ck, fmt.Errorf("%s: the record at offset %d does not check: %w", name, rec.Offset, verr)
		}
		ck.Records[rec.WarcRecord.Type().String()]++
		ck.Whole = rec.Offset + rec.Size
	}
	if ck.Whole != ck.Size {
		return tornOrBad(ck, ck.Whole, errors.New("bytes after the last record"), cut)
	}
	return ck, nil
}

// tornOrBad reports what follows the whole records: a torn record, one
// the end of the file cut short, is not an error (it is cut off if
// asked); anything else is.
func tornOrBad(ck WARCCheck, at int64, err error, cut bool) (WARCCheck, error) {
	torn, terr := isTornTail(ck.File, at)
	if terr != nil {
		return ck, terr
	}
	if at != ck.Whole || !torn {
		return ck, fmt.Errorf("%s: bad record at offset %d: %w", ck.File, at, err)
	}
	ck.Torn = fmt.Sprintf("%d bytes from offset %d are not a whole record (%v)", ck.Size-ck.Whole, ck.Whole, err)
	if cut {
		if err := os.Truncate(ck.File, ck.Whole); err != nil {
			return ck, err
		}
		ck.Cut = true
	}
	return ck, nil
}

// isTornTail reports whether the bytes of a file from offset at are the
// start of a record and no more: a gzip member that ends too soon, or a
// record whose header, or the block its Content-Length announces, the
// file's end cuts, with no record after it.
func isTornTail(name string, at int64) (bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	rest, err := io.ReadAll(io.NewSectionReader(f, at, 1<<62))
	if err != nil {
		return false, err
	}
	if len(rest) >= 2 && rest[0] == 0x1f && rest[1] == 0x8b || len(rest) == 1 && rest[0] == 0x1f {
		zr, err := gzip.NewReader(bytes.NewReader(rest))
		if err == nil {
			zr.Multistream(false)
			_, err = io.Copy(io.Discard, zr)
		}
		return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF), nil
	}
	if bytes.Contains(rest[min(1, len(rest)):], []byte("\r\n\r\nWARC/1.")) {
		return false, nil // a record follows: this one is damaged, not torn
	}
	end := bytes.Index(rest, []byte("\r\n\r\n"))
	if end < 0 {
		return true, nil // the header is cut
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(rest[:end+4])))
	tp.ReadLine() // WARC/1.1
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return false, nil
	}
	length, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	if err != nil {
		return false, nil
	}
	return int64(len(rest)) < int64(end+4)+length+4, nil
}
