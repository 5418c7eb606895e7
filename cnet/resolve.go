package cnet

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/corio-go/corio"
	"github.com/corio-go/corio/internal/simnet"
)

// resolve turns address ("host:port") into the addresses to try for
// network, IPv4 first for "tcp" and "udp" as package net does by default.
// Names and service names are looked up through corio.Blocking, so the
// hub keeps running meanwhile.
func resolve(ctx context.Context, network, address string) ([]netip.AddrPort, error) {
	host, service, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := lookupPort(ctx, network, service)
	if err != nil {
		return nil, err
	}
	if host == "" { // ":port": the local system, as package net reads it
		if network[len(network)-1] == '6' {
			host = "::1"
		} else {
			host = "127.0.0.1"
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip, port)}, nil
	}
	if n := simnet.From(ctx); n != nil {
		ips, err := n.Lookup(ctx, host)
		if err != nil {
			return nil, err
		}
		return []netip.AddrPort{netip.AddrPortFrom(ips[0], port)}, nil
	}
	ipNet := "ip"
	switch network[len(network)-1] {
	case '4':
		ipNet = "ip4"
	case '6':
		ipNet = "ip6"
	}
	ips, err := corio.Blocking(ctx, func(ctx context.Context) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, ipNet, host)
	})
	if err != nil {
		return nil, err
	}
	var v4, v6 []netip.AddrPort
	for _, ip := range ips {
		ap := netip.AddrPortFrom(ip.Unmap(), port)
		if ap.Addr().Is4() {
			v4 = append(v4, ap)
		} else {
			v6 = append(v6, ap)
		}
	}
	if len(v4)+len(v6) == 0 {
		return nil, &net.DNSError{Err: "no suitable address", Name: host, IsNotFound: true}
	}
	return append(v4, v6...), nil
}

// lookupPort reads a port number, or looks a service name up (off the
// hub: it may read files).
func lookupPort(ctx context.Context, network, service string) (uint16, error) {
	if n, err := strconv.ParseUint(service, 10, 16); err == nil {
		return uint16(n), nil
	}
	if simnet.From(ctx) != nil { // no services file to read
		if port, ok := simnet.Services[service]; ok {
			return port, nil
		}
		return 0, &net.DNSError{Err: "unknown port", Name: network + "/" + service, IsNotFound: true}
	}
	port, err := corio.Blocking(ctx, func(ctx context.Context) (int, error) {
		return net.DefaultResolver.LookupPort(ctx, network, service)
	})
	if err != nil {
		return 0, err
	}
	if port < 0 || port > 65535 {
		return 0, fmt.Errorf("cnet: port %d of service %q out of range", port, service)
	}
	return uint16(port), nil
}
