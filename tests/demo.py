"""`make demo`: the whole submit, wait, download flow through the `modelgates` command line, against
the project's own test server on 127.0.0.1 (no network, no real API key needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from server import API_KEY, RunningServer, VideoServer

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    app = VideoServer()
    app.statuses = ["pending", "in_progress", "in_progress", "in_progress", "completed"]
    app.video_size = 48 * 1024 * 1024
    with RunningServer(app) as running, tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "MODELGATES_API_KEY": API_KEY,
            "MODELGATES_SERVER_URL": running.url,
            "PYTHONPATH": str(ROOT / "generated"),
        }
        output = Path(folder) / "sunset.mp4"
        steps = [
            ["models"],
            ["generate", "--model", "google/veo-3.1", "--prompt", "A serene mountain landscape at sunset"]
            + [
                "--duration",
                "8",
                "--aspect-ratio",
                "16:9",
                "--wait",
                "--poll-interval",
                "0.5",
                "--output",
                str(output),
            ],
            ["status", "job-0001"],
            ["status", "job-0001", "--json"],
        ]
        for args in steps:
            print(f"\n$ modelgates {' '.join(args)}", flush=True)
            done = subprocess.run([sys.executable, "-m", "modelgates", *args], env=env, check=False)
            if done.returncode != 0:
                return done.returncode
        print(f"\n{output.name}: {output.stat().st_size} bytes written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
