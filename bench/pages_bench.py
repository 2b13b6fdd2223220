"""Paginated calls: memory over a long listing, and time per page against raw httpx.

`python bench/pages_bench.py` (or `main()` from another script) starts tests/pages_server.py in a
separate process on 127.0.0.1 and measures, with the generated SDK's pager (cursor pages of 10
items, each validated as a pydantic model as a generated operation's result is):
- peak memory (tracemalloc, Python allocations of this process) while iterating 1,000 pages and
  10,000 pages: a pager keeps no page but the first and the current one, so both should be alike;
- time per page, the pager against raw httpx sending the same requests (the same cursor query, the
  next cursor read from the body) on one connection, side by side: parsing with `response.json()`,
  and validating into the same pydantic model as the SDK; each the median of its repeats, a ratio
  the median of each repeat's pair (run one after the other, in alternating order).
Each memory run is a fresh process, and its baseline validates with pydantic too: pydantic-core
keeps a bounded cache of the JSON strings it has parsed (each page's new cursor among them, up to
16,384), which grows alike on both sides; the difference between the two is the pager's own.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx

from bench import server_process

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "pages_server.py"
API_KEY = "test-key"
LIMIT = 10


def pages_server(total: int) -> AbstractContextManager[str]:
    """The paginated test API in a process of its own, serving `total` items; yields its URL."""
    return server_process(SERVER, ["--total", str(total)], "/cursor")


def models() -> tuple[type[Any], Any]:
    """The page's pydantic model, as a generated SDK declares one, and the SDK's modules."""
    sys.path.insert(0, str(ROOT / "generated"))
    import pydantic

    class Item(pydantic.BaseModel):
        id: int

    class CursorPage(pydantic.BaseModel):
        data: list[Item]
        next: str | None = None

    return CursorPage, pydantic


def sdk_reader(url: str) -> tuple[Callable[[int], int], Callable[[], None]]:
    """A function that reads `n` pages through the SDK's pager (returning the items seen), and
    one that closes its client."""
    cursor_page, _ = models()
    import modelgates
    from modelgates._pages import Pagination
    from modelgates._runtime import Call, Endpoint, RequestOptions

    endpoint: Endpoint[Any] = Endpoint("GET", "/cursor", lambda: cursor_page)
    pagination = Pagination(
        "cursor", results=("data",), cursor=("query", "cursor"), limit=("query", "limit"), next_cursor=("next",)
    )
    client = modelgates.ModelGates(api_key=API_KEY, server_url=url)
    transport = client._transport

    def read(pages: int) -> int:
        pager = transport.pages(endpoint, pagination, Call(query={"limit": LIMIT}), RequestOptions())
        items = 0
        for page in pager.iter_pages(max_pages=pages):
            items += len(page.items)
        return items

    return read, client.close


def httpx_reader(url: str, validate: bool) -> tuple[Callable[[int], int], Callable[[], None]]:
    """The same requests with httpx alone, the cursor loop written by hand; each page parsed with
    `response.json()`, or with `validate` into the same pydantic model as the SDK's."""
    cursor_page, _ = models()
    client = httpx.Client(headers={"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"})

    def read(pages: int) -> int:
        params: dict[str, Any] = {"limit": LIMIT}
        items = 0
        for _ in range(pages):
            response = client.get(f"{url}/cursor", params=params)
            response.raise_for_status()
            if validate:
                page = cursor_page.model_validate_json(response.content)
                data, following = page.data, page.next
            else:
                body = response.json()
                data, following = body["data"], body.get("next")
            items += len(data)
            if not following:
                break
            params = {"limit": LIMIT, "cursor": following}
        return items

    return read, client.close


def peak_memory(read: Callable[[int], int], pages: int) -> tuple[int, int]:
    """Peak and final traced bytes while reading `pages` pages (after a warm-up read)."""
    read(2)  # imports, the pydantic validator, the connection: not what grows with pages
    tracemalloc.start()
    try:
        items = read(pages)
        assert items == pages * LIMIT, (items, pages)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, current


