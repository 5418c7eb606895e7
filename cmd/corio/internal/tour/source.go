package tour

import (
	"bytes"
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// sources are the entries' own files, shown by corio tour NAME.
//
//go:embed crawler.go frames.go greenlet.go hub.go producerconsumer.go serialyield.go socketserver.go simulation.go
var sources embed.FS

// Posts names the seed's ten posts once: the Python tutorials on
// coroutines (协程) that the tour's entries mirror, by their titles.
var Posts = []string{
	"1. python中的函数、生成器的工作原理 (how Python's functions and generators work)",
	"2. python并发编程之协程 (coroutines in Python's concurrent programming)",
	"3. python并发编程之协程 (the same tutorial, another copy)",
	"4. 第 12 章 python并发编程之协程 (chapter 12: coroutines)",
	"5. python之协程 (Python's coroutines)",
	"6. Python基础10.4:并发编程-----协程 (Python basics 10.4: coroutines)",
	"7. python并发编程之协程 (again)",
	"8. python 协程 (Python coroutines)",
	"9. python并发编程(二):协程 (concurrent programming, part 2: coroutines)",
	"10. python 并发协程 (concurrent coroutines)",
}

// Source returns the Go code of an entry: the functions it names, each
// with its doc comment, as written in its file.
func Source(e Entry) (string, error) {
	src, err := sources.ReadFile(e.File)
	if err != nil {
		return "", fmt.Errorf("tour %s: %w", e.Name, err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, e.File, src, parser.ParseComments)
	if err != nil {
		return "", fmt.Errorf("tour %s: %w", e.Name, err)
	}
	var parts []string
	for _, name := range e.Funcs {
		var found *ast.FuncDecl
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name && fd.Recv == nil {
				found = fd
			}
		}
		if found == nil {
			return "", fmt.Errorf("tour %s: no func %s in %s", e.Name, name, e.File)
		}
		start := found.Pos()
		if found.Doc != nil {
			start = found.Doc.Pos()
		}
		parts = append(parts, string(bytes.TrimSpace(src[fset.Position(start).Offset:fset.Position(found.End()).Offset])))
	}
	return strings.Join(parts, "\n\n"), nil
}
