"""Node and pod addresses (numbers only: nothing is ever bound to them)."""

from __future__ import annotations

from pinnace.hollow.ipam import PodAddressPool, node_addresses


def test_node_addresses_follow_the_index() -> None:
    assert node_addresses("198.18.0.0/15", "10.128.0.0/9", 0).internal_ip == "198.18.0.1"
    last = node_addresses("198.18.0.0/15", "10.128.0.0/9", 4999)
    assert (last.internal_ip, last.pod_cidr) == ("198.18.19.136", "10.147.135.0/24")


def test_a_pod_keeps_its_address_and_addresses_are_not_reused_at_once() -> None:
    pool = PodAddressPool("10.128.0.0/24")
    assert pool.allocate("a") == "10.128.0.2"
    assert pool.allocate("a") == "10.128.0.2"
    assert pool.allocate("b") == "10.128.0.3"
    pool.release("a")
    assert pool.allocate("c") == "10.128.0.4"  # round-robin, like host-local IPAM
    assert len(pool) == 2


def test_reserved_addresses_are_learned_after_a_restart() -> None:
    pool = PodAddressPool("10.128.0.0/24")
    assert pool.reserve("a", "10.128.0.2")
    assert not pool.reserve("b", "10.128.0.2")  # taken
    assert not pool.reserve("b", "10.129.0.7")  # another node's range
    assert not pool.reserve("b", "not-an-ip")
    assert pool.allocate("b") == "10.128.0.3"


def test_an_exhausted_pool_gives_no_address() -> None:
    pool = PodAddressPool("10.128.0.0/29")  # .2 ... .6
    assert [pool.allocate(str(i)) for i in range(6)] == [
        "10.128.0.2",
        "10.128.0.3",
        "10.128.0.4",
        "10.128.0.5",
        "10.128.0.6",
        None,
    ]
    pool.release("1")
    assert pool.allocate("again") == "10.128.0.3"
