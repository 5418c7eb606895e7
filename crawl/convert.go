package crawl

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/url"
	"path"
	"strings"

	xhtml "golang.org/x/net/html"
)

// A savedPage is a file of a Mirror: the URL its links are relative to,
// and whether it is HTML (whose links ConvertLinks rewrites).
type savedPage struct {
	file   string // relative to the mirror's directory
	base   *url.URL
	isHTML bool
}

// remember records a page saved as file, for ConvertLinks.
func (m *Mirror) remember(u *url.URL, final string, file string, isHTML bool) {
	base := u
	if final != "" {
		if f, err := url.Parse(final); err == nil {
			base = f
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[normalize(u).String()] = file
	m.saved = append(m.saved, savedPage{file: file, base: base, isHTML: isHTML})
}

// ConvertLinks rewrites the links of the HTML pages saved so far for
// reading offline, as wget --convert-links does once its download ends:
//
//   - a link to a page or file saved (by this Mirror) becomes the
//     relative path to its file ("../p/1", "index.html#top");
//   - a relative link to one not saved becomes absolute
//     ("http://host/missing"); an absolute one stays as it is, and so do
//     links that are not http or https (mailto:, data:);
//   - the paths are written as wget writes them: not %-escaped, with &,
//     <, >, " and spaces as HTML character references; a value without
//     quotes gets double quotes.
//
// Only the href, src and poster attributes are rewritten; every other
// byte of a page stays as it was. Each page is written whole (a
// temporary file, then a rename). It blocks on the file system: call it
// through corio.Blocking from a task. A page of an earlier run (--state)
// is not known to this Mirror: its links are not rewritten.
func (m *Mirror) ConvertLinks() error {
	m.mu.Lock()
	saved := append([]savedPage(nil), m.saved...)
	m.mu.Unlock()
	for _, p := range saved {
		if !p.isHTML {
			continue
		}
		if err := m.convertFile(p); err != nil {
			return fmt.Errorf("mirror: converting the links of %s: %w", p.file, err)
		}
	}
	return nil
}

func (m *Mirror) convertFile(p savedPage) error {
	f, err := m.root.Open(p.file)
	if err != nil {
		return err
	}
	src, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return err
	}
	out := m.convertHTML(src, p)
	if bytes.Equal(out, src) {
		return nil
	}
	tmp := p.file + ".corio-part"
	if err := m.root.WriteFile(tmp, out, 0o666); err != nil {
		return err
	}
	return m.root.Rename(tmp, p.file)
}

// convertHTML returns src with the links of its tags rewritten.
func (m *Mirror) convertHTML(src []byte, p savedPage) []byte {
	var out bytes.Buffer
	z := xhtml.NewTokenizer(bytes.NewReader(src))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return out.Bytes()
		}
		raw := z.Raw()
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			out.Write(rewriteTag(raw, func(name, value string) (string, bool) {
				if name != "href" && name != "src" && name != "poster" {
					return "", false
				}
				return m.convertLink(html.UnescapeString(value), p)
			}))
			continue
		}
		out.Write(raw)
	}
}

// convertLink is what link becomes in the file of page p (see
// ConvertLinks), HTML-quoted; false to leave it as it is.
func (m *Mirror) convertLink(link string, p savedPage) (string, bool) {
	link = strings.TrimSpace(link)
	ref, err := url.Parse(link)
	if err != nil || link == "" {
		return "", false
	}
	abs := p.base.ResolveReference(ref)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return "", false
	}
	frag := ""
	if abs.Fragment != "" {
		frag = "#" + abs.EscapedFragment()
	}
	m.mu.Lock()
	target, ok := m.files[normalize(abs).String()]
	m.mu.Unlock()
	if !ok {
		if ref.IsAbs() {
			return "", false
		}
		return wgetQuote(abs.String()), true
	}
	rel := relativePath(path.Dir(p.file), target)
	return wgetQuote(rel + frag), true
}

// relativePath is the path of file as seen from dir (both relative to
// the same root, slash-separated).
func relativePath(dir, file string) string {
	from := strings.Split(dir, "/")
	to := strings.Split(file, "/")
	i := 0
	for i < len(from) && i < len(to)-1 && from[i] == to[i] {
		i++
	}
	return strings.Repeat("../", len(from)-i) + strings.Join(to[i:], "/")
}

// wgetQuote quotes a path for an HTML attribute as wget does: &, <, >
// and " as entities, a space as &#32;.
func wgetQuote(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", " ", "&#32;").Replace(s)
}

// rewriteTag returns a start tag's raw text with the values of the
// attributes that with returns true for replaced by what it returns,
// keeping every other byte: the name's case, the quotes (a value that had
// none gets double quotes), the spaces.
func rewriteTag(raw []byte, with func(name, value string) (string, bool)) []byte {
	i := 1 // past '<'
	for i < len(raw) && !isTagSpace(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	var out []byte
	last := 0
	for i < len(raw) {
		for i < len(raw) && (isTagSpace(raw[i]) || raw[i] == '/') {
			i++
		}
		if i >= len(raw) || raw[i] == '>' {
			break
		}
		nameStart := i
		for i < len(raw) && !isTagSpace(raw[i]) && raw[i] != '=' && raw[i] != '>' && (raw[i] != '/' || i == nameStart) {
			i++
		}
		name := strings.ToLower(string(raw[nameStart:i]))
		j := i
		for j < len(raw) && isTagSpace(raw[j]) {
			j++
		}
		if j >= len(raw) || raw[j] != '=' {
			continue // an attribute without a value
		}
		j++
		for j < len(raw) && isTagSpace(raw[j]) {
			j++
		}
		var vStart, vEnd int
		quote := byte(0)
		if j < len(raw) && (raw[j] == '"' || raw[j] == '\'') {
			quote = raw[j]
			vStart = j + 1
			vEnd = vStart
			for vEnd < len(raw) && raw[vEnd] != quote {
				vEnd++
			}
			i = min(vEnd+1, len(raw))
		} else {
			vStart = j
			vEnd = j
			for vEnd < len(raw) && !isTagSpace(raw[vEnd]) && raw[vEnd] != '>' {
				vEnd++
			}
			i = vEnd
		}
		value, ok := with(name, string(raw[vStart:vEnd]))
		if !ok {
			continue
		}
		if quote == 0 {
			out = append(out, raw[last:vStart]...)
			out = append(out, '"')
			out = append(out, value...)
			out = append(out, '"')
		} else {
			out = append(out, raw[last:vStart]...)
			out = append(out, value...)
		}
		last = vEnd
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
