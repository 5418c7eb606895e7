package simnet

import (
	"context"
	"net"
	"net/netip"
)

// Lookup resolves name as seen from the host of ctx's task: a host's name
// gives its address; "localhost" (and no name) the host itself. An
// unknown name fails as a DNS lookup that finds nothing.
func (n *Network) Lookup(ctx context.Context, name string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(name); err == nil {
		return []netip.Addr{ip}, nil
	}
	if name == "" || name == "localhost" {
		return []netip.Addr{n.HostOf(ctx).addr}, nil
	}
	if h := n.byName[name]; h != nil {
		return []netip.Addr{h.addr}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, Server: "simulated network", IsNotFound: true}
}

// Services are the service names a simulated network knows, in place of
// the system's services file.
var Services = map[string]uint16{"http": 80, "https": 443}
