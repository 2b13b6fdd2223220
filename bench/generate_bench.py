"""`make bench` (second part): sdkgen against openapi-python-client 0.29 on the same large spec.

Both generate a client for a programmatic spec (bench/large_spec.py: 300 operations, 800
schemas), cold, alternating, three times each; the figures are medians and the ratio is sdkgen's
time over openapi-python-client's from the same run. Peak memory is the largest resident set of
each tool's process tree. A second sdkgen run on unchanged inputs shows the no-op path.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from large_spec import large_spec  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Runs a command and prints the peak RSS (KiB) of its whole process tree, so each run is measured alone.
MEASURE = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True); "
    "sys.stderr.write(done.stderr if done.returncode else ''); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)"
)


def measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak MiB) of one run of `command`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{done.stderr}")
    return elapsed, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opc", type=Path, default=ROOT / ".venv-opc" / "bin" / "openapi-python-client")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--operations", type=int, default=300)
    parser.add_argument("--schemas", type=int, default=800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        spec = work / "large.yaml"
        spec.write_text(yaml.safe_dump(large_spec(args.operations, args.schemas), sort_keys=False), encoding="utf-8")
        sdkgen = [sys.executable, "-m", "generator", "generate", str(spec), "--output", str(work / "sdkgen")]
        opc_env = {**os.environ, "PATH": f"{args.opc.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        opc = [str(args.opc), "generate", "--path", str(spec), "--meta", "none", "--output-path", str(work / "opc")]
        runs: dict[str, list[tuple[float, float]]] = {"sdkgen": [], "opc": [], "noop": []}
        print(f"spec: {args.operations} operations, {args.schemas} schemas, {spec.stat().st_size / 1e6:.1f} MB of YAML")
        for repeat in range(args.repeats):
            runs["sdkgen"].append(measured([*sdkgen, "--force"]))
            runs["noop"].append(measured(sdkgen))
            shutil.rmtree(work / "opc", ignore_errors=True)
            runs["opc"].append(measured(opc, opc_env))
            print(f"  run {repeat + 1}: sdkgen {runs['sdkgen'][-1][0]:.1f}s, openapi-python-client {runs['opc'][-1][0]:.1f}s")
    seconds = {name: statistics.median(t for t, _ in values) for name, values in runs.items()}
    peak = {name: max(m for _, m in values) for name, values in runs.items()}
    print(f"sdkgen generate (cold):         {seconds['sdkgen']:6.2f} s  peak {peak['sdkgen']:5.0f} MiB")
    print(f"openapi-python-client 0.29:     {seconds['opc']:6.2f} s  peak {peak['opc']:5.0f} MiB")
    print(f"sdkgen generate (inputs unchanged): {seconds['noop']:.2f} s")
    ratio = seconds["sdkgen"] / seconds["opc"]
    print(f"time ratio sdkgen / openapi-python-client: {ratio:.2f}x (target <= 1.00x)")
    print(f"peak memory: {peak['sdkgen']:.0f} MiB (target <= 300 MiB)")


if __name__ == "__main__":
    main()
