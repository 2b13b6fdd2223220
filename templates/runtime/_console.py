"""The command line's machinery: argument parsing, calling the SDK, progress, tables, JSON, errors.

The generated `cli` module only declares commands; this module runs them. Results go to stdout
(a table, `key: value` lines, or JSON with `--json`); progress and errors go to stderr. A failure
is one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import shlex
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from . import errors
from ._runtime import LazyModule
from .errors import MissingCredentialsError, RequestValidationError

if TYPE_CHECKING:
    import pydantic
else:
    # Loaded by the commands that parse or validate a model, not by `--help` or a download.
    pydantic = LazyModule("pydantic")

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# What a command returns when it has printed its result already, item by item.
_PRINTED = object()


@dataclass(frozen=True)
class Arg:
    flag: str
    dest: str
    kind: Literal["str", "int", "float", "bool", "json", "file"] = "str"
    required: bool = False
    help: str = ""
    choices: tuple[
        str, ...
    ] = ()  # an enum's values: the only ones accepted unless `open_choices`
    open_choices: bool = False

    @property
    def positional(self) -> bool:
        return not self.flag.startswith("-")

    @property
    def metavar(self) -> str:
        """The value's placeholder in usage and help, named after the option: `--model MODEL`."""
        return self.flag.lstrip("-").replace("-", "_").upper()


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    resource: str
    method: str
    kind: Literal["call", "wait", "download"] = "call"
    args: tuple[Arg, ...] = ()
    group: str | None = None
    wait: str | None = None
    download: str | None = None
    job_id: str | None = None
    status_field: str | None = None
    columns: tuple[str, ...] = ()
    pages: bool = (
        False  # a paginated list: `--all` and `--limit N` go through its pages
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise argparse.ArgumentTypeError("JSON nested too deeply") from None


def _printable(text: str) -> str:
    """`text` with control characters (a server's message may hold terminal escapes) escaped."""
    return "".join(
        (
            char
            if char.isprintable() or char in " \t\n"
            else char.encode("unicode_escape").decode()
        )
        for char in text
    )


def _file_value(path: str) -> Any:
    try:
        return open(
            path, "rb"
        )  # noqa: SIM115 -- read by the request; closed when the command exits
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot read {path}: {exc.strerror or exc}"
        ) from None


_TYPES: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "json": _json_value,
    "file": _file_value,
}


