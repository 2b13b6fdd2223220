"""Stage 5: the IR through the Jinja templates into the files of the generated package.

Spec text reaches the output only through the filters below: Python string literals (`pystr`,
`pyrepr`), docstrings (`docstring`), one-line comments (`comment`) and Markdown text.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2

from . import TEMPLATES, ir
from .commands import build_commands
from .dependencies import describe, requirements
from .fmt import LINE_LENGTH
from .models import BUILTIN_NAMES, ModelsModule, annotation_names
from .names import ANNOTATION_MODULES, import_order

# The client's defaults: written into `_client.py` and documented in the README, from here. (What the
# generated package needs is in dependencies.py.)
CLIENT_DEFAULTS = {
    "timeout": 60.0,
    "connect_timeout": 10.0,
    "max_retries": 2,
    "max_response_bytes": 64 << 20,
    "max_retry_after": 60.0,
}


def pystr(value: object) -> str:
    """A Python string literal, quoted as black would quote it (so black has nothing to redo)."""
    text = str(value)
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        return '"' + literal[1:-1] + '"'
    return literal


def pyrepr(value: Any) -> str:
    """A JSON value (default, example) as a Python literal, its strings quoted as black writes them."""
    if isinstance(value, str):
        return pystr(value)
    if isinstance(value, list):
        return "[" + ", ".join(pyrepr(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pystr(key)}: {pyrepr(item)}" for key, item in value.items()) + "}"
    return repr(value)


# Control characters a spec's text may carry (YAML's "\0", "\e"): Python refuses a NUL in source,
# and none of them belongs in a comment or a docstring. Line breaks and tabs are kept.
_CONTROL = {code: None for code in (*range(0x20), *range(0x7F, 0xA0)) if chr(code) not in "\n\r\t"}


def comment(value: object) -> str:
    """Text safe to place inside a `#` comment or a docstring line: one line, no quotes run."""
    text = " ".join(str(value).translate(_CONTROL).split())
    return text.replace('"""', "'''").replace("\\", "/")


def docstring(value: object, indent: int) -> str:
    """A complete triple-quoted docstring whose content cannot close it early."""
    text = str(value).translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _escape_quotes(text.replace("\\", "\\\\"))
    pad = " " * indent
    lines = [(pad + line) if line.strip() else "" for line in text.split("\n")]
    if len(lines) == 1:
        return f'"""{text}"""'
    return '"""' + lines[0].lstrip() + "\n" + "\n".join(lines[1:]) + "\n" + pad + '"""'


def _escape_quotes(text: str) -> str:
    """Escapes every third quote of a run, and a final quote, so no `\"\"\"` can form or touch the end."""
    out = []
    run = 0
    for index, char in enumerate(text):
        if char != '"':
            run = 0
            out.append(char)
            continue
        run += 1
        if run == 3 or index == len(text) - 1:
            out.append('\\"')
            run = 0
        else:
            out.append(char)
    return "".join(out)


def tomlstr(value: object) -> str:
    """A TOML basic string (TOML 1.0): characters beyond ASCII as they are, controls and DEL escaped."""
    text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in str(value))  # no lone surrogates
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def sentence(value: object) -> str:
    """Text that ends like a sentence, so more can follow it."""
    text = str(value).strip()
    return text if not text or text[-1] in ".!?:" else text + "."


def mdtext(value: object) -> str:
    return str(value).translate(_CONTROL).replace("<", "&lt;").strip()


def mdcell(value: object) -> str:
    return " ".join(str(value).translate(_CONTROL).split()).replace("|", "\\|").replace("<", "&lt;")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / "package")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        autoescape=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        pystr=pystr,
        pyrepr=pyrepr,
        sentence=sentence,
        comment=comment,
        docstring=docstring,
        tomlstr=tomlstr,
        mdtext=mdtext,
        mdcell=mdcell,
        parameter=parameter,
        call=call,
        import_names=import_names,
    )
    return env


