"""`make bench`: the generated SDK against raw httpx doing the same work, measured side by side.

Every figure is a ratio against a baseline measured in the same run, on the same machine, against
the same test server (a separate process on 127.0.0.1), so noise between machines cancels out.
Variants alternate, and each reports its median over the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
SERVER = ROOT / "tests" / "server.py"
API_KEY = "test-key"
JOB = "job-abc123"


@contextmanager
def test_server(video_size: int) -> Iterator[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", str(port), "--video-size", str(video_size)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/videos/models", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("test server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def alternate(variants: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, run in variants.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


TIMED_IMPORT = """
import json, time
start = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - start}}))
"""


def bench_import(repeats: int) -> list[tuple[str, str, str, float, str]]:
    variants = {
        "httpx": lambda: run_script(TIMED_IMPORT.format(body="import httpx"))["seconds"],
        "sdk": lambda: run_script(TIMED_IMPORT.format(body="import modelgates\nmodelgates.ModelGates(api_key='k')"))[
            "seconds"
        ],
    }
    median = alternate(variants, repeats)
    ratio = median["sdk"] / median["httpx"]
    return [
        (
            "import + client construction",
            f"{median['sdk'] * 1000:.0f} ms",
            f"{median['httpx'] * 1000:.0f} ms (import httpx)",
            ratio,
            "<= 1.5x",
        )
    ]


CALLS_SYNC = """
import json, sys, time
import httpx
import modelgates
url, n, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if variant == "sdk":
    client = modelgates.ModelGates(api_key="test-key", server_url=url)
    call = lambda: client.video_generation.get_generation("job-abc123")
else:
    http = httpx.Client(headers={"Authorization": "Bearer test-key"})
    def call():
        response = http.get(url + "/videos/job-abc123")
        response.raise_for_status()
        return response.json()
for _ in range(50):
    call()
start = time.perf_counter()
for _ in range(n):
    call()
print(json.dumps({"rate": n / (time.perf_counter() - start)}))
"""

CALLS_ASYNC = """
import asyncio, json, sys, time
import httpx
import modelgates
url, n, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]
async def main():
    if variant == "sdk":
        client = modelgates.AsyncModelGates(api_key="test-key", server_url=url)
        call = lambda: client.video_generation.get_generation("job-abc123")
    else:
        http = httpx.AsyncClient(headers={"Authorization": "Bearer test-key"})
        async def call():
            response = await http.get(url + "/videos/job-abc123")
            response.raise_for_status()
            return response.json()
    for _ in range(50):
        await call()
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return n / (time.perf_counter() - start)
print(json.dumps({"rate": asyncio.run(main())}))
"""


def run_script(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(GENERATED)},
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def bench_calls(url: str, calls: int, repeats: int) -> list[tuple[str, str, str, float, str]]:
    rows = []
    for label, script in (("sync", CALLS_SYNC), ("async", CALLS_ASYNC)):
        median = alternate(
            {
                "sdk": lambda script=script: run_script(script, url, str(calls), "sdk")["rate"],
                "raw": lambda script=script: run_script(script, url, str(calls), "raw")["rate"],
            },
            repeats,
        )
        rows.append(
            (
                f"{calls} get_generation calls, {label}",
                f"{median['sdk']:.0f} calls/s",
                f"{median['raw']:.0f} calls/s (httpx + .json())",
                median["sdk"] / median["raw"],
                ">= 0.9x",
            )
        )
    return rows


DOWNLOAD = """
import json, os, resource, sys, time
import httpx
import modelgates
url, variant, target = sys.argv[1], sys.argv[2], sys.argv[3]
if variant == "sdk":
    videos = modelgates.ModelGates(api_key="test-key", server_url=url).video_generation
    videos.get_generation("job-abc123")  # the first call loads the models; that is not download speed
    start = time.perf_counter()
    size = videos.download("job-abc123", target, overwrite=True).bytes
else:
    http = httpx.Client(headers={"Authorization": "Bearer test-key"})
    http.get(url + "/videos/job-abc123")
    start = time.perf_counter()
    size = 0
    with http.stream("GET", url + "/videos/job-abc123/content") as response, open(target, "wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            out.write(chunk)
            size += len(chunk)
seconds = time.perf_counter() - start
os.unlink(target)
print(json.dumps({"mbps": size / seconds / 1e6, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def bench_download(url: str, size_mib: int, repeats: int) -> list[tuple[str, str, str, float, str]]:
    figures: dict[str, list[dict[str, float]]] = {"sdk": [], "raw": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            for variant in figures:
                figures[variant].append(run_script(DOWNLOAD, url, variant, str(Path(folder) / "video.mp4")))
    speed = {v: statistics.median(f["mbps"] for f in figures[v]) for v in figures}
    rss = {v: max(f["rss_kib"] for f in figures[v]) / 1024 for v in figures}
    return [
        (
            f"{size_mib} MiB download with download()",
            f"{speed['sdk']:.0f} MB/s",
            f"{speed['raw']:.0f} MB/s (httpx stream to file)",
            speed["sdk"] / speed["raw"],
            ">= 0.95x",
        ),
        (
            "peak RSS of that download",
            f"{rss['sdk']:.1f} MiB",
            f"{rss['raw']:.1f} MiB",
            rss["sdk"] - rss["raw"],
            "<= +16 MiB",
        ),
    ]


def render(rows: list[tuple[str, str, str, float, str]]) -> str:
    lines = ["| Benchmark | SDK | Baseline | Ratio | Target |", "|---|---|---|---|---|"]
    for name, sdk, baseline, ratio, target in rows:
        shown = f"{ratio:+.1f} MiB" if target.startswith("<= +") else f"{ratio:.2f}x"
        lines.append(f"| {name} | {sdk} | {baseline} | {shown} | {target} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--download-mib", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = bench_import(max(args.repeats * 5, 10))
    with test_server(args.download_mib * 1024 * 1024) as url:
        rows += bench_calls(url, args.calls, args.repeats)
        rows += bench_download(url, args.download_mib, args.repeats)
    print(f"python {sys.version.split()[0]}, httpx {httpx.__version__}; medians of {args.repeats}+ alternating runs\n")
    print(render(rows))


if __name__ == "__main__":
    main()