def build_parser(
    prog: str,
    description: str,
    version: str,
    commands: Sequence[Command],
    *,
    api_key_env: str | None = None,
    server_url_env: str | None = None,
    default_server_url: str | None = None,
) -> argparse.ArgumentParser:
    """The parser of every command. The global options (`--json`, `--server-url`, ...) are taken
    before the command and after it, by the main parser and by each command's, whose copies set
    a value only when given, so that they never undo one given before the command."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    _add_globals(
        parser, api_key_env, server_url_env, default_server_url, given_only=False
    )
    common = argparse.ArgumentParser(add_help=False)
    _add_globals(
        common, api_key_env, server_url_env, default_server_url, given_only=True
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups: dict[str, Any] = {}
    for command in commands:
        target = subparsers
        if command.group is not None:
            if command.group not in groups:
                group_parser = subparsers.add_parser(
                    command.group, help=f"{command.group} commands", parents=[common]
                )
                groups[command.group] = group_parser.add_subparsers(
                    dest="subcommand", metavar="COMMAND", required=True
                )
            target = groups[command.group]
        sub = target.add_parser(
            command.name,
            help=_help(command.help),
            description=command.help,
            parents=[common],
        )
        sub.set_defaults(spec=command)
        _add_arguments(sub, command)
    return parser


def _add_globals(
    parser: argparse.ArgumentParser,
    api_key_env: str | None,
    server_url_env: str | None,
    default_server_url: str | None,
    *,
    given_only: bool,
) -> None:
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if given_only else value

    if api_key_env is not None:
        parser.add_argument(
            "--api-key",
            default=default(None),
            help=_help(f"API key (default: ${api_key_env})"),
        )
    if server_url_env is not None and default_server_url is not None:
        where = f"${server_url_env}, else {default_server_url}"
    else:
        where = "the environment variable, else the API's first server"
    parser.add_argument(
        "--server-url",
        default=default(None),
        help=_help(f"API base URL (default: {where})"),
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print the result as JSON, without progress",
    )


def _help(text: str) -> str:
    """Help text as argparse takes it: a literal `%` (from the API's descriptions) doubled."""
    return text.replace("%", "%%")


def _arg_help(arg: Arg) -> str:
    """The argument's help, with an enum's values: an open enum's are the known ones."""
    if not arg.choices:
        return _help(arg.help)
    values = ", ".join(arg.choices)
    listed = (
        f"known values: {values}; others are sent as given"
        if arg.open_choices
        else f"one of: {values}"
    )
    return _help(f"{arg.help} ({listed})" if arg.help else listed)


def _add_arguments(parser: argparse.ArgumentParser, command: Command) -> None:
    for arg in command.args:
        dest = "arg_" + arg.dest
        # A closed enum's values are checked here; an open one takes any value.
        choices = arg.choices if arg.choices and not arg.open_choices else None
        if arg.positional:
            parser.add_argument(
                dest,
                metavar=arg.metavar,
                type=_TYPES.get(arg.kind, str),
                choices=choices,
                help=_arg_help(arg),
            )
        elif arg.kind == "bool":
            parser.add_argument(
                arg.flag,
                dest=dest,
                action=argparse.BooleanOptionalAction,
                help=_arg_help(arg),
            )
        else:
            parser.add_argument(
                arg.flag,
                dest=dest,
                metavar=arg.metavar,
                type=_TYPES[arg.kind],
                choices=choices,
                required=arg.required,
                help=_arg_help(arg),
            )
    if command.wait or command.kind == "wait":
        if command.wait:
            parser.add_argument(
                "--wait", action="store_true", help="wait for the job to finish"
            )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=None,
            help="longest pause between polls (s)",
        )
        parser.add_argument(
            "--wait-timeout",
            type=float,
            default=None,
            help="give up waiting after this long (s)",
        )
    if command.pages:
        parser.add_argument(
            "--all", action="store_true", help="list the items of every page"
        )
        parser.add_argument(
            "--limit",
            type=_positive,
            metavar="N",
            help="list at most N items, from as many pages as needed",
        )
    if command.download:
        parser.add_argument(
            "--output", type=Path, help="wait, then download the result to this file"
        )
    if command.download or command.kind == "download":
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace the output file if it exists",
        )


def run(
    argv: Sequence[str] | None,
    *,
    commands: Sequence[Command],
    client_factory: Callable[..., Any],
    error_class: type[Exception],
    prog: str,
    description: str,
    version: str,
    api_key_env: str | None = None,
    server_url_env: str | None = None,
    default_server_url: str | None = None,
) -> int:
    parser = build_parser(
        prog,
        description,
        version,
        commands,
        api_key_env=api_key_env,
        server_url_env=server_url_env,
        default_server_url=default_server_url,
    )
    options = parser.parse_args(argv)
    command: Command = options.spec
    out = Output(as_json=options.json)
    settings = {"server_url": options.server_url}
    if api_key_env is not None:
        settings["api_key"] = options.api_key
    resume = _Resume(prog, commands, options)
    target = _target(command, options)
    if target is not None:
        # Before a job is submitted (and billed), not once it is done.
        try:
            _check_destination(target, getattr(options, "overwrite", False))
        except error_class as exc:
            out.error(prog, _describe(exc, command, resume, api_key_env, target))
            return EXIT_ERROR
    try:
        with client_factory(**settings) as client:
            resource = getattr(client, command.resource)
            result = _execute(resource, command, options, out, resume)
        if result is not _PRINTED:
            out.result(result, command.columns)
        out.stdout.flush()  # here, where a closed pipe can still be handled
    except BrokenPipeError:
        return _output_closed()
    except KeyboardInterrupt:
        out.interrupted(prog, resume.message)
        return _job_left(out, "interrupted", resume, resume.line, EXIT_INTERRUPTED)
    except (error_class, OSError, pydantic.ValidationError) as exc:
        message = _describe(exc, command, resume, api_key_env, target)
        tail = resume.after(exc)
        out.error(prog, message, tail)
        line = resume.line if tail is not None else None  # None: the job ended
        return _job_left(out, message, resume, line, EXIT_ERROR)
    return 0


