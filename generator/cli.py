"""`sdkgen` / `python -m generator`: generate, validate, or check that a generated tree is current."""

from __future__ import annotations

import argparse
import difflib
import os
import posixpath
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, load_config
from .diagnostics import Diagnostic, Location, SpecError, counted, display_path
from .inputs import current_digest, is_current
from .write import OutputError, check_output, read_tree, write_tree

if TYPE_CHECKING:
    from .spec_diff.ignore import Acceptance

# The pipeline (datamodel-code-generator, black, jinja2) is imported only by the commands that run
# it, so that `generate` on unchanged inputs answers in a fraction of a second.
DIFF_FORMATS = ("github", "json", "markdown", "text")


@dataclass(frozen=True)
class _Inputs:
    spec: Path
    config: Config
    output: Path | None
    # How generated files name the spec: relative to the folder that holds the output, so that
    # the output does not depend on the working folder or on how the paths were typed.
    source_name: str


def _inputs(args: argparse.Namespace) -> _Inputs:
    config = load_config(Path(args.config)) if args.config else Config()
    spec = Path(args.spec) if args.spec else config.spec
    if spec is None:
        raise SystemExit("sdkgen: error: no spec given (pass SPEC or a --config that names one)")
    output = Path(args.output) if getattr(args, "output", None) else config.output
    anchor = output.resolve().parent if output is not None else Path.cwd().resolve()
    if config.regenerate_command is None:
        config = replace(config, regenerate_command=_generate_command(args, anchor))
    return _Inputs(spec, config, output, _relative(spec, anchor))


def _relative(path: Path, anchor: Path) -> str:
    return Path(os.path.relpath(path.resolve(), anchor)).as_posix()


def _generate_command(args: argparse.Namespace, anchor: Path) -> str:
    """The `sdkgen generate` line that reproduces this run's output, run from the folder holding it."""
    words = ["sdkgen", "generate"]
    if args.spec:
        words.append(_relative(Path(args.spec), anchor))
    if args.config:
        words += ["--config", _relative(Path(args.config), anchor)]
    if getattr(args, "output", None):
        words += ["--output", _relative(Path(args.output), anchor)]
    return shlex.join(words)


def _protected(args: argparse.Namespace, spec: Path) -> list[Path]:
    """The files a run reads, which its output folder must never hold."""
    return [spec, Path(args.config)] if args.config else [spec]


def _warn(notices: Sequence[Diagnostic]) -> None:
    for notice in notices:
        print(notice.format(), file=sys.stderr)


def cmd_generate(args: argparse.Namespace) -> int:
    inputs = _inputs(args)
    spec, config, output = inputs.spec, inputs.config, inputs.output
    if output is None:
        raise SystemExit("sdkgen: error: no output folder (pass --output or a --config that names one)")
    started = time.perf_counter()
    check_output(output, _protected(args, spec))  # refused before any work; write_tree checks again before it swaps
    if (
        not args.force
        and spec.is_file()
        and (digest := current_digest(spec, inputs.source_name, config, output)) is not None
        and is_current(output, digest)
    ):
        elapsed = time.perf_counter() - started
        print(
            f"sdkgen: {display_path(output)} is up to date with {display_path(spec)} ({elapsed:.2f}s); --force regenerates"
        )
        return 0
    from .pipeline import generate_tree

    previous = None if args.force else output
    api, files = generate_tree(spec, config, display_path(spec), previous, source_name=inputs.source_name)
    _warn(api.notices)
    write_tree(files, output, _protected(args, spec))
    elapsed = time.perf_counter() - started
    print(
        f"sdkgen: wrote {counted(len(files), 'file')} for {counted(len(api.operations), 'operation')}"
        f" to {display_path(output)} in {elapsed:.2f}s"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Every check `generate` makes (the models and the IR are built, and the package rendered),
    without formatting or writing: a document that passes is one `generate` takes."""
    from .pipeline import checked_api
    from .render import render_package

    inputs = _inputs(args)
    _, api, models = checked_api(inputs.spec, inputs.config, display_path(inputs.spec), inputs.source_name)
    render_package(api, models)
    _warn(api.notices)
    print(f"sdkgen: {display_path(inputs.spec)} is valid")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Regenerates in memory and compares with the output folder; prints a diff when they differ."""
    inputs = _inputs(args)
    spec, config, output = inputs.spec, inputs.config, inputs.output
    if output is None:
        raise SystemExit("sdkgen: error: no output folder (pass --output or a --config that names one)")
    from .pipeline import generate_tree

    api, files = generate_tree(spec, config, display_path(spec), source_name=inputs.source_name)
    with tempfile.TemporaryDirectory() as scratch:
        fresh_root = Path(scratch) / "fresh"
        write_tree(files, fresh_root)
        fresh = read_tree(fresh_root)
    if not output.is_dir():
        print(f"sdkgen: error: {display_path(output)} does not exist; run `{api.regenerate_command}`")
        return 1
    current = read_tree(output)
    if fresh == current:
        print(f"sdkgen: {display_path(output)} is up to date with {display_path(spec)}")
        return 0
    for name in sorted(set(fresh) | set(current)):
        if fresh.get(name) != current.get(name):
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.get(name, "").splitlines(keepends=True),
                    fresh.get(name, "").splitlines(keepends=True),
                    f"{display_path(output)}/{name} (committed)",
                    f"{display_path(output)}/{name} (from spec)",
                )
            )
    try:
        check_output(output, _protected(args, spec))
        remedy = f"run `{api.regenerate_command}`"
    except OutputError as exc:  # regenerating would be refused: say why instead
        remedy = exc.message
    print(f"sdkgen: error: {display_path(output)} is not what {display_path(spec)} generates; {remedy}")
    return 1


