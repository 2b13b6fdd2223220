"""`make bench` (second part): sdkgen against openapi-python-client 0.29 on the same large spec.

Both generate a client for a programmatic spec (bench/large_spec.py: 300 operations, 800
schemas), alternating, three times each; the figures are medians and the ratios are sdkgen's time
over openapi-python-client's from the same run. Peak memory is the largest resident set of each
tool's process tree. sdkgen runs four ways:
- cold: into an empty folder, nothing to reuse (`--force`);
- after an edit, the previous output in place, as `make regenerate` runs after a spec change
  (formatted blocks of unchanged code are reused): one schema's description changed (the models
  module), then a query parameter added to one operation (its methods, command and docs);
- unchanged inputs: the no-op path.
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
        text = yaml.safe_dump(large_spec(args.operations, args.schemas), sort_keys=False)
        edited = text.replace("description: Record 5\n", "description: Record five\n", 1)
        since = "      - name: since\n        in: query\n        schema:\n          type: string\n          format: date-time\n"
        operation_edited = edited.replace("      parameters:\n", "      parameters:\n" + since, 1)
        assert text != edited != operation_edited
        sdkgen = [sys.executable, "-m", "generator", "generate", str(spec), "--output", str(work / "sdkgen")]
        opc_env = {**os.environ, "PATH": f"{args.opc.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        opc = [str(args.opc), "generate", "--path", str(spec), "--meta", "none", "--output-path", str(work / "opc")]
        runs: dict[str, list[tuple[float, float]]] = {"sdkgen": [], "edit": [], "param": [], "opc": [], "noop": []}
        print(f"spec: {args.operations} operations, {args.schemas} schemas, {len(text) / 1e6:.1f} MB of YAML")
        for repeat in range(args.repeats):
            spec.write_text(text, encoding="utf-8")
            shutil.rmtree(work / "sdkgen", ignore_errors=True)
            runs["sdkgen"].append(measured([*sdkgen, "--force"]))
            spec.write_text(edited, encoding="utf-8")
            runs["edit"].append(measured(sdkgen))
            runs["noop"].append(measured(sdkgen))
            spec.write_text(operation_edited, encoding="utf-8")
            runs["param"].append(measured(sdkgen))
            shutil.rmtree(work / "opc", ignore_errors=True)
            spec.write_text(text, encoding="utf-8")
            runs["opc"].append(measured(opc, opc_env))
            print(
                f"  run {repeat + 1}: sdkgen from scratch {runs['sdkgen'][-1][0]:.1f}s, schema edited"
                f" {runs['edit'][-1][0]:.1f}s, parameter added {runs['param'][-1][0]:.1f}s,"
                f" openapi-python-client {runs['opc'][-1][0]:.1f}s"
            )
    seconds = {name: statistics.median(t for t, _ in values) for name, values in runs.items()}
    peak = {name: max(m for _, m in values) for name, values in runs.items()}
    rows = {
        "sdkgen": "sdkgen, from scratch (--force)",
        "edit": "sdkgen, a schema's description edited (`make regenerate`)",
        "param": "sdkgen, a query parameter added (`make regenerate`)",
        "opc": "openapi-python-client 0.29",
    }
    for run, label in rows.items():
        print(f"{label + ':':60} {seconds[run]:6.2f} s  peak {peak[run]:5.0f} MiB")
    print(f"{'sdkgen, inputs unchanged:':60} {seconds['noop']:6.2f} s")
    for run in ("sdkgen", "edit", "param"):
        label = rows[run].removeprefix("sdkgen, ")
        print(f"time ratio, {label} / openapi-python-client: {seconds[run] / seconds['opc']:.2f}x (target <= 1.00x)")
    print(f"peak memory: {max(peak[run] for run in ('sdkgen', 'edit', 'param')):.0f} MiB (target <= 300 MiB)")


if __name__ == "__main__":
    main()