def _check_destination(target: Path, overwrite: bool) -> None:
    """The SDK's rule for a download's file (`_jobs.check_destination`): raises where it may
    not be written. Only an SDK with downloads, which write files, has `_jobs`."""
    jobs = importlib.import_module("._jobs", __package__)
    jobs.check_destination(target, overwrite)


def _job_left(
    out: Output, message: str, resume: _Resume, line: str | None, code: int
) -> int:
    """With `--json`, a command that stopped after its job was submitted also prints, on stdout,
    what a script needs to keep the job: `{"error", "job_id", "resume"}`, `resume` the command
    `line` that picks it up (null for a job that ended); `code` is the exit status."""
    if out.as_json and resume.job_id is not None:
        try:
            out.result({"error": message, "job_id": resume.job_id, "resume": line}, ())
            out.stdout.flush()
        except BrokenPipeError:
            return _output_closed()
    return code


def _target(command: Command, options: argparse.Namespace) -> Path | None:
    """The file the command writes: a download's path, or `--output`."""
    if command.kind == "download":
        return Path(options.arg_path)
    output: Path | None = getattr(options, "output", None)
    return output


def _exists(target: Path) -> str:
    return f"{target} exists; pass --overwrite to replace it"


def _output_closed() -> int:
    """The reader of stdout or stderr went away (`modelgates ... | head`): exit quietly, as Python's
    documented recipe does (https://docs.python.org/3/library/signal.html#note-on-sigpipe). A stdout
    that cannot take what is still buffered is pointed at /dev/null, so that the flush at exit
    raises no second BrokenPipeError."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # not a real file (a test's capture)
            pass
        finally:
            os.close(devnull)
    return EXIT_ERROR


def _describe(
    exc: Exception,
    command: Command,
    resume: _Resume,
    api_key_env: str | None,
    target: Path | None,
) -> str:
    """The error as the command line says it: its options and commands, where the SDK's message
    names the client's arguments (`api_key=`, `overwrite=True`) and methods."""
    if isinstance(exc, RequestValidationError) and exc.errors:
        problems = [f"{_where(command, e['loc'])}: {e['msg']}" for e in exc.errors]
        return "invalid arguments: " + "; ".join(problems)
    if isinstance(exc, pydantic.ValidationError):
        problems = [f"{_where(command, e['loc'])}: {e['msg']}" for e in exc.errors()]
        return "invalid arguments: " + "; ".join(problems)
    if isinstance(exc, MissingCredentialsError) and api_key_env is not None:
        return (
            f"no API key: pass --api-key or set the {api_key_env} environment variable"
        )
    if target is not None and (
        isinstance(exc, FileExistsError) or isinstance(exc.__cause__, FileExistsError)
    ):
        return _exists(
            target
        )  # the file appeared while the job ran, or while downloading
    job_id = getattr(exc, "job_id", None)
    if isinstance(exc, getattr(errors, "WaitTimeoutError", ())) and resume.line:
        return f"job {job_id} did not finish in time"
    message = str(exc) or type(exc).__name__
    if job_id and job_id not in message and resume.after(exc) is None:
        message += f" (job {job_id})"
    return message


def _where(command: Command, loc: tuple[int | str, ...]) -> str:
    """Where an invalid value is, by the option that gave it (`--aspect-ratio`, `--frames 0.url`)."""
    path = ".".join(map(str, loc[1:]))
    if loc:
        name = _letters(str(loc[0]))  # the property's name on the wire or in the model
        for arg in command.args:
            if not arg.positional and name in (_letters(arg.dest), _letters(arg.flag)):
                return f"{arg.flag} {path}".rstrip()
    return ".".join(map(str, loc)) or "value"


def _letters(name: str) -> str:
    """`aspectRatio`, `aspect_ratio`, `--aspect-ratio` and `type_` as one: `aspectratio`, `type`."""
    return "".join(c for c in name.lower() if c.isalnum())


