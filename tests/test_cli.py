"""The generated `modelgates` command line against the test server: output, progress, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import generate
from modelgates import cli
from server import API_KEY, VideoServer, video_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(server: VideoServer, server_url: str, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main([*args, "--api-key", API_KEY, "--server-url", server_url])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_models_prints_a_table(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("models")
    assert code == 0 and err == ""
    header, rule, row, *rows = out.splitlines()
    assert header.split() == [
        "id",
        "name",
        "supported_durations",
        "supported_resolutions",
        "supported_aspect_ratios",
    ]
    assert set(rule) == {"-", " "}
    assert row.startswith("google/veo-3.1") and "Veo 3.1" in row and "4, 6, 8" in row
    assert [r.split()[0] for r in rows] == [
        "example/video-upscaler",
        "example/video-upscaler-open",
        "example/text-to-video",
    ]


def test_json_output_is_the_api_data(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("models", "--json")
    assert code == 0
    listed = json.loads(out)["data"]
    assert listed[0]["supported_durations"] == [4, 6, 8]
    assert listed[0].get("creativity") is None and listed[0].get("upscale_factor") is None
    assert listed[1]["creativity"] == [1, 2, 3, 4, 5] and listed[1]["upscale_factor"] == {"min": 1.0, "max": 4.0}
    assert listed[2]["upscale_factor"]["min"] == 1.5 and listed[2]["upscale_factor"].get("max") is None


def test_json_output_keeps_what_the_server_sent_nulls_included(run, server_url: str) -> None:  # type: ignore[no-untyped-def]
    """`--json` prints the response as the API sent it: an explicit null stays, an absent field stays absent."""
    import httpx

    sent = httpx.get(f"{server_url}/videos/models", headers={"Authorization": f"Bearer {API_KEY}"}).json()
    code, out, _ = run("models", "--json")
    assert code == 0
    assert json.loads(out) == sent
    assert sent["data"][2]["upscale_factor"] == {"min": 1.5, "max": None}


def test_generate_takes_creativity_and_upscale_factor(run, server: VideoServer) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        "generate", "--model", "example/video-upscaler", "--creativity", "2", "--upscale-factor", "2.5",
        "--input-references", '[{"type": "video_url", "video_url": {"url": "https://v.example/in.mp4"}}]', "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["status"] == "pending"
    (post,) = server.seen("POST")
    assert post.json() == {
        "model": "example/video-upscaler",
        "creativity": 2,
        "upscale_factor": 2.5,
        "input_references": [{"type": "video_url", "video_url": {"url": "https://v.example/in.mp4"}}],
    }


def test_generate_help_lists_the_upscaling_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["generate", "--help"])
    assert caught.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "[--creativity CREATIVITY]" in text and "[--upscale-factor UPSCALE_FACTOR]" in text
    assert "for video upscaling models only" in text


@pytest.mark.parametrize("flag", [["--creativity", "high"], ["--upscale-factor", "twice"]])
def test_upscaling_flags_of_the_wrong_type_are_usage_errors(run, server: VideoServer, flag: list[str]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        run("generate", "--model", "example/video-upscaler", *flag)
    assert caught.value.code == 2
    assert server.seen("POST") == []


def test_generate_wait_output_runs_the_whole_job(run, server: VideoServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.statuses = ["in_progress", "completed"]
    server.video_size = 100_000
    target = tmp_path / "fox.mp4"
    code, out, err = run(
        "generate", "--model", "google/veo-3.1", "--prompt", "a fox", "--duration", "4", "--no-generate-audio",
        "--aspect-ratio", "16:9", "--wait", "--poll-interval", "0.01", "--output", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert target.read_bytes() == video_bytes(0, 100_000)
    assert out.splitlines()[0].split() == ["path", str(target)]
    assert "submitted job job-0001" in err and "completed" in err and "100%" in err
    (post,) = server.seen("POST")
    assert post.json() == {
        "model": "google/veo-3.1",
        "prompt": "a fox",
        "duration": 4,
        "generate_audio": False,
        "aspect_ratio": "16:9",
    }


def test_generate_json_without_wait_prints_the_job(run, server: VideoServer) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("generate", "--model", "m", "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["status"] == "pending"
    assert server.seen("GET") == []


def test_wait_and_download_commands(run, server: VideoServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.statuses = ["in_progress", "completed"]
    assert run("generate", "--model", "m")[0] == 0
    code, out, _ = run("wait", "job-0001", "--poll-interval", "0.01", "--json")
    assert code == 0 and json.loads(out)["status"] == "completed"
    code, out, _ = run("download", "job-0001", str(tmp_path / "v.mp4"), "--index", "0", "--json")
    assert code == 0
    assert json.loads(out) == {"path": str(tmp_path / "v.mp4"), "bytes": 1024, "content_type": "video/mp4"}
    assert server.seen("GET", "/videos/job-0001/content")[0].query == "index=0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "job-missing"], "modelgates: error: 404 job not found"),
        (
            ["generate", "--model", "m", "--frame-images", '[{"type": "nope"}]'],
            "modelgates: error: invalid arguments: --frame-images 0.type: Input should be 'image_url'; --frame-images 0.image_url",
        ),
        (
            ["generate", "--model", "example/video-upscaler", "--upscale-factor", "0"],
            "modelgates: error: invalid arguments: --upscale-factor: Input should be greater than 0",
        ),
        (
            ["generate", "--model", "google/veo-3.1", "--creativity", "2"],
            "modelgates: error: 400 creativity: not supported by model google/veo-3.1",
        ),
    ],
)
def test_errors_are_one_line_and_exit_1(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*args)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_failed_job_and_existing_file(run, server: VideoServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.statuses = ["failed"]
    code, _, err = run("generate", "--model", "m", "--wait", "--poll-interval", "0.01")
    assert code == 1
    assert err.splitlines()[-1] == "modelgates: error: job job-0001 ended failed: the provider rejected the prompt"
    (tmp_path / "taken.mp4").write_bytes(b"x")
    code, _, err = run("download", "job-0001", str(tmp_path / "taken.mp4"))
    assert code == 1 and err == f"modelgates: error: {tmp_path / 'taken.mp4'} exists; pass --overwrite to replace it\n"
    assert (tmp_path / "taken.mp4").read_bytes() == b"x"
    # ... said before a job is submitted and waited for, not once it is done
    posts = len(server.seen("POST"))
    code, _, err = run("generate", "--model", "m", "--wait", "--output", str(tmp_path / "taken.mp4"))
    assert code == 1 and err.endswith("taken.mp4 exists; pass --overwrite to replace it\n")
    assert len(server.seen("POST")) == posts


def test_a_wait_that_runs_out_of_time_prints_the_command_that_resumes(run, server: VideoServer, server_url: str) -> None:  # type: ignore[no-untyped-def]
    server.statuses = ["in_progress"]
    assert run("generate", "--model", "m", "--json")[0] == 0
    code, _, err = run("wait", "job-0001", "--wait-timeout", "0.05", "--poll-interval", "0.01")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"modelgates: error: job job-0001 did not finish in time; resume with: modelgates wait job-0001 --server-url {server_url}"
    )


def test_bad_json_argument_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        run("generate", "--model", "m", "--provider", "{not json")
    assert caught.value.code == 2


def _python_m(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelgates", *args],
        env={**env, "PYTHONPATH": str(ROOT / "generated")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_m_without_api_key_is_one_clear_line(server_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELGATES_")}
    done = _python_m("models", "--server-url", server_url, env=env)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "modelgates: error: no API key: pass --api-key or set the MODELGATES_API_KEY environment variable\n"
    )


# Runs the command line, then reports on stderr whether pydantic and the models were loaded.
_LOADED_CLI = """
import atexit, sys
names = ("pydantic", "modelgates.models")
atexit.register(lambda: print("loaded:", [n for n in names if n in sys.modules], file=sys.stderr))
from modelgates.cli import main
raise SystemExit(main())
"""


def test_help_and_download_commands_load_neither_pydantic_nor_the_models(
    server: VideoServer, server_url: str, tmp_path: Path
) -> None:
    """Building the parser and downloading parse no JSON: they start without pydantic's import time."""
    server.video_size = 100_000
    server.jobs["job-0001"] = {"polls": 5, "request": {}}
    env = {**os.environ, "MODELGATES_API_KEY": API_KEY, "MODELGATES_SERVER_URL": server_url}

    def loaded(*args: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", _LOADED_CLI, *args],
            env={**env, "PYTHONPATH": str(ROOT / "generated")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr.splitlines()[-1]

    out, report = loaded("--help")
    assert "status" in out and report == "loaded: []"
    out, report = loaded("download", "job-0001", str(tmp_path / "v.mp4"), "--json")
    assert json.loads(out)["bytes"] == 100_000 and report == "loaded: []"
    out, report = loaded("status", "job-0001", "--json")
    assert json.loads(out)["status"] == "completed"
    assert report == "loaded: ['pydantic', 'modelgates.models']"
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/videos/job-0001/content"),
        ("GET", "/videos/job-0001"),
    ]


def test_console_script_is_declared() -> None:
    text = (ROOT / "generated" / "pyproject.toml").read_text()
    assert '[project.scripts]\n"modelgates" = "modelgates.cli:main"\n' in text


def test_make_demo_flow(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "demo.py")], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "sunset.mp4: 50331648 bytes written" in done.stdout
    assert "Traceback" not in done.stderr and "100%" in done.stderr


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as caught:
        cli.main([*args, "--help"])
    assert caught.value.code == 0
    return capsys.readouterr().out


