"""`make bench`: the generated SDK against raw httpx doing the same work, measured side by side.

Every figure is a ratio against a baseline measured in the same run, on the same machine, against
the same test server (a separate process on 127.0.0.1), so noise between machines cancels out.
Variants alternate, each showing its median over the repeats; a ratio is the median of the ratios
of each repeat's pair, run one after the other, so that a change of the machine's load during the
run (other processes) reaches both sides of most pairs alike. The one-shot rows (a command, a first
download) time a fresh process, imports included. The measured processes keep compiled bytecode in
a folder of their own, as an installed package has it: with PYTHONDONTWRITEBYTECODE set, the SDK's
modules (outside site-packages, unlike httpx's) would be compiled again in every run.
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
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
SERVER = ROOT / "tests" / "server.py"
API_KEY = "test-key"
JOB = "job-abc123"
# The environment of every measured process: set by `main`.
ENV: dict[str, str] = {}


@contextmanager
def server_process(script: Path, arguments: list[str], probe: str) -> Iterator[str]:
    """A test server (`script`, run with `--port N` and `arguments`) in a process of its own on
    127.0.0.1, once `GET <url><probe>` answers; yields its URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    from server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port), *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}{probe}", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{script.name} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_server(video_size: int) -> AbstractContextManager[str]:
    return server_process(SERVER, ["--video-size", str(video_size)], "/videos/models")


def alternate(variants: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for repeat in range(repeats):
        for name in in_turn(list(variants), repeat):
            samples[name].append(variants[name]())
    return samples


def in_turn(names: list[str], repeat: int) -> list[str]:
    """The variants in the order of this repeat: reversed every other one, so that neither always
    runs first (after the other's work: its writes still being flushed, its caches)."""
    return names if repeat % 2 == 0 else names[::-1]


def medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in samples.items()}


def paired_ratio(measured: list[float], baseline: list[float]) -> float:
    """The median of each pair's ratio: pairs are measured one right after the other."""
    return statistics.median(a / b for a, b in zip(measured, baseline, strict=True))


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
    samples = alternate(variants, repeats)
    median, ratio = medians(samples), paired_ratio(samples["sdk"], samples["httpx"])
    return [
        (
            "import + client construction",
            f"{median['sdk'] * 1000:.0f} ms",
            f"{median['httpx'] * 1000:.0f} ms (import httpx)",
            ratio,
            "<= 1.5x",
        )
    ]


# Both variants in one process, in alternating rounds of `n` calls (each first in every other round):
# a change of load on the machine during the run reaches both alike. Prints each variant's calls per
# second in every round.
CALLS_SYNC = """
import json, sys, time
import httpx
import modelgates
url, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = modelgates.ModelGates(api_key="test-key", server_url=url)
http = httpx.Client(headers={"Authorization": "Bearer test-key"})
def raw():
    response = http.get(url + "/videos/job-abc123")
    response.raise_for_status()
    return response.json()
variants = {"sdk": lambda: client.video_generation.get_generation("job-abc123"), "raw": raw}
rates = {name: [] for name in variants}
for call in variants.values():
    for _ in range(50):
        call()
for turn in range(rounds):
    for name in list(variants)[:: 1 if turn % 2 == 0 else -1]:
        start = time.perf_counter()
        for _ in range(n):
            variants[name]()
        rates[name].append(n / (time.perf_counter() - start))
print(json.dumps(rates))
"""

CALLS_ASYNC = """
import asyncio, json, sys, time
import httpx
import modelgates
url, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    client = modelgates.AsyncModelGates(api_key="test-key", server_url=url)
    http = httpx.AsyncClient(headers={"Authorization": "Bearer test-key"})
    async def raw():
        response = await http.get(url + "/videos/job-abc123")
        response.raise_for_status()
        return response.json()
    variants = {"sdk": lambda: client.video_generation.get_generation("job-abc123"), "raw": raw}
    rates = {name: [] for name in variants}
    for call in variants.values():
        for _ in range(50):
            await call()
    for turn in range(rounds):
        for name in list(variants)[:: 1 if turn % 2 == 0 else -1]:
            start = time.perf_counter()
            for _ in range(n):
                await variants[name]()
            rates[name].append(n / (time.perf_counter() - start))
    return rates
print(json.dumps(asyncio.run(main())))
"""


