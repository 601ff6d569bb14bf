"""The SSRF guard against every block of the IANA special-purpose address registries.

The tables below are typed from the registries (iana.org/assignments/iana-ipv4-special-registry
and iana-ipv6-special-registry), plus multicast and the reserved space, independently of the
table in newswire/fetch.py. No request leaves the machine: the resolver answers from the test
and any attempt to connect or resolve for real fails the test.
"""

import ipaddress
import socket

import pytest

from newswire import fetch
from newswire.fetch import FetchError

IPV4_SPECIAL = [
    ("0.0.0.0/8", "This network"),
    ("0.0.0.0/32", "This host on this network"),
    ("10.0.0.0/8", "Private-Use"),
    ("100.64.0.0/10", "Shared Address Space"),
    ("127.0.0.0/8", "Loopback"),
    ("169.254.0.0/16", "Link Local"),
    ("172.16.0.0/12", "Private-Use"),
    ("192.0.0.0/24", "IETF Protocol Assignments"),
    ("192.0.0.0/29", "IPv4 Service Continuity Prefix"),
    ("192.0.0.8/32", "IPv4 dummy address"),
    ("192.0.0.9/32", "Port Control Protocol Anycast"),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast"),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery"),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery"),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)"),
    ("192.31.196.0/24", "AS112-v4"),
    ("192.52.193.0/24", "AMT"),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)"),
    ("192.88.99.2/32", "6a44-relay anycast address"),
    ("192.168.0.0/16", "Private-Use"),
    ("192.175.48.0/24", "Direct Delegation AS112 Service"),
    ("198.18.0.0/15", "Benchmarking"),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "Multicast"),
    ("240.0.0.0/4", "Reserved"),
    ("255.255.255.255/32", "Limited Broadcast"),
]

# Forms that carry an IPv4 address: judged by what they carry, tested below.
CARRYING = {"::ffff:0:0/96", "64:ff9b::/96", "2001::/32", "2002::/16"}

IPV6_SPECIAL = [
    ("::1/128", "Loopback Address"),
    ("::/128", "Unspecified Address"),
    ("::ffff:0:0/96", "IPv4-mapped Address"),
    ("64:ff9b::/96", "IPv4-IPv6 Translation"),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translation, local use"),
    ("100::/64", "Discard-Only Address Block"),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix"),
    ("2001::/23", "IETF Protocol Assignments"),
    ("2001::/32", "TEREDO"),
    ("2001:1::1/128", "Port Control Protocol Anycast"),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast"),
    ("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast"),
    ("2001:2::/48", "Benchmarking"),
    ("2001:3::/32", "AMT"),
    ("2001:4:112::/48", "AS112-v6"),
    ("2001:10::/28", "Deprecated (previously ORCHID)"),
    ("2001:20::/28", "ORCHIDv2"),
    ("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix"),
    ("2001:db8::/32", "Documentation"),
    ("2002::/16", "6to4"),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service"),
    ("3fff::/20", "Documentation"),
    ("5f00::/16", "Segment Routing (SRv6) SIDs"),
    ("fc00::/7", "Unique-Local"),
    ("fe80::/10", "Link-Local Unicast"),
    ("ff00::/8", "Multicast"),
    # Outside 2000::/3, the only global unicast space IANA allocates from:
    ("::/96", "IPv4-compatible (deprecated)"),
    ("::/8", "Reserved by IETF"),
    ("4000::/3", "Reserved by IETF"),
    ("fec0::/10", "Site-local (deprecated)"),
]

PUBLIC_V4 = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "223.255.255.1"]
PUBLIC_V6 = ["2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:800::200e"]


