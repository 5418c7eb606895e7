package crawl

import (
	"context"
	"fmt"
	"runtime/debug"

	"golang.org/x/net/html"
)

// A CallbackPanic is a panic in a callback of the crawl's user (the page
// callback, or an OnHTML rule's Do) on one page. It fails that page, whose
// error it is, never the crawl: the crawl goes on, counts the page in
// Summary.Failed and Summary.Panics, and Crawl returns the first one
// (wrapped) once it has ended.
type CallbackPanic struct {
	URL      string
	Callback string // "the page callback", or "OnHTML rule \"SELECTOR\""
	Value    any    // what was passed to panic
	Stack    []byte // the stack where it panicked
}

func (p *CallbackPanic) Error() string {
	return fmt.Sprintf("panic in %s: %v", p.Callback, p.Value)
}

// Unwrap gives the panic value if it is an error.
func (p *CallbackPanic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// panicked records a callback's panic on its page, which fails: the first
// one is kept for Crawl's error.
func (c *crawler) panicked(page *Page, callback string, value any) {
	cp := &CallbackPanic{URL: page.URL, Callback: callback, Value: value, Stack: debug.Stack()}
	page.setError(cp)
	c.sum.Panics++
	if c.firstPanic == nil {
		c.firstPanic = cp
	}
}

// panicsError is Crawl's error for a crawl in which callbacks panicked.
func (c *crawler) panicsError() error {
	if c.firstPanic == nil {
		return nil
	}
	return fmt.Errorf("crawl: %d page callbacks panicked (their pages failed); the first, on %s: %w\n%s",
		c.sum.Panics, c.firstPanic.URL, c.firstPanic, c.firstPanic.Stack)
}

// callOnPage calls the page callback; a panic in it fails the page
// (reported reports whether it returned).
func (c *crawler) callOnPage(ctx context.Context, page *Page) (returned bool) {
	defer func() {
		if !returned {
			c.panicked(page, "the page callback", recover())
		}
	}()
	c.onPage(ctx, page)
	return true
}

// runRules runs the OnHTML rules on doc; a panic in one fails the page,
// and the rules after it are not run on it.
func (c *crawler) runRules(ctx context.Context, page *Page, doc *html.Node) {
	for _, r := range c.rules {
		for _, el := range r.sel.MatchAll(doc) {
			if !c.runRule(ctx, r, page, el) {
				return
			}
		}
	}
}

// runRule runs one rule on one element, and reports whether it returned.
func (c *crawler) runRule(ctx context.Context, r compiledRule, page *Page, el *html.Node) (returned bool) {
	defer func() {
		if !returned {
			c.panicked(page, fmt.Sprintf("OnHTML rule %q", r.selector), recover())
		}
	}()
	r.do(ctx, page, el)
	return true
}