def parameter(name: str, hint: str, default: str | None = None, indent: int = 8) -> str:
    """`name: hint = default,` in a signature, wrapped as black wraps a parameter too long for a line
    (the hint in parentheses, then split at its `|`s), so that black has nothing left to change."""
    tail = f" = {default}," if default is not None else ","
    if indent + len(f"{name}: {hint}{tail}") <= LINE_LENGTH:
        return f"{name}: {hint}{tail}"
    pad = " " * indent
    inner = " " * (indent + 4)
    members = _union_members(hint)
    if indent + 4 + len(hint) <= LINE_LENGTH or members is None:
        return f"{name}: (\n{inner}{hint}\n{pad}){tail}"
    lines = [inner + members[0], *(f"{inner}| {member}" for member in members[1:])]
    return f"{name}: (\n" + "\n".join(lines) + f"\n{pad}){tail}"


def call(name: str, arguments: list[str], indent: int, tail: str = ",") -> str:
    """`name(arguments)` laid out as black lays out a call of simple arguments: on one line if it
    fits, else the arguments on one line of their own, else one per line with a trailing comma."""
    joined = ", ".join(arguments)
    if indent + len(f"{name}({joined}){tail}") <= LINE_LENGTH:
        return f"{name}({joined}){tail}"
    pad, inner = " " * indent, " " * (indent + 4)
    if indent + 4 + len(joined) <= LINE_LENGTH:
        return f"{name}(\n{inner}{joined}\n{pad}){tail}"
    return f"{name}(\n" + "".join(f"{inner}{argument},\n" for argument in arguments) + f"{pad}){tail}"


def _union_members(hint: str) -> list[str] | None:
    """The top-level members of `A | B[C] | D`; None where quotes make the text unsafe to cut."""
    if any(quote in hint for quote in "'\\"):
        return None
    members, depth, start, quoted = [], 0, 0, False
    for index, char in enumerate(hint):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and depth == 0 and hint.startswith(" | ", index):
            members.append(hint[start:index])
            start = index + 3
    members.append(hint[start:])
    return members if len(members) > 1 else None


# Annotation names the resources module imports from the runtime with the rest of its imports.
RUNTIME_NAMES = frozenset({"FileInput", "FileContent"})
THIRD_PARTY = frozenset({"pydantic"})


def import_names(names: list[str]) -> str:
    """The names of a `from ... import` line in the order ruff wants them (a client class named
    `NASA` is a constant to it)."""
    return ", ".join(sorted(set(names), key=import_order))


def annotation_imports(api: ir.Api) -> tuple[list[str], list[list[tuple[str, list[str]]]]]:
    """(names from `typing`, sections of [(module, names)] for TYPE_CHECKING) that the operations'
    signatures use."""
    used: set[str] = set()
    for op in api.operations:
        hints = [p.type_hint for p in op.parameters] + [f.type_hint for f in (op.body.fields if op.body else ())]
        hints += [op.body.whole_hint] if op.body and op.body.whole_hint else []
        hints += [op.result.root_hint] if op.result.root_hint else []
        hints += [op.events.item_hint] if op.events and op.events.model else []
        hints += [op.paging.item_hint] if op.paging else []
        for hint in hints:
            used |= annotation_names(hint)
    used -= BUILTIN_NAMES | RUNTIME_NAMES | {"models"}
    unknown = used - set(ANNOTATION_MODULES)
    if unknown:
        raise RuntimeError(f"annotations use names the generator cannot import: {sorted(unknown)}")
    modules: dict[str, list[str]] = {}
    for name in sorted(used, key=import_order):
        modules.setdefault(ANNOTATION_MODULES[name], []).append(name)
    typing_names = modules.pop("typing", [])
    if api.two_mode_operations:  # a flag's overloads: `stream: Literal[True]`
        typing_names = sorted({*typing_names, "Literal", "overload"}, key=import_order)
    if modules or api.uses_models:
        typing_names = sorted([*typing_names, "TYPE_CHECKING"], key=import_order)
    # isort's sections, a blank line apart: the standard library's modules, then third-party ones,
    # then the models (for type checkers only: at run time they load on first use)
    sections = [
        [(module, names) for module, names in sorted(modules.items()) if (module in THIRD_PARTY) == third_party]
        for third_party in (False, True)
    ]
    sections.append([(".", ["models"])] if api.uses_models else [])
    return typing_names, [section for section in sections if section]


