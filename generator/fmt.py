"""Stage 6a: black over every generated Python file, one block at a time.

A module is cut before each top-level definition and each method of a top-level class that
follows a blank line, and each block is formatted on its own (a method inside a stand-in class
line); joined by the blank lines black puts between them, the blocks are what black makes of the
whole module (the tests hold every corpus output to that). Blocks let the machine's cores share one
large module, confine black's second pass (it reruns on any text it changed) to the blocks that
needed it, and let a regeneration take unchanged blocks from the previous output instead of
formatting them again. A cut inside a string or brackets leaves a block that does not parse;
the whole module is then formatted in one piece, so a cut can cost time, never correctness.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from concurrent.futures import Future

import black

from .diagnostics import Diagnostic, Location, SpecError
from .workers import worker_pool

LINE_LENGTH = 88  # the generated code's, also given to the templates and datamodel-code-generator
MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=LINE_LENGTH)
_DEFINITION = re.compile(r"(?:class|def|async def)\s|@")
_MEMBER_INDENT = "    "
_MEMBER_WRAPPER = "class _:\n"  # gives a method black formats on its own the context of its class
_BATCH_CHARS = 48 * 1024  # blocks sent to a worker together, to keep per-task overhead small
_PARALLEL_ABOVE_CHARS = 128 * 1024
_KEY_SALT = f"black {black.__version__} {MODE!r}\0"


def split_blocks(source: str) -> list[str]:
    """`source` cut before each definition that a blank line separates from the code above it (not
    from a comment or decorator, which belong to it): top-level ones, and methods of top-level
    classes (blocks indented by four spaces); and before a top-level statement two blank lines
    below a closing bracket (the command line's declarations). A header of comment lines (the
    generated files name the spec's sha256 there) is a block of its own, so that a spec edit does
    not touch the next."""
    lines = source.splitlines(keepends=True)
    blocks: list[str] = []
    start = _header_end(lines)
    if start:
        blocks.append("".join(lines[:start]))
    blank_lines = 0
    previous = ""
    opener = ""  # the first line of the last top-level statement
    in_class = False
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.strip():
            blank_lines += 1
            continue
        top_level = _DEFINITION.match(line)
        member = in_class and line.startswith(_MEMBER_INDENT) and _DEFINITION.match(line, len(_MEMBER_INDENT))
        # A top-level statement two blank lines after one that closed its brackets: black keeps the
        # two, unless that one was an import.
        statement = blank_lines == 2 and previous.rstrip() == ")" and not line[0].isspace() and line[0] != "#"
        statement = statement and not opener.startswith(("from ", "import "))
        if blank_lines and index > start and (top_level or member or statement):
            if previous and not previous.lstrip().startswith(("#", "@")):
                blocks.append("".join(lines[start:index]))
                start = index
        if not line[0].isspace():
            in_class = line.startswith("class ")
            opener = line if line.rstrip() not in (")", "]", "}") else opener
        previous = line
        blank_lines = 0
    blocks.append("".join(lines[start:]))
    return blocks


def _header_end(lines: list[str]) -> int:
    """Where the module's leading comment lines and the blank lines after them end, when what
    follows is a statement black keeps those blank lines before (not a definition)."""
    end = 0
    while end < len(lines) and lines[end].startswith("#"):
        end += 1
    comments = end
    while end < len(lines) and not lines[end].strip() and end - comments < 2:
        end += 1
    following = lines[end] if end < len(lines) else ""
    if comments and following.strip() and not following[0].isspace() and not _DEFINITION.match(following):
        return end
    return 0


def block_key(block: str) -> str:
    """Names an unformatted block together with the black version and settings that format it."""
    return hashlib.sha256((_KEY_SALT + block).encode("utf-8")).hexdigest()[:32]


def _format_batch(blocks: list[str]) -> list[str | None]:
    """Each block formatted, or None for a block black cannot parse on its own."""
    formatted: list[str | None] = []
    for block in blocks:
        member = block.startswith(_MEMBER_INDENT)
        # Without the blank lines that separate it from the next block: text black would change,
        # and a changed text costs black a second pass.
        block = block.rstrip() + "\n"
        try:
            text = black.format_str(_MEMBER_WRAPPER + block if member else block, mode=MODE)
        except black.InvalidInput:
            formatted.append(None)
            continue
        if member:
            text = text.removeprefix(_MEMBER_WRAPPER)
        formatted.append(text if text.startswith(_MEMBER_INDENT) or not member else None)
    return formatted


def _separator(block: str, next_block: str) -> str:
    """Blank lines black puts between two unformatted blocks (after the first one's final newline)."""
    lines = block.splitlines()
    if all(line.startswith("#") for line in lines if line.strip()):  # the header: its own blank lines
        return "\n" * (len(lines) - len(block.rstrip().splitlines()))
    return "\n" if next_block.startswith(_MEMBER_INDENT) else "\n\n"


# (block key, formatted length) for each block of a formatted module, in order.
BlockIndex = list[tuple[str, int]]
# Where a module's block comes from: a formatted text, or (batch number, position in the batch).
_Slot = str | tuple[int, int]


class Formatter:
    """Formats modules as they are handed in, across a pool of worker processes.

    `reuse` maps block keys to formatted blocks from a previous output (see `reusable_blocks`).
    """

    def __init__(self, reuse: dict[str, str] | None = None, parallel: bool = True) -> None:
        self._reuse = reuse or {}
        workers = os.cpu_count() or 1
        self._pool = worker_pool(workers) if parallel and workers > 1 else None
        self._batches: list[Future[list[str | None]]] = []
        self._modules: dict[str, tuple[str, list[str], list[_Slot], list[str]]] = {}

    def submit(self, path: str, source: str) -> None:
        blocks = split_blocks(source)
        keys = [block_key(block) for block in blocks]
        slots: list[_Slot] = []
        pending: list[str] = []
        pending_chars = 0
        for block, key in zip(blocks, keys, strict=True):
            cached = self._reuse.get(key)
            if cached is not None:
                slots.append(cached)
                continue
            slots.append((len(self._batches), len(pending)))
            pending.append(block)
            pending_chars += len(block)
            if pending_chars >= _BATCH_CHARS:
                self._start(pending)
                pending, pending_chars = [], 0
        if pending:
            self._start(pending)
        separators = [_separator(block, following) for block, following in itertools.pairwise(blocks)] + [""]
        self._modules[path] = (source, keys, slots, separators)

    def _start(self, blocks: list[str]) -> None:
        if self._pool is not None:
            self._batches.append(self._pool.submit(_format_batch, blocks))
            return
        done: Future[list[str | None]] = Future()
        done.set_result(_format_batch(blocks))
        self._batches.append(done)

    def __enter__(self) -> Formatter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def results(self) -> tuple[dict[str, str], dict[str, BlockIndex]]:
        """Every module formatted, and the block index of each to record beside it."""
        formatted: dict[str, str] = {}
        indexes: dict[str, BlockIndex] = {}
        for path, (source, keys, slots, separators) in self._modules.items():
            formatted[path], indexes[path] = self._assemble(path, source, keys, slots, separators)
        return formatted, indexes

    def _assemble(
        self, path: str, source: str, keys: list[str], slots: list[_Slot], separators: list[str]
    ) -> tuple[str, BlockIndex]:
        blocks: list[str] = []
        for slot in slots:
            block = slot if isinstance(slot, str) else self._batches[slot[0]].result()[slot[1]]
            if block is None:
                return _format_whole(path, source), []
            blocks.append(block)
        joined = [block + separator for block, separator in zip(blocks, separators, strict=True)]
        return "".join(joined), [(key, len(text)) for key, text in zip(keys, joined, strict=True)]


def _format_whole(path: str, source: str) -> str:
    try:
        return black.format_str(source, mode=MODE)
    except black.InvalidInput as exc:
        # A template or model produced invalid Python: a generator bug, not a user error.
        raise SpecError([Diagnostic(Location(path, 1, 1), "", f"generated code does not parse: {exc}")]) from None


def reusable_blocks(previous: dict[str, str], indexes: dict[str, BlockIndex]) -> dict[str, str]:
    """Formatted blocks by key, cut from the modules of a previous output by their recorded index.

    The caller passes only modules whose content still matches the sha256 the output recorded."""
    reuse: dict[str, str] = {}
    for path, index in indexes.items():
        text = previous.get(path)
        if text is None or sum(length for _, length in index) != len(text):
            continue
        offset = 0
        for key, length in index:
            block = text[offset : offset + length]
            offset += length
            reuse[key] = block.rstrip("\n") + "\n"  # without the blank lines that separate it
    return reuse


def format_tree(
    files: dict[str, str], reuse: dict[str, str] | None = None
) -> tuple[dict[str, str], dict[str, BlockIndex]]:
    """Every Python file in `files` formatted (other files as they are), with the block indexes."""
    sources = {path: text for path, text in files.items() if path.endswith(".py")}
    with Formatter(reuse, parallel=sum(map(len, sources.values())) > _PARALLEL_ABOVE_CHARS) as formatter:
        for path, text in sources.items():
            formatter.submit(path, text)
        formatted, indexes = formatter.results()
    return {**files, **formatted}, indexes
