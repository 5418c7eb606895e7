package chttp

import (
	"bufio"
	"fmt"
	"io"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