def run_script(script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def process_env(pycache: str) -> dict[str, str]:
    """The measured processes' environment; their bytecode, compiled here once, goes in `pycache`."""
    env = {**os.environ, "PYTHONPATH": str(GENERATED), "PYTHONPYCACHEPREFIX": pycache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    warm = "import asyncio, httpx, modelgates, modelgates.cli, modelgates.models, modelgates.resources"
    subprocess.run([sys.executable, "-c", warm], check=True, env=env)
    return env


def wall_time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


# What `modelgates status JOB --json` does, written with httpx alone.
RAW_STATUS = """
import json, sys
import httpx
response = httpx.get(sys.argv[1] + "/videos/job-abc123", headers={"Authorization": "Bearer test-key"})
response.raise_for_status()
json.dump(response.json(), sys.stdout, indent=2, ensure_ascii=False)
"""


# The same, the response validated into the SDK's model (models.py loaded alone, without the SDK)
# and printed as the command prints it: what checking a response with pydantic costs by itself.
VALIDATED_STATUS = """
import importlib.util, json, sys
import httpx
spec = importlib.util.spec_from_file_location("models", sys.argv[2])
models = sys.modules["models"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(models)
response = httpx.get(sys.argv[1] + "/videos/job-abc123", headers={"Authorization": "Bearer test-key"})
response.raise_for_status()
job = models.VideoGenerationResponse.model_validate_json(response.content)
data = job.model_dump(mode="json", by_alias=True, exclude_unset=True)
json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
"""


def bench_cli(url: str, repeats: int) -> list[tuple[str, str, str, float, str]]:
    env = {**ENV, "MODELGATES_API_KEY": API_KEY, "MODELGATES_SERVER_URL": url}
    models = str(GENERATED / "modelgates" / "models.py")
    variants = {
        "sdk": lambda: wall_time([sys.executable, "-m", "modelgates", "status", JOB, "--json"], env),
        "raw": lambda: wall_time([sys.executable, "-c", RAW_STATUS, url], env),
        "validated": lambda: wall_time([sys.executable, "-c", VALIDATED_STATUS, url, models], env),
    }
    samples = alternate(variants, repeats)
    median = medians(samples)
    return [
        (
            "`modelgates status JOB --json`, a fresh process",
            f"{median['sdk'] * 1000:.0f} ms",
            f"{median['raw'] * 1000:.0f} ms (python -c: httpx.get, json.dump)",
            paired_ratio(samples["sdk"], samples["raw"]),
            "<= 1.3x",
        ),
        (
            "the same request in a script validating with the SDK's pydantic model",
            f"{median['validated'] * 1000:.0f} ms",
            f"{median['raw'] * 1000:.0f} ms (the same, without pydantic)",
            paired_ratio(samples["validated"], samples["raw"]),
            "(the floor of a command that validates)",
        ),
    ]


def bench_calls(url: str, calls: int, repeats: int, rounds: int = 20) -> list[tuple[str, str, str, float, str]]:
    rows = []
    for label, script in (("sync", CALLS_SYNC), ("async", CALLS_ASYNC)):
        rates: dict[str, list[float]] = {"sdk": [], "raw": []}
        for _ in range(repeats):
            for variant, figures in run_script(script, url, str(calls // rounds), str(rounds)).items():
                rates[variant] += figures
        median = medians(rates)
        rows.append(
            (
                f"{calls} get_generation calls, {label}",
                f"{median['sdk']:.0f} calls/s",
                f"{median['raw']:.0f} calls/s (httpx + .json())",
                paired_ratio(rates["sdk"], rates["raw"]),
                ">= 0.95x" if label == "async" else ">= 0.9x",
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
        for repeat in range(repeats):
            for variant in in_turn(list(figures), repeat):
                figures[variant].append(run_script(DOWNLOAD, url, variant, str(Path(folder) / "video.mp4")))
    speeds = {v: [f["mbps"] for f in figures[v]] for v in figures}
    speed = medians(speeds)
    rss = {v: max(f["rss_kib"] for f in figures[v]) / 1024 for v in figures}
    return [
        (
            f"{size_mib} MiB download with download()",
            f"{speed['sdk']:.0f} MB/s",
            f"{speed['raw']:.0f} MB/s (httpx stream to file)",
            paired_ratio(speeds["sdk"], speeds["raw"]),
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


# The first download of a fresh process, its imports and client included: the clock starts before them.
FIRST_DOWNLOAD = """
import time
start = time.perf_counter()
import json, os, sys
url, variant, target = sys.argv[1], sys.argv[2], sys.argv[3]
if variant == "sdk":
    import modelgates
    videos = modelgates.ModelGates(api_key="test-key", server_url=url).video_generation
    size = videos.download("job-abc123", target, overwrite=True).bytes
else:
    import httpx
    http = httpx.Client(headers={"Authorization": "Bearer test-key"})
    size = 0
    with http.stream("GET", url + "/videos/job-abc123/content") as response, open(target, "wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            out.write(chunk)
            size += len(chunk)
seconds = time.perf_counter() - start
os.unlink(target)
print(json.dumps({"mbps": size / seconds / 1e6, "pydantic": "pydantic" in sys.modules}))
"""


def bench_first_download(url: str, size_mib: int, repeats: int) -> list[tuple[str, str, str, float, str]]:
    samples: dict[str, list[dict[str, Any]]] = {"sdk": [], "raw": []}
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(repeats):
            for variant in in_turn(list(samples), repeat):
                samples[variant].append(run_script(FIRST_DOWNLOAD, url, variant, str(Path(folder) / "video.mp4")))
    speeds = {v: [f["mbps"] for f in samples[v]] for v in samples}
    speed = medians(speeds)
    loaded = " (pydantic loaded)" if any(f["pydantic"] for f in samples["sdk"]) else ""
    return [
        (
            f"first download(), {size_mib} MiB, a fresh process (imports included)",
            f"{speed['sdk']:.0f} MB/s{loaded}",
            f"{speed['raw']:.0f} MB/s (import httpx, stream to file)",
            paired_ratio(speeds["sdk"], speeds["raw"]),
            ">= 0.95x",
        )
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
    parser.add_argument("--first-download-mib", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as pycache:
        ENV.update(process_env(pycache))
        rows = bench_import(max(args.repeats * 5, 10))
        with test_server(args.download_mib * 1024 * 1024) as url:
            rows += bench_cli(url, max(args.repeats * 5, 10))
            rows += bench_calls(url, args.calls, args.repeats)
            rows += bench_download(url, args.download_mib, args.repeats)
        with test_server(args.first_download_mib * 1024 * 1024) as url:
            rows += bench_first_download(url, args.first_download_mib, max(args.repeats * 5, 15))
    print(f"python {sys.version.split()[0]}, httpx {httpx.__version__}; medians of {args.repeats}+ alternating runs\n")
    print(render(rows))


if __name__ == "__main__":
    main()
