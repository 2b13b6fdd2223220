"""The small config file beside a spec: what to call the package, client and env vars, and where to write."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, SpecError
from .names import (
    BUILT_IN_ERRORS,
    client_class_name,
    distribution_name,
    env_prefix,
    identifier_problem,
    is_distribution_name,
    package_name,
    package_version,
    reserved_modules,
    words,
)

KNOWN_KEYS = {
    "spec",
    "output",
    "package",
    "client_class",
    "env_prefix",
    "package_version",
    "distribution",
    "regenerate_command",
}


@dataclass(frozen=True)
class Config:
    spec: Path | None = None
    output: Path | None = None
    package: str | None = None
    client_class: str | None = None
    env_prefix: str | None = None
    package_version: str | None = None
    distribution: str | None = None
    regenerate_command: str | None = None  # named in "do not edit" headers and staleness messages

    def regenerate(self, spec_name: str) -> str:
        """The command that regenerates the SDK: the config's, else `sdkgen generate SPEC`."""
        return self.regenerate_command or f"sdkgen generate {shlex.quote(spec_name)}"

    def names_for(self, title: str, api_version: str) -> dict[str, str]:
        """The SDK's names: the config's, else derived from the spec's title."""
        title_words = words(title)
        if not title_words or title_words[0][0].isdigit():  # `3D Printing`, or no ASCII letters at all
            title = f"API {title}"
        package = self.package or package_name(title)
        return {
            "package": package,
            "client_class": self.client_class or client_class_name(title),
            "env_prefix": self.env_prefix or env_prefix(title),
            "package_version": self.package_version or package_version(api_version),
            "distribution": self.distribution or distribution_name(package),
        }


def load_config(path: Path) -> Config:
    def refuse(message: str) -> SpecError:
        return SpecError([Diagnostic(Location(str(path), 1, 1), "", message)])

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise refuse(f"cannot read config: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise refuse(f"invalid config YAML: {exc}") from None
    data = data or {}
    if not isinstance(data, dict):
        raise refuse("config must be a mapping")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise refuse(f"unknown config keys: {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
    problem = _names_problem({key: str(value) for key, value in data.items()})
    if problem:
        raise refuse(problem)
    base = path.parent
    return Config(
        spec=(base / data["spec"]) if "spec" in data else None,
        output=(base / data["output"]) if "output" in data else None,
        package=data.get("package"),
        client_class=data.get("client_class"),
        env_prefix=str(data["env_prefix"]) if "env_prefix" in data else None,
        package_version=str(data["package_version"]) if "package_version" in data else None,
        distribution=str(data["distribution"]) if "distribution" in data else None,
        regenerate_command=str(data["regenerate_command"]) if "regenerate_command" in data else None,
    )


def _names_problem(data: dict[str, str]) -> str | None:
    """What is wrong with the names a config sets (each checked as the title-derived one is made
    right), or None."""
    for key in ("package", "client_class"):
        problem = identifier_problem(data[key]) if key in data else None
        if problem:
            return f"{key} {data[key]!r} {problem}"
    package, prefix, distribution = data.get("package"), data.get("env_prefix"), data.get("distribution")
    if package in reserved_modules():
        return (
            f"package {package!r} is the name of a standard-library module or of a dependency of the SDK, which"
            f" a package of that name would shadow; name it otherwise (`{package}_api`)"
        )
    if distribution is not None and not is_distribution_name(distribution):
        return (
            f"distribution {distribution!r} is not a project name pip accepts (PEP 508: letters and digits, with"
            " `-`, `_` or `.` only between them)"
        )
    if package is not None and distribution is None and not distribution_name(package):
        return f"package {package!r} gives no distribution name; set `distribution`"
    if prefix is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]|[A-Za-z]", prefix):
        return (
            f"env_prefix {prefix!r} cannot begin the environment variables' names ({prefix}_API_KEY): use letters,"
            " digits and `_`, starting with a letter and not ending with `_`"
        )
    if "package_version" in data and package_version(data["package_version"]) != data["package_version"]:
        return f"package_version {data['package_version']!r} is not a version packaging accepts (PEP 440)"
    if f"{data.get('client_class')}Error" in BUILT_IN_ERRORS:
        return f"client_class {data['client_class']!r} would name its root error as a built-in error class"
    return None