def test_placeholders_are_named_after_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "generate")
    assert "--model MODEL" in text and "--aspect-ratio ASPECT_RATIO" in text and "--frame-images FRAME_IMAGES" in text
    assert "ARG_" not in text
    assert "download [-h]" in _help(capsys, "download") and "JOB_ID PATH" in _help(capsys, "download")


def test_open_enum_options_list_their_values_and_take_others(run, server: VideoServer, capsys) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(_help(capsys, "generate").split())
    assert "(known values: 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9, 9:21; others are sent as given)" in text
    assert "(known values: 480p, 720p, 768p, 1080p, 1K, 2K, 4K; others are sent as given)" in text
    code, _, err = run("generate", "--model", "m", "--aspect-ratio", "5:4")
    assert code == 1 and "'5:4' is not one of" in err  # refused by the API, not by the command line
    assert server.seen("POST")[0].json()["aspect_ratio"] == "5:4"


@pytest.fixture(scope="module")
def legacy_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK of a corpus document with closed enums (kitchen-sink-3.0.yaml: `legacy_shop`)."""
    out = tmp_path_factory.mktemp("legacy")
    generate(ROOT / "tests" / "corpus" / "kitchen-sink-3.0.yaml", out)
    return out


def _run_module(folder: Path, package: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", package, *args],
        env={**os.environ, "PYTHONPATH": str(folder), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_closed_enum_options_take_only_their_values(legacy_shop: Path) -> None:
    done = _run_module(legacy_shop, "legacy_shop", "get-orders", "--help")
    assert done.returncode == 0, done.stderr
    assert "--status STATUS" in done.stdout
    assert re.search(r"--status STATUS +one of: placed, shipped, delivered\n", done.stdout), done.stdout
    done = _run_module(legacy_shop, "legacy_shop", "get-orders", "--status", "lost", "--api-key", "k")
    assert done.returncode == 2 and done.stdout == ""
    assert "argument --status: invalid choice: 'lost'" in done.stderr


def test_help_text_may_hold_a_percent_sign(capsys: pytest.CaptureFixture[str]) -> None:
    from modelgates._console import Arg, Command, build_parser

    command = Command("grow", "Grow by 5%", "things", "grow", args=(Arg("--by", "by", "int", help="100% or less"),))
    parser = build_parser("acme", "Acme, 100% typed", "1.0", [command])
    for args in (["--help"], ["grow", "--help"]):
        with pytest.raises(SystemExit):
            parser.parse_args(args)
    out = capsys.readouterr().out
    assert "Grow by 5%" in out and "100% or less" in out and "%%" not in out


def test_server_url_help_names_its_environment_variable_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    for args in ((), ("models",), ("wait",)):
        text = " ".join(_help(capsys, *args).split())
        assert (
            "--server-url SERVER_URL API base URL (default: $MODELGATES_SERVER_URL, else https://modelgates.ai/api/v1)"
            in text
        ), text
        assert "--api-key API_KEY API key (default: $MODELGATES_API_KEY)" in text, text


@pytest.mark.parametrize(
    "order",
    [
        ["--json", "--api-key", "K", "--server-url", "URL", "models"],
        ["models", "--json", "--api-key", "K", "--server-url", "URL"],
        ["--server-url", "URL", "models", "--api-key", "K", "--json"],
    ],
)
def test_global_options_go_before_or_after_the_command(
    order: list[str], server: VideoServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [{"K": API_KEY, "URL": server_url}.get(arg, arg) for arg in order]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["data"][0]["id"] == "google/veo-3.1"


@pytest.mark.parametrize("args", [["models", "--json"], ["models"]])
def test_a_closed_stdout_pipe_exits_quietly(args: list[str], server: VideoServer, server_url: str) -> None:
    """`modelgates models --json | head -c 10`, with the reader already gone when the result is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "modelgates", *args, "--api-key", API_KEY, "--server-url", server_url],
            env={**os.environ, "PYTHONPATH": str(ROOT / "generated")},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 1
    assert server.seen("GET", "/videos/models")


