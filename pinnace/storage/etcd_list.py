"""``list`` for the etcd store: one logical range, fetched in pages small enough for gRPC.

A caller's list (even ``limit=0`` over 10k objects) becomes several etcd Range requests, all at the
revision the first page was served at, so the pages join into one consistent snapshot exactly like
Kubernetes' own paginated lists (k8s.io/apiserver/pkg/storage/etcd3/store.go, GetList). Each
request asks for as many keys as should fit in PAGE_BYTES, judged by the keys seen so far; a
response that still overflows the gRPC limit is retried with half as many keys.

``count`` keeps etcd's meaning: the number of keys from the first requested key to the end of the
prefix, taken from the first response (a later page only counts what is left after it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pinnace.storage.errors import StoreUnavailableError
from pinnace.storage.etcd_rpc import encode_key
from pinnace.storage.interface import KeyValue, ListResult

# Well under gRPC's default 4 MiB message limit, so one page is cheap for etcd to build too.
PAGE_BYTES = 2 * 1024 * 1024
FIRST_PAGE_KEYS = 128
MAX_PAGE_KEYS = 5_000


class ResponseTooLargeError(StoreUnavailableError):
    """A range response exceeded the gRPC receive limit; the pager retries with fewer keys."""


@dataclass(frozen=True, slots=True)
class Page:
    """One etcd Range response, converted."""

    items: list[KeyValue]
    count: int  # keys in [key, range_end) at the revision, as etcd counts them
    more: bool
    revision: int  # the revision the range was served at
    size: int  # encoded bytes of the response


# (key, range_end, limit, revision) -> Page; revision 0 means "the latest".
FetchPage = Callable[[bytes, bytes, int, int], Awaitable[Page]]


async def list_range(
    fetch: FetchPage,
    key: bytes,
    range_end: bytes,
    *,
    limit: int,
    revision: int,
    page_bytes: int = PAGE_BYTES,
) -> ListResult:
    """Up to ``limit`` keys (0: all) of [key, range_end) at ``revision`` (0: the latest)."""
    items: list[KeyValue] = []
    count = -1
    cursor = key
    page_keys = FIRST_PAGE_KEYS
    while True:
        want = page_keys if limit == 0 else min(page_keys, limit - len(items))
        try:
            page = await fetch(cursor, range_end, want, revision)
        except ResponseTooLargeError:
            if want == 1:
                raise  # one value never exceeds the limit unless etcd was configured beyond it
            page_keys = want // 2
            continue
        if count < 0:
            count = page.count
            # Pin every later page to the revision of the first, so the pages form one snapshot.
            revision = revision or page.revision
        items.extend(page.items)
        if not page.more or not page.items or (limit and len(items) >= limit):
            break
        # etcd keys are byte strings; the next key after k is k + "\0".
        cursor = encode_key(page.items[-1].key) + b"\0"
        average = max(1, page.size // len(page.items))
        page_keys = max(1, min(MAX_PAGE_KEYS, page_bytes // average))
    return ListResult(items=items, revision=revision, more=count > len(items), count=count)
