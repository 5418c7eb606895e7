package demosite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/cnet"
)

// A response is a whole answer, header and body, rendered once.
type response []byte

func render(status int, contentType string, body []byte) response {
	var b strings.Builder
	b.WriteString("HTTP/1.1 ")
	b.WriteString(strconv.Itoa(status))
	b.WriteString(" ")
	b.WriteString(http.StatusText(status))
	b.WriteString("\r\nContent-Type: ")
	b.WriteString(contentType)
	b.WriteString("\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\n\r\n")
	b.Write(body)
	return response(b.String())
}

// A server is a site's pages rendered, ready to serve.
type server struct {
	site     Site
	pages    []response // "/" and the pages, by number
	robots   response
	private  response
	notFound response
}

func newServer(s Site) *server {
	srv := &server{
		site:     s,
		robots:   render(200, "text/plain; charset=utf-8", []byte(Robots)),
		private:  render(200, "text/html; charset=utf-8", []byte("<p>robots.txt asks crawlers not to come here</p>\n")),
		notFound: render(404, "text/plain; charset=utf-8", []byte("404 page not found\n")),
	}
	for n := 0; n <= s.Pages; n++ {
		srv.pages = append(srv.pages, render(200, "text/html; charset=utf-8", s.page(n)))
	}
	return srv
}

// answer is the response to path.
func (srv *server) answer(path string) response {
	switch {
	case path == "/":
		return srv.pages[0]
	case path == "/robots.txt":
		return srv.robots
	case strings.HasPrefix(path, "/private/"):
		return srv.private
	case strings.HasPrefix(path, "/p/"):
		n, err := strconv.Atoi(path[len("/p/"):])
		if err == nil && n >= 1 && n <= srv.site.Pages {
			return srv.pages[n]
		}
	}
	return srv.notFound
}

// Serve answers the site's pages on l, a task per connection, until l is
// closed (it then returns nil) or ctx ends.
func (s Site) Serve(ctx context.Context, l *cnet.Listener) error {
	if err := s.Validate(); err != nil {
		return err
	}
	srv := newServer(s)
	for {
		c, err := l.AcceptConn()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Out of descriptors, say: wait for connections to close.
			if err := corio.Sleep(ctx, 10*time.Millisecond); err != nil {
				return err
			}
			continue
		}
		corio.Spawn(ctx, func(ctx context.Context) error {
			defer c.Close()
			return srv.serveConn(ctx, c)
		})
	}
}

// serveConn answers the requests of one connection, in order, each after
// the site's latency, until the client closes it.
func (srv *server) serveConn(ctx context.Context, c *cnet.Conn) error {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return nil // the client is gone, or spoke no HTTP: close
		}
		if srv.site.Latency > 0 {
			if err := corio.Sleep(ctx, srv.site.Latency); err != nil {
				return err
			}
		}
		resp := srv.answer(req.URL.Path)
		if req.Method == http.MethodHead {
			resp = resp[:len(resp)-bodyLen(resp)]
		}
		if _, err := c.Write(resp); err != nil {
			return nil
		}
		if req.Close {
			return nil
		}
	}
}

// bodyLen is the length of a rendered response's body.
func bodyLen(r response) int {
	i := strings.Index(string(r), "\r\n\r\n")
	return len(r) - i - 4
}

// Start serves s at addr ("127.0.0.1:0" for any free port) on a hub of
// its own, on a goroutine, and returns the site's base URL and a function
// that stops it and waits until it has.
func Start(s Site, addr string) (base string, stop func() error, err error) {
	if err := s.Validate(); err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- corio.Run(ctx, func(ctx context.Context) error {
			l, err := cnet.Listen(ctx, "tcp", addr)
			if err != nil {
				return err
			}
			defer l.Close()
			listening <- l.Addr().String()
			return s.Serve(ctx, l) // until stop cancels ctx
		})
	}()
	select {
	case a := <-listening:
		base = "http://" + a
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("demosite: %w", err)
	}
	stop = func() error {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("demosite: %w", err)
		}
		return nil
	}
	return base, stop, nil
}