def client_imports(api: ir.Api) -> dict[str, Any]:
    """What the clients module imports for the annotations of the global parameters' keywords:
    `typing` names, modules' names for type checkers only, and whether it names the models."""
    used: set[str] = set()
    for parameter in api.globals:
        used |= annotation_names(parameter.type_hint)
    uses_models = "models" in used
    used -= BUILTIN_NAMES | {"models"}
    modules: dict[str, list[str]] = {}
    for name in sorted(used, key=import_order):
        modules.setdefault(ANNOTATION_MODULES.get(name, "typing"), []).append(name)
    typing_names = {"Any", *modules.pop("typing", [])}
    if api.resources or modules or uses_models:
        typing_names.add("TYPE_CHECKING")
    return {
        "typing": sorted(typing_names, key=import_order),
        "checking": sorted(modules.items()),
        "models": uses_models,
    }


def jobs_imports(api: ir.Api) -> list[str]:
    """What the resources module imports from `_jobs`: the waiters' names where an operation has
    one, the downloads' where one has a download, in ruff's order."""
    names = []
    if api.has_waiters:
        names += ["DEFAULT_POLL_INTERVAL", "DEFAULT_WAIT_TIMEOUT", "Waiter", "wait", "async_wait"]
    if any(op.waiter and op.waiter.submit for op in api.operations):
        names += ["check_wait", "resumable"]
    if api.has_downloads:
        names += ["DownloadResult", "ProgressCallback", "download", "async_download"]
    if any(op.download and op.download.combined_name for op in api.operations):
        names += ["check_destination"]
    return sorted(names, key=import_order)


def file_header(spec_name: str, spec_sha256: str, regenerate_command: str) -> str:
    """The 'generated, do not edit' lines every Python file starts with."""
    source = {"spec_name": spec_name, "spec_sha256": spec_sha256, "regenerate_command": regenerate_command}
    return environment().get_template("_header.jinja").render(api=source).strip()


def render_package(api: ir.Api, models: ModelsModule) -> dict[str, str]:
    """Relative path -> content for every file of the generated tree (before formatting)."""
    env = environment()
    package = api.names.package
    typing_names, checking_imports = annotation_imports(api)
    context = {
        "api": api,
        "typing_imports": typing_names,
        "checking_imports": checking_imports,
        "jobs_imports": jobs_imports(api),
        "client_imports": client_imports(api),
        "commands": build_commands(api),
        "dependencies": requirements(),
        "dependencies_text": describe(),
        "client_defaults": CLIENT_DEFAULTS,
    }
    files = {
        "pyproject.toml": env.get_template("pyproject.toml.jinja").render(context),
        "README.md": env.get_template("README.md.jinja").render(context),
        f"{package}/py.typed": "",
        f"{package}/models.py": models.source.rstrip("\n") + "\n",
    }
    for template in ("__init__.py", "__main__.py", "_client.py", "cli.py", "errors.py", "resources.py"):
        files[f"{package}/{template}"] = env.get_template(f"{template}.jinja").render(context)
    for resource in api.resources:
        files[resource.docs_page] = env.get_template("docs/resource.md.jinja").render(context, resource=resource)
    files[f"docs/{ir.MODELS_PAGE}.md"] = env.get_template("docs/models.md.jinja").render(
        context, model_classes=list(models.classes.values()), model_index=models.classes
    )
    header = file_header(api.spec_name, api.spec_sha256, api.regenerate_command)
    for source in sorted((TEMPLATES / "runtime").glob("*.py")):
        if source.name == "_jobs.py" and not api.has_jobs:
            continue
        files[f"{package}/{source.name}"] = header + "\n" + source.read_text(encoding="utf-8")
    return files
