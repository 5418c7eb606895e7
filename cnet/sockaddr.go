package cnet

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// family is the address family to use for ip on network: "tcp4" and
// "udp4" take IPv4 addresses only, "tcp6" and "udp6" IPv6 only.
func family(network string, ip netip.Addr) (int, error) {
	v4 := ip.Is4() || ip.Is4In6()
	switch network[len(network)-1] {
	case '4':
		if !v4 {
			return 0, fmt.Errorf("cnet: %s takes IPv4 addresses, not %v", network, ip)
		}
	case '6':
		if ip.Is4() {
			return 0, fmt.Errorf("cnet: %s takes IPv6 addresses, not %v", network, ip)
		}
		return unix.AF_INET6, nil
	}
	if v4 {
		return unix.AF_INET, nil
	}
	return unix.AF_INET6, nil
}

// sockaddr converts an address to the kernel's form for family.
func sockaddr(fam int, ap netip.AddrPort) unix.Sockaddr {
	if fam == unix.AF_INET {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().Unmap().As4()}
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	if z := ap.Addr().Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa
}

// tcpPeer is the compact form of a TCP peer's kernel address, if sa is one
// that needs no zone (a link-local IPv6 peer's goes through netAddr,
// which names its interface): an IPv4-mapped address is unmapped, as
// net.IP prints it.
func tcpPeer(network string, sa unix.Sockaddr) (netip.AddrPort, bool) {
	if isUDP(network) || network == "unix" {
		return netip.AddrPort{}, false
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)), true
	case *unix.SockaddrInet6:
		if sa.ZoneId == 0 {
			return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port)), true
		}
	}
	return netip.AddrPort{}, false
}

// netAddr converts a kernel address to the net.Addr of network's kind.
func netAddr(network string, sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ip := net.IP(sa.Addr[:]).To16()
		if isUDP(network) {
			return &net.UDPAddr{IP: ip, Port: sa.Port}
		}
		return &net.TCPAddr{IP: ip, Port: sa.Port}
	case *unix.SockaddrInet6:
		ip := make(net.IP, 16)
		copy(ip, sa.Addr[:])
		zone := ""
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				zone = ifi.Name
			}
		}
		if isUDP(network) {
			return &net.UDPAddr{IP: ip, Port: sa.Port, Zone: zone}
		}
		return &net.TCPAddr{IP: ip, Port: sa.Port, Zone: zone}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: network}
	}
	return nil
}

func isUDP(network string) bool {
	return network == "udp" || network == "udp4" || network == "udp6"
}

// addrPortOf converts a net.Addr of an IP network to a netip.AddrPort.
func addrPortOf(addr net.Addr) (netip.AddrPort, error) {
	switch a := addr.(type) {
	case *net.UDPAddr:
		return a.AddrPort(), nil
	case *net.TCPAddr:
		return a.AddrPort(), nil
	}
	return netip.AddrPort{}, fmt.Errorf("cnet: %T is not an IP address", addr)
}
