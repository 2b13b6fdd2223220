"""The generated command line, derived from the IR: one command per operation, plus the job helpers.

A single-resource API gets flat commands (`acme list`); with several resources each
command sits under its resource (`petstore pets list-pets`). `x-sdk-cli` renames a command and
picks the columns of a table result.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import ir

# Options every command has, which operation arguments must not take over.
GLOBAL_FLAGS = frozenset(
    {"--api-key", "--server-url", "--json", "--help", "--wait", "--output", "--overwrite", "--poll-interval"}
    | {"--wait-timeout", "--version"}
)
# Options of a paginated list's command (every page; at most N items).
PAGER_FLAGS = frozenset({"--all", "--limit"})
SCALARS: dict[str, ir.CliKind] = {"str": "str", "int": "int", "float": "float", "bool": "bool"}


def kebab(name: str) -> str:
    return name.replace("_", "-").strip("-").lower()


def cli_kind(type_hint: str) -> ir.CliKind:
    """How the command line reads a value for an argument of this Python type: scalars as such,
    enums (`models.X | str`, `models.X | Literal[...]`) as strings, anything else as JSON."""
    hint = re.sub(r"\s*\|\s*None$", "", type_hint.strip())
    if hint in ("FileInput", "FileContent"):
        return "file"  # a path on the command line, opened for the request
    if hint in SCALARS:
        return SCALARS[hint]
    if re.fullmatch(r"models\.\w+ \| (str|Literal\[.*\])", hint) and "list[" not in hint:
        return "str"
    return "json"


def _argument(flag: str, value: ir.Parameter | ir.BodyField, *, required: bool) -> ir.CliArgument:
    """The command line's argument for a parameter or body property; an enum's values go with a
    string (its only accepted values, unless the enum is open)."""
    kind = cli_kind(value.type_hint)
    enum = value.enum_values if kind == "str" else ()
    help_text = (value.description + " (JSON)").strip() if kind == "json" else value.description
    return ir.CliArgument(
        flag=flag,
        py_name=value.py_name,
        kind=kind,
        required=required,
        help=help_text,
        choices=enum,
        open_choices=bool(enum) and value.open_enum,
    )


def _option(value: ir.Parameter | ir.BodyField, reserved: frozenset[str] = GLOBAL_FLAGS) -> ir.CliArgument:
    flag = "--" + kebab(value.py_name)
    if flag in reserved:
        flag = "--param-" + kebab(value.py_name)
    return _argument(flag, value, required=value.required and cli_kind(value.type_hint) != "bool")


def _body_option(body: ir.RequestBody, type_hint: str) -> ir.CliArgument:
    """The whole request body as one option (`--body`): a JSON value that is not an object, text or a file."""
    kind = cli_kind(type_hint)
    help_text = body.description or f"the request body ({body.content_type})"
    if kind == "json":
        help_text += " (JSON)"
    return ir.CliArgument(
        flag="--body", py_name="body", kind=kind, required=body.required and kind != "bool", help=help_text
    )


def _arguments(op: ir.Operation, *, query: bool = True) -> list[ir.CliArgument]:
    arguments = [_argument(p.py_name, p, required=True) for p in op.positional_params]
    reserved = GLOBAL_FLAGS | PAGER_FLAGS if op.paging else GLOBAL_FLAGS
    if op.body and op.body.whole_hint is not None:
        arguments.append(_body_option(op.body, op.body.whole_hint))
    for body_field in op.body.fields if op.body else ():
        arguments.append(_option(body_field, reserved))
    if query:
        for param in op.keyword_params:
            arguments.append(_option(param, reserved))
    return _unique_flags(arguments)


def _unique_flags(arguments: list[ir.CliArgument]) -> list[ir.CliArgument]:
    """Argument names are unique, their flags need not be (`pagesize` and `pageSize` are both
    `--pagesize`); one argparse refuses would stop the whole command line, so a flag already taken
    spells the argument's name as it is (`--pageSize`)."""
    taken: set[str] = set()
    unique = []
    for argument in arguments:
        if argument.flag in taken and argument.flag.startswith("--"):
            argument = replace(argument, flag="--" + argument.py_name.replace("_", "-"))
        taken.add(argument.flag)
        unique.append(argument)
    return unique


def build_commands(api: ir.Api) -> tuple[ir.Command, ...]:
    grouped = len(api.resources) > 1
    waiters = {op.waiter.submit.operation_id: op for op in api.operations if op.waiter and op.waiter.submit}
    downloads = {op.download.poll.operation_id: op for op in api.operations if op.download and op.download.poll}
    commands: list[ir.Command] = []
    for resource in api.resources:
        group = kebab(resource.attr_name) if grouped else None
        for op in resource.operations:
            if op.result.kind != "stream":
                poll = waiters.get(op.operation_id)
                fetch = downloads.get(poll.operation_id) if poll else None
                commands.append(
                    ir.Command(
                        name=op.cli.name or kebab(op.method_name),
                        help=op.summary or op.method_name,
                        method=op.method_name,
                        kind="call",
                        arguments=tuple(_arguments(op)),
                        wait_method=poll.waiter.method_name if poll and poll.waiter else None,
                        download_method=fetch.download.method_name if fetch and fetch.download else None,
                        job_id_field=poll.waiter.id_field if poll and poll.waiter else None,
                        status_field=poll.waiter.status_field if poll and poll.waiter else None,
                        columns=op.cli.columns,
                        pages=op.paging is not None,
                        group=group,
                        resource_attr=resource.attr_name,
                    )
                )
            if op.waiter:
                fetched = downloads.get(op.operation_id)
                commands.append(
                    ir.Command(
                        name=kebab(op.waiter.method_name),
                        help=f"Wait for a job to finish (polls {kebab(op.cli.name or op.method_name)})",
                        method=op.waiter.method_name,
                        kind="wait",
                        arguments=tuple(_arguments(op, query=False)),
                        download_method=fetched.download.method_name if fetched and fetched.download else None,
                        status_field=op.waiter.status_field,
                        group=group,
                        resource_attr=resource.attr_name,
                    )
                )
            if op.download:
                path_arg = ir.CliArgument(flag="path", py_name="path", kind="str", required=True, help="file to write")
                arguments = _arguments(op)
                arguments.insert(len(op.positional_params), path_arg)
                commands.append(
                    ir.Command(
                        name=op.cli.name or kebab(op.download.method_name),
                        help=f"{op.summary or 'Download the result'} to a file",
                        method=op.download.method_name,
                        kind="download",
                        arguments=tuple(arguments),
                        group=group,
                        resource_attr=resource.attr_name,
                    )
                )
    return tuple(_unique_names(commands))


def _unique_names(commands: list[ir.Command]) -> list[ir.Command]:
    """A command whose chosen name is already taken in its group falls back to its method's name,
    which the generator has already made unique within the resource."""
    taken: set[tuple[str | None, str]] = set()
    result = []
    for command in commands:
        if (command.group, command.name) in taken:
            command = replace(command, name=kebab(command.method))
        taken.add((command.group, command.name))
        result.append(command)
    return result
