"""Which `allOf`/`anyOf`/`oneOf` members of two versions of a schema are the same member."""

from __future__ import annotations

from typing import Any

from ..diagnostics import join_pointer
from .context import DiffContext
from .equivalence import canonical, same_values


def member_name(member: Any, index: int) -> str:
    """How a report names a member: its `$ref`, else its position (and `title`)."""
    ref = member.get("$ref") if isinstance(member, dict) else None
    if isinstance(ref, str):
        return ref
    title = member.get("title") if isinstance(member, dict) else None
    return f"#{index}: {title}" if isinstance(title, str) else f"#{index}"


def match_subschemas(
    ctx: DiffContext, old: list[Any], old_pointer: str, new: list[Any], new_pointer: str, keyword: str
) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """(added, removed, matched) members of an `allOf`/`anyOf`/`oneOf`, by index, matched as oasdiff
    matches them: a `$ref` with the same `$ref`; an inline member with an identical one, else one
    with the same `title`, else the last inline member left on each side with the last on the other.
    An inline member and a `$ref` that validate the same are a refactor, not a change (`anyOf`/`oneOf`).
    """
    matched: list[tuple[int, int]] = []
    refs_new = {i: m["$ref"] for i, m in enumerate(new) if _is_ref(m)}
    for i, member in enumerate(old):
        if _is_ref(member):
            j = next((j for j, ref in refs_new.items() if ref == member["$ref"]), None)
            if j is not None:
                matched.append((i, j))
                del refs_new[j]
    inline_old = [i for i, m in enumerate(old) if not _is_ref(m)]
    inline_new = [j for j, m in enumerate(new) if not _is_ref(m)]
    new_keys = {j: canonical(new[j]) for j in inline_new}
    old_keys = {i: canonical(old[i]) for i in inline_old}
    removed_inline = [i for i in inline_old if old_keys[i] not in new_keys.values()]
    added_inline = [j for j in inline_new if new_keys[j] not in old_keys.values()]
    for i in list(removed_inline):
        title = old[i].get("title") if isinstance(old[i], dict) else None
        if title is None:
            continue
        j = next((j for j in added_inline if isinstance(new[j], dict) and new[j].get("title") == title), None)
        if j is not None:
            matched.append((i, j))
            removed_inline.remove(i)
            added_inline.remove(j)
    untitled_old = [i for i in removed_inline if not (isinstance(old[i], dict) and "title" in old[i])]
    untitled_new = [j for j in added_inline if not (isinstance(new[j], dict) and "title" in new[j])]
    if len(removed_inline) == len(added_inline) == 1 and untitled_old and untitled_new:
        matched.append((removed_inline.pop(), added_inline.pop()))
    matched_old = {i for i, _ in matched}
    matched_new = {j for _, j in matched}
    removed = sorted({i for i, m in enumerate(old) if _is_ref(m) and i not in matched_old} | set(removed_inline))
    added = sorted({j for j, m in enumerate(new) if _is_ref(m) and j not in matched_new} | set(added_inline))
    if keyword != "allOf":
        for i in list(removed):
            for j in added:
                old_at, new_at = join_pointer(old_pointer, keyword, i), join_pointer(new_pointer, keyword, j)
                if _is_ref(old[i]) != _is_ref(new[j]) and same_values(
                    ctx.base, old[i], old_at, ctx.head, new[j], new_at
                ):
                    removed.remove(i)
                    added.remove(j)
                    break
    return added, removed, matched


def _is_ref(member: Any) -> bool:
    return isinstance(member, dict) and isinstance(member.get("$ref"), str)
