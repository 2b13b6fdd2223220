"""Event streams: the SDK's `Stream` against httpx's `iter_lines()` over the same bytes, and its
memory while iterating long streams.

`python bench/streams_bench.py` prints (a) the time to read N events served over HTTP from
127.0.0.1 (tests/sse_server.py, in a thread of this process) with the SDK's `Stream`, beside the
same body read with `httpx.Response.iter_lines()` (the floor any SSE client builds on), as the
ratio of their medians over alternating repeats; and the same for typed items (pydantic models)
beside `iter_lines()` plus validating each `data:` line with the same model. (b) the peak of
Python memory (tracemalloc) while iterating 10,000 and 100,000 events: it should not grow with
the count. `run()` returns the figures for `make bench`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pydantic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "generated"))
sys.path.insert(0, str(ROOT / "tests"))

from sse_server import Reply, SSEServer, chunks, events_body  # noqa: E402

import modelgates  # noqa: E402
from modelgates._runtime import Call, Endpoint, RequestOptions  # noqa: E402
from modelgates._streams import Events  # noqa: E402


class Chunk(pydantic.BaseModel):
    index: int
    text: str


ENDPOINT: Endpoint[Any] = Endpoint("GET", "/events", None, secured=False)
RAW: Events[Any] = Events(sentinel="[DONE]")
TYPED: Events[Chunk] = Events(lambda: Chunk, sentinel="[DONE]")


def serve(server: SSEServer, count: int) -> None:
    server.script("/events", Reply(body=list(chunks(events_body(count)))))


def sdk_reader(client: modelgates.ModelGates, events: Events[Any]) -> Callable[[], int]:
    def read() -> int:
        seen = 0
        with client._transport.events(ENDPOINT, events, Call(), RequestOptions()) as stream:
            for _ in stream:
                seen += 1
        return seen

    return read


def lines_reader(http: httpx.Client, url: str, validate: bool) -> Callable[[], int]:
    adapter = pydantic.TypeAdapter(Chunk)

    def read() -> int:
        seen = 0
        with http.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
            for line in response.iter_lines():
                if validate and line.startswith("data: {"):
                    adapter.validate_json(line[6:])
                seen += 1
        return seen

    return read


def timed(read: Callable[[], int]) -> float:
    started = time.perf_counter()
    read()
    return time.perf_counter() - started


def compare(variants: dict[str, Callable[[], int]], repeats: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for name in names:  # warm up: connections, imports, pydantic's validators
        variants[name]()
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            samples[name].append(timed(variants[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def peak_memory(client: modelgates.ModelGates, server: SSEServer, count: int, events: Events[Any]) -> int:
    serve(server, count)
    tracemalloc.start()
    try:
        read = sdk_reader(client, events)
        assert read() == count
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(count: int = 20_000, repeats: int = 9) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with SSEServer() as server, httpx.Client() as http:
        client = modelgates.ModelGates(api_key="unused", server_url=server.url)
        url = f"{server.url}/events"
        serve(server, count)
        raw = compare({"Stream": sdk_reader(client, RAW), "iter_lines": lines_reader(http, url, False)}, repeats)
        typed = compare(
            {"Stream[Chunk]": sdk_reader(client, TYPED), "iter_lines+validate": lines_reader(http, url, True)},
            repeats,
        )
        figures["events"] = count
        figures["raw"] = raw | {"ratio": raw["Stream"] / raw["iter_lines"]}
        figures["typed"] = typed | {"ratio": typed["Stream[Chunk]"] / typed["iter_lines+validate"]}
        for events, label in ((RAW, "raw"), (TYPED, "typed")):
            small = peak_memory(client, server, 10_000, events)
            large = peak_memory(client, server, 100_000, events)
            figures[f"peak_{label}"] = {"10000": small, "100000": large, "ratio": large / small}
        client.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    figures = run(args.events, args.repeats)
    count = figures["events"]
    print(f"reading {count} events over HTTP from 127.0.0.1 (median of {args.repeats}):")
    for key, (ours, theirs) in (("raw", ("Stream", "iter_lines")), ("typed", ("Stream[Chunk]", "iter_lines+validate"))):
        row = figures[key]
        print(
            f"  {ours:>14} {row[ours] * 1000:8.1f} ms   {theirs:>20} {row[theirs] * 1000:8.1f} ms"
            f"   ratio {row['ratio']:.2f} (target <= 1.2)"
        )
    print("peak Python memory (tracemalloc) while iterating:")
    for label in ("raw", "typed"):
        row = figures[f"peak_{label}"]
        print(
            f"  {label:>5}: 10,000 events {row['10000'] / 1024:8.1f} KiB   100,000 events"
            f" {row['100000'] / 1024:8.1f} KiB   ratio {row['ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
