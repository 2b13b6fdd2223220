"""The diff as Markdown (a pull-request comment), plain text, JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..diagnostics import Diagnostic
from . import DiffResult
from .findings import Finding, Level


def _groups(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.subject, []).append(finding)
    return grouped


def _where(finding: Finding) -> str:
    loc = finding.location
    where = f"{loc.file}:{loc.line}"
    if finding.defined_at != finding.pointer:
        return f"defined at {finding.defined_at} ({where})"
    return where


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("<", "&lt;")


def _md_row(finding: Finding) -> str:
    """SDK findings lead with the public name they change, API findings with the JSON pointer."""
    level = f"**{finding.level.name}**" if finding.level is Level.ERR else finding.level.name
    change = _md(finding.message) + (f"<br>_{_md(finding.note)}_" if finding.note else "")
    lead = finding.subject if finding.section == "sdk" else finding.pointer
    where = f"`{_md(lead)}`<br>{_md(_where(finding))}"
    return f"| {level} | `{finding.rule}` | {change} | {where} |"


def markdown(result: DiffResult) -> str:
    lines = [f"### Spec changes: `{_md(result.base)}` → `{_md(result.head)}`", "", f"**{result.summary}**", ""]
    api = [f for f in result.findings if f.section == "api"]
    sdk = [f for f in result.findings if f.section == "sdk"]
    header = ["| Level | Rule | Change | Where |", "| --- | --- | --- | --- |"]
    for subject, findings in _groups(api).items():
        marker = " (breaking)" if any(f.level is Level.ERR for f in findings) else ""
        lines += [f"#### `{_md(subject)}`{marker}", "", *header, *(_md_row(f) for f in findings), ""]
    lines += ["#### SDK surface", ""]
    if result.sdk_skipped:
        lines.append(f"Not compared: sdkgen cannot generate an SDK from these documents. {_md(result.sdk_skipped)}")
    elif sdk:
        lines += ["What this change does to the generated SDK's public API:", "", *header]
        lines += [_md_row(f) for f in sdk]
    else:
        lines.append("No change to the generated SDK's public API.")
    lines.append("")
    acceptable = [f.key for f in result.findings if f.level >= Level.WARN]
    if acceptable:
        lines += [
            "<details><summary>Accepting a change on purpose</summary>",
            "",
            "Add its line to the ignore file (`spec/.breaking-ignore`):",
            "",
            "```",
            *acceptable,
            "```",
            "</details>",
            "",
        ]
    return "\n".join(lines + _unused(result))


def _text_lines(findings: list[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"  {finding.level.name:<4} {finding.rule}: {finding.message}")
        if finding.note:
            lines.append(f"       note: {finding.note}")
        lines.append(f"       at {finding.pointer} ({_where(finding)})")
    return lines


def text(result: DiffResult) -> str:
    lines = [result.summary]
    for subject, findings in _groups([f for f in result.findings if f.section == "api"]).items():
        lines += [subject, *_text_lines(findings)]
    sdk = [f for f in result.findings if f.section == "sdk"]
    if result.sdk_skipped:
        lines += ["SDK surface", f"  not compared: sdkgen cannot generate an SDK: {result.sdk_skipped}"]
    elif sdk:
        lines += ["SDK surface", *_text_lines(sdk)]
    return "\n".join(lines + _unused(result)) + "\n"


def as_json(result: DiffResult) -> str:
    def record(finding: Finding, accepted: bool) -> dict[str, object]:
        return {
            "rule": finding.rule,
            "level": finding.level.name,
            "section": finding.section,
            "subject": finding.subject,
            "message": finding.message,
            "note": finding.note or None,
            "pointer": finding.pointer,
            "defined_at": finding.defined_at,
            "file": finding.location.file,
            "line": finding.location.line,
            "key": finding.key,
            "accepted": accepted,
        }

    document = {
        "base": result.base,
        "head": result.head,
        "summary": {
            "changes": len(result.findings),
            "breaking": result.count(Level.ERR),
            "warnings": result.count(Level.WARN),
            "info": result.count(Level.INFO),
            "accepted": len(result.accepted),
        },
        "sdk_skipped": result.sdk_skipped or None,
        "findings": [record(f, False) for f in result.findings] + [record(f, True) for f in result.accepted],
        "unused_ignore_lines": [a.line for a in result.unused],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _data(value: str) -> str:
    """A workflow command's message, escaped (GitHub Actions' `escapeData`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(value: str) -> str:
    """A workflow command's property, escaped (`escapeProperty`)."""
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def github(result: DiffResult) -> str:
    """Workflow commands: one annotation per finding, on the line it names in the head document (a
    removal on the nearest line that is still there)."""
    kinds = {Level.ERR: "error", Level.WARN: "warning", Level.INFO: "notice"}
    lines = []
    for f in result.findings:
        location = f.head_location or f.location  # a removal is shown where it was, in the head
        where = f"file={_prop(location.file)},line={location.line},title={_prop(f.rule)}"
        lines.append(f"::{kinds[f.level]} {where}::{_data(f'{f.subject}: {f.message}')}")
    if result.sdk_skipped:
        lines.append(f"::warning title=SDK surface not compared::{_data(result.sdk_skipped)}")
    return "\n".join(lines + [result.summary]) + "\n"


def github_errors(diagnostics: list[Diagnostic]) -> str:
    """Workflow commands for documents that could not be compared, one per problem."""
    lines = []
    for d in diagnostics:
        where = f"file={_prop(d.location.file)},line={d.location.line},col={d.location.col},title=cannot compare"
        lines.append(f"::error {where}::{_data(d.message)}")
    return "\n".join(lines) + "\n"


def _unused(result: DiffResult) -> list[str]:
    return [
        f"note: ignore-file line {a.line} ({a.rule} {a.subject} {a.pointer}) matches no change" for a in result.unused
    ]


FORMATS: dict[str, Callable[[DiffResult], str]] = {
    "markdown": markdown,
    "text": text,
    "json": as_json,
    "github": github,
}