def _on_a_terminal(args: list[str], env: dict[str, str], columns: int = 80) -> tuple[int, str]:
    """Runs the command line with stderr on a pseudo-terminal `columns` wide; its exit code and
    everything it drew there."""
    import fcntl
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "modelgates", *args],
        env={**env, "PYTHONPATH": str(ROOT / "generated")},
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    return process.wait(timeout=60), drawn.decode()


@pytest.mark.parametrize("sized_by", ["COLUMNS", "terminal"])
def test_progress_fits_the_terminal_width(sized_by: str, server: VideoServer, server_url: str, tmp_path: Path) -> None:
    server.statuses = ["in_progress"] * 3 + ["completed"]
    server.video_size = 3_000_000
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if sized_by == "COLUMNS":
        env["COLUMNS"] = "50"
    code, drawn = _on_a_terminal(
        ["generate", "--model", "m", "--wait", "--poll-interval", "0.01", "--output", str(tmp_path / "v.mp4"),
         "--api-key", API_KEY, "--server-url", server_url],
        env,
        columns=50 if sized_by == "terminal" else 120,
    )  # fmt: skip
    assert code == 0, drawn
    lines = [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line) for line in re.split(r"\r\n|\r|\n", drawn)]
    assert any("in_progress" in line for line in lines) and any("100%" in line for line in lines), drawn
    too_wide = [line for line in lines if len(line) > 49]
    assert not too_wide, too_wide


