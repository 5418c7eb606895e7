package chttp

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// A connKey says which connections may serve a request: the same target
// (scheme and host:port) through the same proxy. Plain http:// requests
// through a proxy share the proxy's connections, whatever their target.
type connKey struct {
	proxy  *url.URL // nil: direct
	scheme string   // the target's: "http" or "https"
	addr   string   // the target's host:port; empty for http:// via a proxy
	via    string   // the proxy's URL as text (keys compare by value)
}

// connKeyFor finds the connections for req, asking Proxy.
func (t *Transport) connKeyFor(req *http.Request) (connKey, error) {
	key := connKey{scheme: req.URL.Scheme, addr: canonicalAddr(req.URL)}
	if t.Proxy == nil {
		return key, nil
	}
	proxy, err := t.Proxy(req)
	if err != nil {
		return connKey{}, fmt.Errorf("chttp: finding the proxy for %s: %w", req.URL.Redacted(), err)
	}
	if proxy == nil {
		return key, nil
	}
	if proxy.Scheme != "http" && proxy.Scheme != "https" {
		return connKey{}, fmt.Errorf("chttp: unsupported proxy scheme %q in %q", proxy.Scheme, proxy.Redacted())
	}
	if proxy.Host == "" {
		return connKey{}, fmt.Errorf("chttp: no host in proxy URL %q", proxy.Redacted())
	}
	key.proxy, key.via = proxy, proxy.String()
	if key.scheme == "http" {
		key.addr = ""
	}
	return key, nil
}

// the map key: the proxy pointer differs between requests.
func (k connKey) mapKey() connKey { k.proxy = nil; return k }

// dialAddr is where a connection of k connects: the proxy or the target.
func (k connKey) dialAddr() string {
	if k.proxy != nil {
		return canonicalAddr(k.proxy)
	}
	return k.addr
}

// canonicalAddr is u's host:port, with the scheme's port when u has
// none, in lower case.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(lower(u.Hostname()), port)
}

// proxyAuth is the Proxy-Authorization of a proxy URL with credentials.
func proxyAuth(proxy *url.URL) string {
	if proxy == nil || proxy.User == nil {
		return ""
	}
	pass, _ := proxy.User.Password()
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(proxy.User.Username()+":"+pass))
}
