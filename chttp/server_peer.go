package chttp

import (
	"context"
	"net/http"

	"github.com/corio-go/corio"
)

// While a handler runs, the connection watches its peer: a client that
// goes away ends the request's context, made under requestParent.

// requestParent is what a request's context is made under: the context of
// the task serving it (its cancellation, its deadline), with the values
// net/http gives a request's context (http.LocalAddrContextKey) and those
// of BaseContext and ConnContext. corio.WithCancel makes a hub context
// under it (its Done is the task's): the request's context ends with the
// task, at once and with no goroutine watching.
type requestParent struct {
	context.Context
	sc *serverConn
}

func (p *requestParent) Value(key any) any {
	if key == http.LocalAddrContextKey {
		return p.sc.c.LocalAddr()
	}
	if p.sc.ctx != nil {
		if x := p.sc.ctx.Value(key); x != nil {
			return x
		}
	}
	return p.Context.Value(key)
}

// watchPeer, before the handler runs, watches the connection for the
// client's close, so that the request's context ends when it goes away (as
// net/http's background read does). Only when nothing of the request is
// left to read, over plain TCP: then the connection's next bytes are the
// next request's, or its end.
func (w *response) watchPeer() {
	sc := w.sc
	if sc.cfg.tls != nil || w.req.ContentLength != 0 || w.br.Buffered() != 0 {
		return
	}
	w.watch.Watcher = w
	if armed, _ := sc.c.WatchRead(&w.watch); armed {
		w.watching = true
	}
}

// unwatchPeer ends the watch before the connection is read again.
func (w *response) unwatchPeer() {
	if w.watching {
		w.watching = false
		w.sc.c.UnwatchRead()
	}
}

// ReadReady is the watch's report: the client closed (or reset) the
// connection, and the request's context ends; or its next request has
// come, which is read after this one.
func (w *response) ReadReady(_ *corio.FD, err error) {
	w.watching = false
	if err == nil {
		_, err = w.sc.c.Pending()
	}
	if err != nil {
		w.cancel()
	}
}