class _Resume:
    """What to tell the user after Ctrl-C or an error once a job was submitted: its id and the
    command that picks it up where this one stopped (`modelgates wait JOB_ID`), kept up to date as
    the command moves from submitting to waiting to downloading."""

    def __init__(
        self, prog: str, commands: Sequence[Command], options: argparse.Namespace
    ) -> None:
        self.prog = prog
        self.commands = commands
        self.server_url: str | None = options.server_url
        self.job_id: str | None = None  # the job followed, once there is one
        self.state: str | None = None  # what it does meanwhile: "goes on", "is done"
        self.line: str | None = None  # the command that resumes, once there is one

    @property
    def tail(self) -> str | None:
        """`job JOB goes on, resume with: LINE`, or as much of it as is known."""
        said = f"job {self.job_id} {self.state}" if self.job_id and self.state else None
        resume = f"resume with: {self.line}" if self.line else None
        if said and resume:
            return f"{said}, {resume}"
        return said or resume

    @property
    def message(self) -> str:
        """What Ctrl-C prints."""
        if self.tail is None:
            return "interrupted"
        return "interrupted" + ("; " if self.state else ", ") + self.tail

    def after(self, exc: BaseException) -> str | None:
        """What to add to the error `exc`: the job and the command that resumes, unless the job
        ended (a failed job) or none was submitted yet."""
        if isinstance(exc, getattr(errors, "JobFailedError", ())):
            return None
        if isinstance(exc, getattr(errors, "WaitTimeoutError", ())) and self.line:
            return f"resume with: {self.line}"  # the message names the job
        return self.tail

    def find(self, kind: str, resource: str, method: str | None) -> Command | None:
        for command in self.commands:
            if (command.kind, command.resource, command.method) == (
                kind,
                resource,
                method,
            ):
                return command
        return None

    def set(
        self, job_id: str, state: str | None, command: Command | None, *words: str
    ) -> None:
        """From now on, `command words...` resumes the job `job_id`, which meanwhile `state` ("goes
        on", "is done"; None: not said)."""
        self.job_id = job_id
        self.state = state
        self.line = None
        if command is None:
            return
        line = [self.prog, *([command.group] if command.group else []), command.name]
        line += [
            *words,
            *(["--server-url", self.server_url] if self.server_url else []),
        ]
        self.line = " ".join(map(shlex.quote, line))

    def waiting(
        self,
        resource: str,
        wait_method: str | None,
        job_id: str,
        output: Path | None,
        overwrite: bool,
    ) -> None:
        command = self.find("wait", resource, wait_method)
        words = [job_id]
        if output is not None and command is not None and command.download:
            words += [
                "--output",
                os.fspath(output),
                *(["--overwrite"] if overwrite else []),
            ]
        self.set(job_id, "goes on", command, *words)

    def downloading(
        self,
        resource: str,
        download_method: str | None,
        job_id: str,
        path: Path,
        overwrite: bool,
    ) -> None:
        command = self.find("download", resource, download_method)
        self.set(
            job_id,
            "is done",
            command,
            job_id,
            os.fspath(path),
            *(["--overwrite"] if overwrite else []),
        )


def _execute(
    resource: Any,
    command: Command,
    options: argparse.Namespace,
    out: Output,
    resume: _Resume,
) -> Any:
    kwargs = {
        arg.dest: getattr(options, "arg_" + arg.dest)
        for arg in command.args
        if getattr(options, "arg_" + arg.dest) is not None
    }
    wait_options = {
        key: value
        for key, value in (
            ("poll_interval", getattr(options, "poll_interval", None)),
            ("timeout", getattr(options, "wait_timeout", None)),
        )
        if value is not None
    }
    output: Path | None = getattr(options, "output", None)
    overwrite: bool = getattr(options, "overwrite", False)
    if command.kind == "download":
        kwargs["path"] = Path(kwargs["path"])
        resume.set(
            str(next(iter(kwargs.values()))),  # the job id, the first positional
            None,
            command,
            *_words(command, kwargs),
            *(["--overwrite"] if overwrite else []),
        )
        with out.download_progress() as progress:
            return getattr(resource, command.method)(
                overwrite=overwrite, on_progress=progress, **kwargs
            )
    if command.kind == "wait":
        job_id = str(next(iter(kwargs.values())))  # the job id, the only positional
        resume.waiting(command.resource, command.method, job_id, output, overwrite)
        with out.wait_progress(command.status_field) as progress:
            result = getattr(resource, command.method)(
                on_update=progress, **wait_options, **kwargs
            )
        return _download(
            resource, command, job_id, output, overwrite, out, resume, result
        )
    result = getattr(resource, command.method)(**kwargs)
    if command.pages:
        everything = getattr(options, "all", False)
        limit: int | None = getattr(options, "limit", None)
        if not (everything or limit):
            out.note(
                "the first page: --all lists every page's items, --limit N at most N"
            )
            return result.first_page.result
        out.items(result.iter_items(max_items=limit))
        return _PRINTED
    if hasattr(result, "iter_events"):  # server-sent events, shown as they arrive
        with result:
            out.items(result)
        return _PRINTED
    if not (command.wait and command.job_id and (options.wait or output)):
        return result
    job_id = str(getattr(result, command.job_id))
    out.note(f"submitted job {job_id}")
    resume.waiting(command.resource, command.wait, job_id, output, overwrite)
    with out.wait_progress(command.status_field) as progress:
        result = getattr(resource, command.wait)(
            job_id, on_update=progress, **wait_options
        )
    return _download(resource, command, job_id, output, overwrite, out, resume, result)


