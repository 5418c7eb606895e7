// Package chttp is HTTP/1.1 for corio hubs: a Server that serves any
// http.Handler with each request in a task (see Server), and a client: an
// http.RoundTripper whose connections are cnet's, so that a request waits
// the way every cooperative call does, by switching to the next ready
// task instead of blocking the hub. Put a Transport in an http.Client and
// the whole of http.Client works inside a task: redirects, cookies, its
// Timeout.
//
//	client := &http.Client{Transport: chttp.DefaultTransport}
//	corio.Run(ctx, func(ctx context.Context) error {
//		for _, u := range urls {
//			corio.Spawn(ctx, func(ctx context.Context) error {
//				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
//				resp, err := client.Do(req)
//				...
//			})
//		}
//		...
//	})
//
// # What it does
//
// Requests are written by net/http's own Request.Write and responses read
// by http.ReadResponse: chttp does the connections, not the protocol. It
// keeps a pool of keep-alive connections per host (MaxIdleConnsPerHost,
// MaxIdleConns, MaxConnsPerHost, IdleConnTimeout), asks for gzip and
// decompresses it as net/http does, speaks TLS through crypto/tls with the
// system's roots, and goes through HTTP and HTTPS proxies (CONNECT for
// https:// targets), from the environment with DefaultTransport.
//
// A request ends with its context: cancellation, a deadline, http.Client's
// Timeout, or the task being killed end the wait at once, wherever it is
// (dialling, handshaking, waiting for the header, reading the body).
// DialTimeout, TLSHandshakeTimeout and ResponseHeaderTimeout bound each
// step, on the hub's clock. An error a deadline caused is a timeout at
// its top, as url.Error's Timeout and os.IsTimeout expect.
//
// A request's body is written by a task of its own, so that a server
// that answers before reading all of it (413, say) is heard; over TLS it
// is written before the response is read, since crypto/tls must not be
// entered by two tasks at once.
//
// # Hubs and tasks
//
// A Transport may serve tasks of any number of hubs: each hub has its own
// pool, made on its first request and dropped when its Run ends (the
// connections are the hub's, registered with its poller). RoundTrip must
// be called from a task of a hub, with the task's context or one made from
// it (it fails with an error wrapping corio.ErrNoTask otherwise), and a
// response's Body is read and closed by tasks of that hub. A body read by
// a task other than the one that made the request waits with that task's
// own context, not the request's.
//
// A Body read to its end, or closed with little left to read, gives its
// connection back to the pool; one closed early with more left is closed.
// A request that a kept-alive connection's server closes without
// answering (its idle timeout and the request crossed) is sent again on a
// new connection when net/http would send it again: idempotent (by method,
// or an Idempotency-Key header) with no body or one GetBody gives again.
// Request.Cancel, deprecated in net/http, is not watched: use the context.
// HTTP/2 is not spoken; servers see a plain HTTP/1.1 client.
package chttp