def _samples(cidr):
    """The first, a middle and the last address of a block."""
    net = ipaddress.ip_network(cidr)
    first, last = net[0], net[-1]
    middle = net[net.num_addresses // 2 + 1] if net.num_addresses > 2 else first
    if cidr in CARRYING:  # the middle one carries a public IPv4: judged below
        return [str(first), str(last)]
    return sorted({str(first), str(middle), str(last)})


def _teredo(server, client):
    value = (0x20010000 << 96) | (int(ipaddress.IPv4Address(server)) << 64)
    return str(ipaddress.IPv6Address(value | (~int(ipaddress.IPv4Address(client)) & 0xFFFFFFFF)))


def _forms(v4):
    """Every IPv6 form that carries v4, by name."""
    v4i = int(ipaddress.IPv4Address(v4))
    return {
        "mapped": f"::ffff:{v4}",
        "NAT64": str(ipaddress.IPv6Address((0x64FF9B << 96) | v4i)),
        "6to4": str(ipaddress.IPv6Address((0x2002 << 112) | (v4i << 80) | 1)),
        "Teredo client": _teredo("65.54.227.120", v4),
        "Teredo server": _teredo(v4, "93.184.216.34"),
    }


@pytest.fixture
def offline(monkeypatch, settings):
    """Refuses private networks; no socket connects and no name is resolved for real."""
    settings.NEWSWIRE_ALLOW_PRIVATE_NETWORKS = False

    def left_the_machine(*args, **kwargs):
        raise AssertionError(f"a connection or lookup was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", left_the_machine)
    monkeypatch.setattr(socket, "create_connection", left_the_machine)
    monkeypatch.setattr(socket, "getaddrinfo", left_the_machine)

    def answer(address):
        monkeypatch.setattr(fetch, "resolve", lambda host, port: ["93.184.216.34", address])

    return answer


def _refused(offline, address):
    offline(address)
    with pytest.raises(FetchError, match=r"feeds\.example\.com resolves to .*not a public"):
        fetch.fetch("https://feeds.example.com/rss")


@pytest.mark.parametrize("cidr, name", IPV4_SPECIAL + IPV6_SPECIAL)
def test_every_special_purpose_block_is_refused(offline, cidr, name):
    for address in _samples(cidr):
        assert fetch.inward_reason(address), f"{address} ({name}) passes"
        _refused(offline, address)


@pytest.mark.parametrize("cidr, name", IPV4_SPECIAL)
def test_an_ipv6_form_carrying_a_special_ipv4_is_refused(offline, cidr, name):
    for v4 in _samples(cidr):
        for form, address in _forms(v4).items():
            assert fetch.inward_reason(address), f"{form} {address} carrying {v4} ({name})"
            _refused(offline, address)


@pytest.mark.parametrize("v4", PUBLIC_V4)
def test_routable_forms_carrying_a_public_ipv4_pass(v4):
    assert fetch.inward_reason(v4) == ""
    for form, address in _forms(v4).items():
        assert fetch.inward_reason(address) == "", f"{form} {address}"
    # IPv4-compatible ::a.b.c.d is deprecated, unroutable space whatever it carries.
    assert fetch.inward_reason(f"::{v4}") == "reserved"


@pytest.mark.parametrize("address", PUBLIC_V6)
def test_global_unicast_ipv6_passes(address):
    assert fetch.inward_reason(address) == ""


@pytest.mark.parametrize(
    "address, reason",
    [
        ("192.0.0.8", "IETF protocol assignment"),  # was fetched
        ("2002:7f00:1::", "loopback IPv4 127.0.0.1 inside"),  # was tried: 6to4 for 127.0.0.1
        ("::ffff:127.0.0.1", "loopback IPv4 127.0.0.1 inside"),
        ("64:ff9b::a9fe:a9fe", "link-local IPv4 169.254.169.254 inside"),
        ("fe80::1%eth0", "link-local"),
        ("10.1.2.3", "private"),
    ],
)
def test_refusals_name_the_reason(offline, address, reason):
    assert fetch.inward_reason(address) == reason
    offline(address)
    with pytest.raises(FetchError, match=f"not a public address \\({reason};"):
        fetch.fetch("https://feeds.example.com/rss")


def test_a_public_answer_mixed_with_an_inward_one_is_refused(offline):
    """One inward address among the answers refuses the host: the pinned one could be it."""
    offline("192.168.1.1")
    with pytest.raises(FetchError, match=r"192\.168\.1\.1, not a public address \(private;"):
        fetch.fetch("http://feeds.example.com/rss")