def _download(
    resource: Any,
    command: Command,
    job_id: str,
    output: Path | None,
    overwrite: bool,
    out: Output,
    resume: _Resume,
    job: Any,
) -> Any:
    """After a wait: the job's result downloaded to `--output`, if given; else the finished job."""
    if output is None or command.download is None:
        return job
    resume.downloading(command.resource, command.download, job_id, output, overwrite)
    with out.download_progress() as progress:
        return getattr(resource, command.download)(
            job_id, output, overwrite=overwrite, on_progress=progress
        )


def _words(command: Command, values: dict[str, Any]) -> list[str]:
    """The command line's words that give a command these argument values."""
    words: list[str] = []
    for arg in command.args:
        value = values.get(arg.dest)
        if value is None:
            continue
        if arg.positional:
            words.append(
                os.fspath(value) if isinstance(value, os.PathLike) else str(value)
            )
        elif arg.kind == "bool":
            words.append(arg.flag if value else "--no-" + arg.flag[2:])
        elif arg.kind == "json":
            words += [arg.flag, json.dumps(value)]
        elif arg.kind != "file":
            words += [arg.flag, str(value)]
    return words


def plain(value: Any) -> Any:
    """A result as JSON-ready data."""
    # No model exists before pydantic is loaded (a download's command never loads it).
    if "pydantic" in sys.modules and isinstance(value, pydantic.BaseModel):
        # What the server sent: explicit nulls kept, absent fields left out.
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Output:
    """Where and how results, notes, progress and errors are shown."""

    def __init__(
        self,
        *,
        as_json: bool,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.as_json = as_json
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.live = not as_json and self.stderr.isatty()

    def error(self, prog: str, message: str, tail: str | None = None) -> None:
        """One line: the message, then `tail` (the command that resumes, as it is: a path in it
        may hold any spaces)."""
        line = f"{prog}: error: {' '.join(_printable(message).split())}"
        print(line + (f"; {_printable(tail)}" if tail else ""), file=self.stderr)

    def interrupted(self, prog: str, message: str) -> None:
        """Ctrl-C: what stopped, and the command that resumes (even with `--json`)."""
        print(f"{prog}: {message}", file=self.stderr)

    def note(self, message: str) -> None:
        if not self.as_json:
            print(_printable(message), file=self.stderr)

    def result(self, value: Any, columns: Sequence[str]) -> None:
        data = plain(value)
        if self.as_json:
            json.dump(data, self.stdout, indent=2, ensure_ascii=False)
            self.stdout.write("\n")
            return
        rows = _rows(data)
        if rows is not None:
            self.stdout.write(table(rows, columns))
        elif isinstance(data, dict):
            width = max((len(k) for k in data), default=0)
            for key, item in data.items():
                shown = (
                    item
                    if isinstance(item, (str, int, float))
                    else json.dumps(item, ensure_ascii=False)
                )
                print(f"{key.ljust(width)}  {shown}", file=self.stdout)
        elif data is not None:
            print(data, file=self.stdout)

    def items(self, items: Iterable[Any]) -> None:
        """Each item (a list's, an event stream's) on a line of its own as it arrives: a JSON
        object, or with `--json` too (JSON Lines)."""
        for item in items:
            print(json.dumps(plain(item), ensure_ascii=False), file=self.stdout)
            self.stdout.flush()

    def wait_progress(self, status_field: str | None) -> _Progress:
        return _WaitProgress(self, status_field)

    def download_progress(self) -> _Progress:
        return _DownloadProgress(self)


def _rows(data: Any) -> list[dict[str, Any]] | None:
    """The rows of a list result: a list of objects, or an object whose only list holds them."""
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1 and all(isinstance(r, dict) for r in lists[0]):
            return lists[0]
    return None


def table(
    rows: list[dict[str, Any]], columns: Sequence[str] = (), max_width: int = 40
) -> str:
    if not columns:
        columns = [
            k
            for k, v in (rows[0] if rows else {}).items()
            if isinstance(v, (str, int, float, bool))
        ][:5]

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        text = _printable(text)
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    grid = [list(columns)] + [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in grid) for i in range(len(columns))]
    lines = [
        "  ".join(
            value.ljust(width) for value, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in grid
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


class _Progress:
    """A progress display used as a callback; live (redrawn on one line) only on a terminal, where
    the line is kept narrower than the terminal so that it never wraps."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            self.output.stderr.write("\n")
            self.output.stderr.flush()

    def room(self) -> int | None:
        """The columns a live line may take (one less than the terminal's: a line that fills the
        last column wraps on some terminals); None when lines are not redrawn."""
        return terminal_columns(self.output.stderr) - 1 if self.output.live else None

    def draw(self, line: str, force: bool = False) -> None:
        if self.output.as_json:
            return
        now = time.monotonic()
        if not self.output.live:
            if force:
                print(line, file=self.output.stderr)
            return
        if force or now - self.last_draw >= 0.1:
            self.output.stderr.write("\r\x1b[2K" + fit(line, self.room() or 0))
            self.output.stderr.flush()
            self.last_draw = now
            self.drawn = True


def terminal_columns(stream: IO[str]) -> int:
    """The width of the terminal: `$COLUMNS`, as `shutil.get_terminal_size()` reads it, else the
    size of the terminal `stream` is on (progress goes to stderr, and stdout may be a pipe), else
    what `shutil.get_terminal_size()` finds."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        found = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        found = 0
    return found or shutil.get_terminal_size().columns


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def fit(line: str, room: int) -> str:
    """`line` in at most `room` terminal cells, cut with `…`; characters that would move the
    cursor or change the terminal (a status sent by the server may hold any) become spaces.
    """
    line = "".join(char if char.isprintable() else " " for char in line)
    if sum(map(_cells, line)) <= room:
        return line
    kept, used = [], 0
    for char in line:
        if used + _cells(char) > room - 1:
            break
        kept.append(char)
        used += _cells(char)
    return "".join(kept) + "…" if room > 0 else ""


class _WaitProgress(_Progress):
    SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, output: Output, status_field: str | None) -> None:
        super().__init__(output)
        self.status_field = status_field
        self.polls = 0
        self.last_status: str | None = None

    def __call__(self, job: Any) -> None:
        status = str(getattr(job, self.status_field)) if self.status_field else "?"
        changed = status != self.last_status
        self.last_status = status
        elapsed = time.monotonic() - self.started
        spinner = self.SPINNER[self.polls % len(self.SPINNER)]
        self.polls += 1
        tail = f"  {elapsed:5.0f}s  ({self.polls} polls)"
        room = self.room()
        if room is not None:  # a long status is cut, not the time and polls after it
            status = fit(status, max(room - 2 - len(tail), 1))
        self.draw(f"{spinner} {status}{tail}", force=changed)


class _DownloadProgress(_Progress):
    WIDTH = 30  # the bar's, where the terminal has room for it
    MIN_WIDTH = 5  # narrower than this, no bar at all

    def __init__(self, output: Output) -> None:
        super().__init__(output)
        self.done = False

    def __call__(self, received: int, total: int | None) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = f"{received / elapsed / 1e6:6.1f} MB/s"
        finished = total is not None and received >= total
        if total:
            # As wide at the start as at the end, so that the bar keeps its width.
            size = f"{total / 1e6:.1f}"
            got = f"{received / 1e6:.1f}".rjust(len(size))
            text = f"{received / total:4.0%}  {got}/{size} MB  {rate}"
            room = self.room()
            width = (
                self.WIDTH if room is None else min(self.WIDTH, room - len(text) - 1)
            )
            if width >= self.MIN_WIDTH:
                filled = int(width * min(received / total, 1.0))
                text = "█" * filled + "░" * (width - filled) + " " + text
            line = text
        else:
            line = f"{received / 1e6:.1f} MB  {rate}"
        if finished and self.done:
            return
        self.done = finished
        self.draw(line, force=finished)
