"""The small config file beside a spec: what to call the package, client and env vars, and where to write."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, SpecError
from .names import (
    BUILT_IN_ERRORS,
    client_class_name,
    is_identifier,
    package_name,
    package_version,
    upper_snake,
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
            "env_prefix": self.env_prefix or upper_snake(title),
            "package_version": self.package_version or package_version(api_version),
            "distribution": self.distribution or package.replace("_", "-"),
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
    for key in ("package", "client_class"):
        if key in data and not is_identifier(str(data[key])):
            raise refuse(f"{key} {data[key]!r} is not a Python identifier")
    if "package_version" in data and package_version(str(data["package_version"])) != str(data["package_version"]):
        raise refuse(f"package_version {data['package_version']!r} is not a version packaging accepts (PEP 440)")
    if f"{data.get('client_class')}Error" in BUILT_IN_ERRORS:
        raise refuse(f"client_class {data['client_class']!r} would name its root error as a built-in error class")
    base = path.parent
    return Config(
        spec=(base / data["spec"]) if "spec" in data else None,
        output=(base / data["output"]) if "output" in data else None,
        package=data.get("package"),
        client_class=data.get("client_class"),
        env_prefix=data.get("env_prefix"),
        package_version=str(data["package_version"]) if "package_version" in data else None,
        distribution=data.get("distribution"),
        regenerate_command=str(data["regenerate_command"]) if "regenerate_command" in data else None,
    )