def test_a_long_status_is_cut_to_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from modelgates._console import Output

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "50")
    stderr = Terminal()
    out = Output(as_json=False, stdout=io.StringIO(), stderr=stderr)
    with out.wait_progress("status") as progress:
        progress(type("Job", (), {"status": "queued_behind_" + "x" * 80 + "\x1b[31m"})())
        with out.download_progress() as download:
            download(10**6, 10**7)
    lines = [line.removeprefix("\x1b[2K") for line in re.split(r"[\r\n]", stderr.getvalue()) if line]
    assert len(lines) == 2 and all(len(line) <= 49 for line in lines), lines
    assert lines[0].startswith("⠋ queued_behind_xxx") and lines[0].endswith("…      0s  (1 polls)")
    assert "\x1b[31m" not in stderr.getvalue()
    assert lines[1].startswith("█░") and " 10%   1.0/10.0 MB " in lines[1]


def _interrupted(server: VideoServer, args: list[str], requests: int, path: str) -> tuple[int, str, str]:
    """Starts the command line, presses Ctrl-C once it has sent `requests` requests to `path`; its
    exit code, stdout and stderr."""
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "modelgates", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT / "generated")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while len(server.seen("GET", path)) < requests and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def _resume_command(err: str) -> list[str]:
    """The command the interrupted command line said resumes it, to run as `python -m modelgates`."""
    import shlex

    (line,) = [line for line in err.splitlines() if "resume with: " in line]
    words = shlex.split(line.split("resume with: ", 1)[1])
    assert words[0] == "modelgates"
    return words[1:]


