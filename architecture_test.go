package corio_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layers of docs/architecture.md, as a rule on imports: each package
// of the module (by its directory; "." is the root) and the packages of
// the module it may import. Imports point down only, and a package that
// is in no layer is an error: a new package takes its place here and in
// the doc. Test files are not held to it (a test may use any fixture).
type layer struct {
	dir string   // a directory, or a tree ("dir/...")
	may []string // what it may import, likewise
}

var layers = []layer{
	{"internal/coro", nil},
	{"internal/poll", nil},
	{".", []string{"internal/coro", "internal/poll"}},
	{"gen", []string{"internal/coro"}},
	{"greenlet", []string{"internal/coro"}},
	{"internal/simnet", []string{"."}},
	{"cnet", []string{".", "internal/poll", "internal/simnet"}},
	{"sim", []string{".", "internal/simnet"}},
	{"chttp", []string{".", "cnet"}},
	{"crawl/...", []string{".", "cnet", "chttp", "crawl/..."}},
	{"internal/fixture/...", []string{".", "gen", "greenlet", "cnet", "chttp", "sim", "internal/fixture/..."}},
	{"cmd/corio/...", []string{"...", "cmd/corio/..."}},
}

const module = "github.com/corio-go/corio"

// matches reports whether dir is pattern: a directory, "dir/..." for it
// and everything below, or "..." for every library package (anything but
// a command's).
func matches(pattern, dir string) bool {
	switch {
	case pattern == "...":
		return dir != "cmd" && !strings.HasPrefix(dir, "cmd/")
	case strings.HasSuffix(pattern, "/..."):
		base := strings.TrimSuffix(pattern, "/...")
		return dir == base || strings.HasPrefix(dir, base+"/")
	}
	return dir == pattern
}

// importErrors checks imports (a package directory to the directories of
// the module's packages it imports) against the layers.
func importErrors(imports map[string][]string) []string {
	var errs []string
	for _, dir := range slices.Sorted(maps.Keys(imports)) {
		i := slices.IndexFunc(layers, func(l layer) bool { return matches(l.dir, dir) })
		if i < 0 {
			errs = append(errs, dir+": a package in no layer (add it to docs/architecture.md and to layers)")
			continue
		}
		for _, imp := range imports[dir] {
			if imp == dir || slices.ContainsFunc(layers[i].may, func(p string) bool { return matches(p, imp) }) {
				continue
			}
			errs = append(errs, dir+" imports "+imp+", which its layer may not")
		}
	}
	return errs
}

// moduleImports reads, from the source, the module's packages (their
// non-test files) and what of the module each imports.
func moduleImports(t *testing.T) map[string][]string {
	imports := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (p == "bench" || p == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir // bench is a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if _, ok := imports[dir]; !ok {
			imports[dir] = nil
		}
		for _, spec := range f.Imports {
			ip, _ := strconv.Unquote(spec.Path.Value)
			if ip != module && !strings.HasPrefix(ip, module+"/") {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(ip, module), "/")
			if rel == "" {
				rel = "."
			}
			if !slices.Contains(imports[dir], rel) {
				imports[dir] = append(imports[dir], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports
}

func TestImportsPointDown(t *testing.T) {
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatal("run from the module's root:", err)
	}
	imports := moduleImports(t)
	if len(imports) < 10 {
		t.Fatalf("found only %d packages: %v", len(imports), imports)
	}
	for _, e := range importErrors(imports) {
		t.Error(e)
	}
}

// The rule itself catches what it must.
func TestImportRule(t *testing.T) {
	cases := []struct {
		name    string
		imports map[string][]string
		want    []string
	}{
		{"the foundation importing the hub", map[string][]string{"internal/coro": {"."}},
			[]string{"internal/coro imports ., which its layer may not"}},
		{"the hub importing a layer above", map[string][]string{".": {"internal/coro", "cnet"}},
			[]string{". imports cnet, which its layer may not"}},
		{"a library importing the command", map[string][]string{"chttp": {"cnet", "crawl"}},
			[]string{"chttp imports crawl, which its layer may not"}},
		{"a fixture importing the command", map[string][]string{"internal/fixture/upper": {"cmd/corio"}},
			[]string{"internal/fixture/upper imports cmd/corio, which its layer may not"}},
		{"a package in no layer", map[string][]string{"extra": nil},
			[]string{"extra: a package in no layer (add it to docs/architecture.md and to layers)"}},
		{"the command importing anything", map[string][]string{"cmd/corio/internal/tour": {".", "gen", "internal/fixture/demosite", "cmd/corio/internal/loadgen"}}, nil},
		{"a fixture importing a library and a fixture", map[string][]string{"internal/fixture/demosite": {".", "cnet", "internal/fixture/upper"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := importErrors(c.imports); !slices.Equal(got, c.want) {
				t.Fatalf("errors %q, want %q", got, c.want)
			}
		})
	}
}
