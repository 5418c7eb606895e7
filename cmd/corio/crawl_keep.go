package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/crawl"
)

// keepFlags are `corio crawl`'s flags for what a crawl keeps of its
// pages: a WARC archive, a mirror.
type keepFlags struct {
	warc        string
	warcMaxSize int64
	mirror      string
	requisites  bool
	convert     bool
}

func (k *keepFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&k.warc, "warc", "", "archive every request and response in the WARC `FILE` (gzip per record if it ends in .gz; a file of that name is kept, the archive then goes to FILE-00001 and on)")
	fs.StringVar(&k.mirror, "o", "", "save the pages under `DIR`, laid out as wget --mirror does (DIR/HOST/PATH, index.html for a directory)")
	fs.BoolVar(&k.requisites, "page-requisites", false, "also fetch what each page needs to be displayed: images, style sheets, scripts, icons (at most 100 a page; from the pages at --depth too), as wget's -p")
	fs.BoolVar(&k.requisites, "p", false, "short for --page-requisites")
	fs.BoolVar(&k.convert, "convert-links", false, "once the crawl ends, rewrite the links of the pages saved with -o for reading offline, as wget's -k")
	fs.BoolVar(&k.convert, "k", false, "short for --convert-links")
	fs.Func("warc-max-size", "start a new WARC file once one holds this `SIZE` (bytes, or with K, M, G), as wget's --warc-max-size", func(v string) error {
		n, err := parseSize(v)
		k.warcMaxSize = n
		return err
	})
}

func (k *keepFlags) check(compare bool) error {
	switch {
	case k.warcMaxSize > 0 && k.warc == "":
		return errors.New("--warc-max-size is for --warc: give the WARC file")
	case k.convert && k.mirror == "":
		return errors.New("--convert-links rewrites the pages saved with -o: give -o DIR")
	case compare && k.any():
		return errors.New("--compare crawls twice: leave it out to keep one crawl's pages")
	}
	return nil
}

// any reports whether the crawl keeps anything of its pages.
func (k *keepFlags) any() bool { return k.warc != "" || k.mirror != "" }

// open makes what cfg keeps, on a goroutine of its own (the file system
// blocks); close ends it.
func (k *keepFlags) open(ctx context.Context, cfg *crawl.Config) error {
	cfg.Requisites = k.requisites
	if k.mirror != "" {
		m, err := corio.Blocking(ctx, func(context.Context) (*crawl.Mirror, error) { return crawl.OpenMirror(k.mirror) })
		if err != nil {
			return fmt.Errorf("%w: crawl: -o %s: %v", errUsage, k.mirror, err)
		}
		cfg.Mirror = m
	}
	if k.warc == "" {
		return nil
	}
	w, err := corio.Blocking(ctx, func(context.Context) (*crawl.WARC, error) {
		return crawl.CreateWARC(k.warc, crawl.WARCOptions{MaxSize: k.warcMaxSize})
	})
	if err != nil {
		return fmt.Errorf("%w: crawl: --warc %s: %v", errUsage, k.warc, err)
	}
	cfg.WARC = w
	return nil
}

// close ends the WARC, if any, and says on stderr which files hold it.
// Not with ctx, which may have ended (Ctrl-C): what was written is kept.
func (k *keepFlags) close(ctx context.Context, stderr io.Writer, cfg *crawl.Config) error {
	if cfg.Mirror != nil {
		_, err := corio.Blocking(context.WithoutCancel(ctx), func(context.Context) (struct{}, error) {
			var err error
			if k.convert {
				err = cfg.Mirror.ConvertLinks()
			}
			return struct{}{}, errors.Join(err, cfg.Mirror.Close())
		})
		if err != nil {
			return fmt.Errorf("crawl: %w", err)
		}
	}
	if cfg.WARC == nil {
		return nil
	}
	_, err := corio.Blocking(context.WithoutCancel(ctx), func(context.Context) (struct{}, error) {
		return struct{}{}, cfg.WARC.Close()
	})
	if files := cfg.WARC.Files(); len(files) > 0 {
		fmt.Fprintf(stderr, "corio crawl: WARC written to %s\n", strings.Join(files, " "))
	}
	if err != nil {
		return fmt.Errorf("crawl: closing the WARC: %w", err)
	}
	return nil
}

// parseSize reads a size in bytes, with an optional K, M or G (binary).
func parseSize(v string) (int64, error) {
	mult := int64(1)
	s := strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(v, "B"), "b"))
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size: bytes, or a number with K, M or G", v)
	}
	return n * mult, nil
}