def memory_in_child(url: str, reader: str, pages: int) -> tuple[int, int]:
    """`peak_memory` in a fresh process: each run starts with empty library caches."""
    result = subprocess.run(
        [sys.executable, __file__, "--memory-child", reader, str(pages), url],
        capture_output=True,
        text=True,
        check=True,
    )
    peak, current = result.stdout.split()
    return int(peak), int(current)


def per_page_times(
    readers: dict[str, Callable[[int], int]], pages: int, repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds per page of each reader, and for each baseline the median of the ratios
    SDK/baseline of each repeat (the readers run one after the other, in alternating order)."""
    times: dict[str, list[float]] = {name: [] for name in readers}
    ratios: dict[str, list[float]] = {name: [] for name in readers if name != "sdk"}
    for repeat in range(repeats):
        order = list(readers) if repeat % 2 == 0 else list(reversed(readers))
        this: dict[str, float] = {}
        for name in order:
            started = time.perf_counter()
            readers[name](pages)
            this[name] = (time.perf_counter() - started) / pages
            times[name].append(this[name])
        for name in ratios:
            ratios[name].append(this["sdk"] / this[name])
    medians = {name: statistics.median(values) for name, values in times.items()}
    return medians, {name: statistics.median(values) for name, values in ratios.items()}


BASELINES = {"httpx+json": "raw httpx, response.json()", "httpx+pydantic": "raw httpx, the same pydantic model"}


def run(small: int = 1_000, large: int = 10_000, timed_pages: int = 500, repeats: int = 7) -> dict[str, Any]:
    """Measures; returns the figures (bytes, seconds)."""
    with pages_server(total=(large + 10) * LIMIT) as url:
        made = {
            "sdk": sdk_reader(url),
            "httpx+json": httpx_reader(url, validate=False),
            "httpx+pydantic": httpx_reader(url, validate=True),
        }
        readers = {name: read for name, (read, _) in made.items()}
        try:
            memory = {
                name: {pages: memory_in_child(url, name, pages) for pages in (small, large)}
                for name in ("sdk", "httpx+pydantic")
            }
            for read in readers.values():
                read(50)  # warm every connection
            per_page, ratios = per_page_times(readers, timed_pages, repeats)
        finally:
            for _, close in made.values():
                close()
    return {"memory": memory, "per_page": per_page, "ratios": ratios, "pages": timed_pages, "repeats": repeats}


def report(figures: dict[str, Any]) -> str:
    lines = ["pages: peak traced memory while iterating cursor pages of 10 items (tracemalloc)"]
    for name, runs in figures["memory"].items():
        shown = "SDK pager" if name == "sdk" else BASELINES[name]
        for pages, (peak, current) in runs.items():
            lines.append(f"  {shown:36} {pages:>6} pages: peak {peak / 1024:7.0f} KiB, after {current / 1024:7.0f} KiB")
    for pages in figures["memory"]["sdk"]:
        extra = figures["memory"]["sdk"][pages][0] - figures["memory"]["httpx+pydantic"][pages][0]
        lines.append(f"  the pager's own peak over the baseline, {pages:>6} pages: {extra / 1024:7.0f} KiB")
    lines.append(f"pages: time per page, median of {figures['repeats']} runs of {figures['pages']} pages")
    lines.append(f"  {'SDK pager':36} {figures['per_page']['sdk'] * 1e6:7.0f} us")
    for name, shown in BASELINES.items():
        lines.append(
            f"  {shown:36} {figures['per_page'][name] * 1e6:7.0f} us   SDK/this {figures['ratios'][name]:.2f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000, help="pages of the shorter memory run")
    parser.add_argument("--large", type=int, default=10_000, help="pages of the longer memory run")
    parser.add_argument("--timed-pages", type=int, default=500, help="pages of each timed run")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--memory-child", nargs=3, metavar=("READER", "PAGES", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        name, pages, url = args.memory_child
        read, close = sdk_reader(url) if name == "sdk" else httpx_reader(url, validate=True)
        print(*peak_memory(read, int(pages)))
        close()
        return 0
    print(report(run(args.small, args.large, args.timed_pages, args.repeats)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