def test_ctrl_c_while_waiting_prints_the_command_that_resumes(server: VideoServer, server_url: str) -> None:
    server.statuses = ["in_progress"]  # pending until the test says otherwise
    keys = ["--api-key", API_KEY, "--server-url", server_url]
    code, out, err = _interrupted(
        server, ["generate", "--model", "m", "--wait", "--poll-interval", "0.05", *keys], 2, "/videos/job-0001"
    )
    assert code == 130 and out == "", err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"modelgates: interrupted; job job-0001 goes on, resume with: modelgates wait job-0001 --server-url {server_url}"
    )
    server.statuses = ["completed"]  # the job was not lost: the printed command picks it up
    done = _python_m(*_resume_command(err), "--json", "--api-key", API_KEY, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "completed"
    assert len(server.seen("POST")) == 1


def test_ctrl_c_before_the_download_resumes_with_wait_and_output(
    server: VideoServer, server_url: str, tmp_path: Path
) -> None:
    server.statuses = ["in_progress"]
    target = tmp_path / "my video.mp4"
    keys = ["--api-key", API_KEY, "--server-url", server_url]
    args = ["generate", "--model", "m", "--wait", "--poll-interval", "0.05", "--output", str(target), *keys]
    code, _, err = _interrupted(server, args, 2, "/videos/job-0001")
    assert code == 130
    resume = _resume_command(err)
    assert resume[:4] == ["wait", "job-0001", "--output", str(target)]
    server.statuses = ["completed"]
    done = _python_m(*resume, "--api-key", API_KEY, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == video_bytes(0, 1024)


def test_ctrl_c_during_a_download_prints_the_download_command(
    server: VideoServer, server_url: str, tmp_path: Path
) -> None:
    server.jobs["job-0042"] = {"polls": 5, "request": {}}
    server.fail("GET", "/videos/job-0042/content", status=503, delay=5)  # a download that hangs
    target = tmp_path / "v.mp4"
    code, _, err = _interrupted(
        server, ["download", "job-0042", str(target), "--api-key", API_KEY, "--server-url", server_url], 1, "/videos/job-0042/content"
    )  # fmt: skip
    assert code == 130
    assert _resume_command(err)[:3] == ["download", "job-0042", str(target)]
    assert not target.exists() and list(tmp_path.iterdir()) == []


UNWRITABLE = {
    "folder": "videos is a folder; give the path of a file to write",
    "folder-overwrite": "videos is a folder; give the path of a file to write",
    "missing-folder": "nowhere does not exist; create it, or choose another path for out.mp4",
    "dangling-link": "gone.mp4, which does not exist; remove the link or choose another path",
}


@pytest.mark.parametrize("kind", UNWRITABLE)
@pytest.mark.parametrize("command", ["generate", "wait", "download"])
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_sent(  # type: ignore[no-untyped-def]
    run, server: VideoServer, tmp_path: Path, kind: str, command: str
) -> None:
    said = UNWRITABLE[kind]
    (tmp_path / "videos").mkdir()
    (tmp_path / "link.mp4").symlink_to(tmp_path / "gone.mp4")
    target = {"missing-folder": tmp_path / "nowhere" / "out.mp4", "dangling-link": tmp_path / "link.mp4"}.get(
        kind, tmp_path / "videos"
    )
    args = {
        "generate": ["generate", "--model", "m", "--wait", "--output", str(target)],
        "wait": ["wait", "job-0001", "--output", str(target)],
        "download": ["download", "job-0001", str(target)],
    }[command]
    code, out, err = run(*args, *(["--overwrite"] if kind == "folder-overwrite" else []))
    assert code == 1 and out == ""
    assert err.startswith("modelgates: error: ") and err.rstrip("\n").endswith(said) and err.count("\n") == 1
    assert server.requests == []  # no job submitted, nothing polled or downloaded


def test_a_poll_that_fails_after_the_submit_prints_the_job_and_the_command_that_resumes(  # type: ignore[no-untyped-def]
    run, server: VideoServer, server_url: str, tmp_path: Path
) -> None:
    server.statuses = ["completed"]
    server.fail("GET", "/videos/job-0001", 404)
    target = tmp_path / "my fox.mp4"
    code, out, err = run("generate", "--model", "m", "--wait", "--poll-interval", "0.01", "--output", str(target))
    assert code == 1 and out == ""
    resume = f"modelgates wait job-0001 --output '{target}' --server-url {server_url}"
    assert err.splitlines()[-1] == f"modelgates: error: 404 scripted fault; job job-0001 goes on, resume with: {resume}"
    assert len(server.seen("POST")) == 1
    # The printed command picks the job up: nothing is submitted again.
    code, _, err = run(*_resume_command(err))
    assert code == 0, err
    assert target.read_bytes() == video_bytes(0, 1024)
    assert len(server.seen("POST")) == 1


def test_with_json_a_failure_after_the_submit_prints_the_job_on_stdout(  # type: ignore[no-untyped-def]
    run, server: VideoServer, server_url: str
) -> None:
    server.fail("GET", "/videos/job-0001", 404)
    code, out, err = run("generate", "--model", "m", "--wait", "--poll-interval", "0.01", "--json")
    assert code == 1
    resume = f"modelgates wait job-0001 --server-url {server_url}"
    assert err == f"modelgates: error: 404 scripted fault; job job-0001 goes on, resume with: {resume}\n"
    assert json.loads(out) == {"error": "404 scripted fault", "job_id": "job-0001", "resume": resume}
    assert len(server.seen("POST")) == 1


def test_a_download_that_fails_after_the_wait_prints_the_download_command(  # type: ignore[no-untyped-def]
    run, server: VideoServer, server_url: str, tmp_path: Path
) -> None:
    server.statuses = ["completed"]
    server.video_size = 300_000
    server.cut_downloads, server.cut_after = 100, 0  # every attempt cut before its first byte
    target = tmp_path / "fox.mp4"
    args = ["generate", "--model", "m", "--wait", "--poll-interval", "0.01", "--output", str(target), "--json"]
    code, out, err = run(*args)
    assert code == 1
    resume = f"modelgates download job-0001 {target} --server-url {server_url}"
    assert err.startswith("modelgates: error: download of fox.mp4 failed")
    assert err.endswith(f"; job job-0001 is done, resume with: {resume}\n")
    failure = json.loads(out)
    assert failure["job_id"] == "job-0001" and failure["resume"] == resume
    assert failure["error"].startswith("download of fox.mp4 failed")
    assert len(server.seen("POST")) == 1 and not target.exists()


def test_with_json_a_failed_job_prints_its_id_and_nothing_to_resume(run, server: VideoServer) -> None:  # type: ignore[no-untyped-def]
    server.statuses = ["failed"]
    code, out, err = run("generate", "--model", "m", "--wait", "--poll-interval", "0.01", "--json")
    assert code == 1
    message = "job job-0001 ended failed: the provider rejected the prompt"
    assert err == f"modelgates: error: {message}\n"
    assert json.loads(out) == {"error": message, "job_id": "job-0001", "resume": None}


def test_with_json_an_error_before_the_submit_prints_nothing_on_stdout(run, server: VideoServer) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("generate", "--model", "google/veo-3.1", "--creativity", "2", "--wait", "--json")
    assert code == 1 and out == "" and err.startswith("modelgates: error: 400 ")
    assert "resume" not in err and server.seen("GET") == []


def test_with_json_ctrl_c_while_waiting_prints_the_job_on_stdout(server: VideoServer, server_url: str) -> None:
    server.statuses = ["in_progress"]
    keys = ["--api-key", API_KEY, "--server-url", server_url]
    code, out, err = _interrupted(
        server,
        ["generate", "--model", "m", "--wait", "--poll-interval", "0.05", "--json", *keys],
        2,
        "/videos/job-0001",
    )
    assert code == 130
    resume = f"modelgates wait job-0001 --server-url {server_url}"
    assert err.splitlines()[-1] == f"modelgates: interrupted; job job-0001 goes on, resume with: {resume}"
    assert json.loads(out) == {"error": "interrupted", "job_id": "job-0001", "resume": resume}