def _accepted_changes(ignore: str | None, head: str) -> list[Acceptance]:
    """The ignore file given, which must exist; else `.breaking-ignore` beside HEAD, in HEAD's own
    revision when HEAD is `REV:PATH`."""
    from .spec_diff.ignore import load_ignore
    from .spec_diff.sources import revision_file

    if ignore is not None:
        if not Path(ignore).exists() or Path(ignore).is_dir():  # /dev/null accepts nothing
            raise SpecError([Diagnostic(Location(ignore, 1, 1), "", f"no such ignore file: {ignore}")])
        return load_ignore(Path(ignore))
    beside = Path(head).parent / ".breaking-ignore"
    if Path(head).is_file() or ":" not in head:
        return load_ignore(beside) if beside.is_file() else []
    revision, name = head.split(":", 1)
    source = f"{revision}:{posixpath.join(posixpath.dirname(name), '.breaking-ignore')}"
    text = revision_file(source)
    return load_ignore(Path(source), text.decode("utf-8", "replace")) if text is not None else []


def cmd_diff(args: argparse.Namespace) -> int:
    """Exit 1 when a change at or above --fail-on remains after the ignore file, else 0."""
    from .spec_diff import Level, diff_documents
    from .spec_diff.report import FORMATS
    from .spec_diff.sources import load_source

    config = load_config(Path(args.config)) if args.config else None
    base, head = load_source(args.base), load_source(args.head)
    accepted = _accepted_changes(args.ignore, args.head)
    result = diff_documents(base, head, config, accepted)
    sys.stdout.write(FORMATS[args.format](result))
    return 1 if args.fail_on != "NONE" and result.fails(Level[args.fail_on]) else 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sdkgen", description="Generate a typed Python SDK from an OpenAPI document.")
    root.add_argument("--version", action=_Version, help="show sdkgen's version and exit")
    commands = root.add_subparsers(dest="command", required=True)
    for name, handler, help_text in (
        ("generate", cmd_generate, "generate the SDK into an output folder"),
        ("validate", cmd_validate, "only check the spec"),
        ("check", cmd_check, "fail with a diff when the output folder is not what the spec generates"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("spec", nargs="?", help="the OpenAPI document (YAML or JSON)")
        command.add_argument("--config", help="sdkgen config file naming the package, client and output")
        if name != "validate":
            command.add_argument("--output", help="folder to generate into (replaced as a whole)")
        if name == "generate":
            command.add_argument(
                "--force", action="store_true", help="regenerate from scratch, reusing nothing from the output folder"
            )
        command.set_defaults(handler=handler)
    diff = commands.add_parser("diff", help="report what a spec change breaks for API clients and SDK users")
    diff.add_argument("base", help="the spec before the change: a file, or REV:PATH (origin/main:spec/api.yaml)")
    diff.add_argument("head", help="the spec after the change: a file, or REV:PATH")
    diff.add_argument("--format", choices=DIFF_FORMATS, default="markdown", help="output format (default: markdown)")
    diff.add_argument(
        "--fail-on", choices=["ERR", "WARN", "INFO", "NONE"], default="ERR", help="exit 1 at this level or above"
    )
    diff.add_argument("--ignore", help="accepted changes, one per line (default: .breaking-ignore beside HEAD)")
    diff.add_argument("--config", help="sdkgen config file (names the generated package and client)")
    diff.set_defaults(handler=cmd_diff)
    return root


class _Version(argparse.Action):
    """`--version`, looked up only when asked for: the metadata lookup would slow every no-op run."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        try:
            found = version("sdkgen")
        except PackageNotFoundError:  # run from a checkout that was never installed
            found = "unknown"
        print(f"sdkgen {found}")
        parser.exit()


OUTCOMES = {cmd_generate: "; nothing was written", cmd_check: "; nothing was compared", cmd_diff: "; cannot compare"}


class _Interrupted(BaseException):
    """SIGTERM (a cancelled CI job, `timeout`), raised where the run is so that it unwinds like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, _frame: object) -> None:
    raise _Interrupted(signum)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args))
    except BrokenPipeError:  # the reader of the output went away (`sdkgen check | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's documented recipe
        return 1
    except (KeyboardInterrupt, _Interrupted) as exc:  # the worker processes are shut down on the way out
        signum = exc.signum if isinstance(exc, _Interrupted) else signal.SIGINT
        print(f"sdkgen: interrupted{OUTCOMES.get(args.handler, '')}", file=sys.stderr)
        return 128 + signum
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        if args.handler is cmd_diff and args.format == "github":
            from .spec_diff.report import github_errors

            sys.stdout.write(github_errors(exc.diagnostics))
        count = len(exc.diagnostics)
        print(f"sdkgen: {counted(count, 'error')}{OUTCOMES.get(args.handler, '')}", file=sys.stderr)
        return 2 if args.handler is cmd_diff else 1
    except OutputError as exc:
        print(f"sdkgen: error: {exc}; nothing was written", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written, a disk that is full
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sdkgen: error: {where}{exc.strerror or exc}{OUTCOMES.get(args.handler, '')}", file=sys.stderr)
        return 1
