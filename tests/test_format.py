"""Formatting in blocks: the result is byte for byte what black makes of each whole module, and a
regeneration that reuses blocks from the previous output equals a run from scratch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import black
import pytest
import yaml

from generator import fmt, render
from generator.config import Config, load_config
from generator.inputs import MANIFEST
from generator.load import load_spec
from generator.pipeline import _validated_models, build_ir, generate_tree
from generator.render import render_package
from generator.write import write_tree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from large_spec import large_spec  # noqa: E402

SPECS = {
    "modelgates": ROOT / "spec" / "modelgates-videos.yaml",
    **{path.stem: path for path in sorted((ROOT / "tests" / "corpus").glob("*.yaml")) if path.name != "manifest.yaml"},
}


@pytest.fixture(scope="module")
def medium_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = tmp_path_factory.mktemp("medium") / "medium.yaml"
    spec.write_text(yaml.safe_dump(large_spec(operations=40, schemas=120, tags=4), sort_keys=False))
    return spec


def rendered(spec: Path) -> dict[str, str]:
    doc = load_spec(spec, spec.name)
    config = load_config(ROOT / "spec" / "sdkgen.yaml") if spec == SPECS["modelgates"] else Config()
    api, models = build_ir(doc, config, spec.name, _validated_models(doc, spec.name, config))
    return {path: text for path, text in render_package(api, models).items() if path.endswith(".py")}


@pytest.mark.parametrize("name", [*SPECS, "medium"])
def test_blocks_format_to_what_black_makes_of_the_whole_module(name: str, medium_spec: Path) -> None:
    sources = rendered(medium_spec if name == "medium" else SPECS[name])
    formatted, indexes = fmt.format_tree(sources)
    for path, source in sources.items():
        assert formatted[path] == black.format_str(source, mode=fmt.MODE), path
        assert sum(length for _, length in indexes[path]) == len(formatted[path]), path
    assert any(len(index) > 5 for index in indexes.values()), "large modules are cut into blocks"


def test_blocks_are_cut_only_between_top_level_statements() -> None:
    source = "X = 1\n\n\nclass A:\n    pass\n\n# about B\n\nclass B:\n    pass\n\n\n@decorated\n\ndef f():\n    pass\n"
    assert fmt.split_blocks(source) == [
        "X = 1\n\n\n",
        "class A:\n    pass\n\n# about B\n\nclass B:\n    pass\n\n\n",
        "@decorated\n\ndef f():\n    pass\n",
    ]


def test_top_level_declarations_two_blank_lines_apart_are_blocks() -> None:
    source = "from m import (\n    a,\n)\n\n\nA = f(\n    1,\n)\n\n\nB = f(\n    2,\n)\nC = (A, B)\n"
    blocks = fmt.split_blocks(source)
    # after an import black keeps a single blank line, so that one is no place to cut
    assert blocks == ["from m import (\n    a,\n)\n\n\nA = f(\n    1,\n)\n\n\n", "B = f(\n    2,\n)\nC = (A, B)\n"]
    formatted, _ = fmt.format_tree({"m.py": source})
    assert formatted["m.py"] == black.format_str(source, mode=fmt.MODE)


@pytest.mark.parametrize(
    ("source", "header"),
    [
        ('# a\n# b\n\n"""Doc."""\n\nimport x\n', "# a\n# b\n\n"),
        ('# a\n"""Doc."""\n', "# a\n"),
        ("# a\n\n\nimport x\n\n\nclass A:\n    x=1\n", "# a\n\n\n"),
        ("# a\n\nclass A:\n    pass\n", None),  # black puts two blank lines before a definition
        ("# a\n\n\n\nimport x\n", None),  # and no more than two anywhere
    ],
)
def test_a_comment_header_is_a_block_of_its_own(source: str, header: str | None) -> None:
    blocks = fmt.split_blocks(source)
    assert (blocks[0] == header) if header else len(blocks) == 1
    formatted, _ = fmt.format_tree({"m.py": source})
    assert formatted["m.py"] == black.format_str(source, mode=fmt.MODE)


def test_a_cut_inside_a_string_falls_back_to_the_whole_module() -> None:
    source = 'TEXT = """\n\nclass NotCode:\n"""\n\n\nclass A:\n  x=1\n'
    assert len(fmt.split_blocks(source)) == 3  # one cut lands inside the string
    formatted, indexes = fmt.format_tree({"m.py": source})
    assert formatted["m.py"] == black.format_str(source, mode=fmt.MODE)
    assert indexes["m.py"] == []  # nothing recorded for reuse


def generate(spec: Path, output: Path, previous: Path | None = None) -> dict[str, str]:
    _, files = generate_tree(spec, Config(), spec.name, previous=previous)
    write_tree(files, output)
    return files


def test_regeneration_reuses_unchanged_blocks_and_equals_a_cold_run(
    medium_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(medium_spec, tmp_path / "out")
    changed = tmp_path / "medium.yaml"
    changed.write_text(medium_spec.read_text().replace("description: Record 5\n", "description: Record five\n", 1))

    formatted: list[str] = []
    original = fmt._format_batch
    monkeypatch.setattr(fmt, "_format_batch", lambda blocks: formatted.extend(blocks) or original(blocks))
    incremental = generate(changed, tmp_path / "out", previous=tmp_path / "out")
    reformatted = list(formatted)
    formatted.clear()
    cold = generate(changed, tmp_path / "cold")

    assert incremental == cold
    assert "Record five" in incremental["large_api/models.py"]
    indexes = json.loads(cold[MANIFEST])["blocks"]
    assert len(formatted) == sum(len(index) for index in indexes.values())
    # Beyond the comment header of each module, which names the spec's sha256, only the changed
    # model and the resource methods whose docstrings name it.
    headers = [block for block in reformatted if all(line.startswith("#") for line in block.strip().splitlines())]
    assert 0 < len(headers) <= len(indexes)
    code = [block for block in reformatted if block not in headers]
    assert 0 < len(code) <= 2, "\n---\n".join(block[:200] for block in code)
    assert sum(map(len, reformatted)) < sum(map(len, formatted)) / 50


def test_hand_edited_modules_are_not_reused(medium_spec: Path, tmp_path: Path) -> None:
    cold = generate(medium_spec, tmp_path / "out")
    resources = tmp_path / "out" / "large_api" / "resources.py"
    resources.write_text(resources.read_text().replace("def list_r000(", "def list_r000_edited(", 1))
    again = generate(medium_spec, tmp_path / "out", previous=tmp_path / "out")
    assert again == cold


def test_methods_of_top_level_classes_are_blocks_of_their_own() -> None:
    source = (
        "class A:\n"
        '    """Doc."""\n'
        "\n"
        "    def f(self):\n"
        "        def inner():\n"
        "            pass\n"
        "\n"
        "        return inner\n"
        "\n"
        "    # about g\n"
        "    def g(self):\n"
        "        pass\n"
        "\n"
        "    @property\n"
        "    def h(self):\n"
        "        return 1\n"
    )
    blocks = fmt.split_blocks(source)
    assert [block.splitlines()[0] for block in blocks] == ["class A:", "    def f(self):", "    @property"]
    formatted, _ = fmt.format_tree({"m.py": source})
    assert formatted["m.py"] == black.format_str(source, mode=fmt.MODE)


@pytest.mark.parametrize(
    "hint",
    [
        "int | NotGiven",
        'models.S0000 | Literal["s0_0", "s0_1", "s0_2", "s0_3"] | NotGiven',
        'models.S0000 | Literal["s0_0", "s0_1", "s0_2", "s0_3", "s0_4", "s0_5", "s0_6", "s0_7"] | NotGiven',
    ],
)
@pytest.mark.parametrize("default", [None, "NOT_GIVEN"])
def test_long_parameters_are_wrapped_as_black_wraps_them(hint: str, default: str | None) -> None:
    source = f"def f(\n    *,\n    {render.parameter('some_long_parameter_name', hint, default, indent=4)}\n) -> None:\n    pass\n"
    assert black.format_str(source, mode=fmt.MODE) == source


@pytest.mark.parametrize("count", [1, 3, 6])
def test_calls_are_laid_out_as_black_lays_them_out(count: int) -> None:
    arguments = [f'"argument number {n}"' for n in range(count)]
    source = f"X = [\n    {render.call('Arg', arguments, 4)}\n]\n"  # the trailing comma keeps the list exploded
    assert black.format_str(source, mode=fmt.MODE) == source


def test_runtime_sources_need_no_formatting() -> None:
    for source in sorted((ROOT / "templates" / "runtime").glob("*.py")):
        text = source.read_text(encoding="utf-8")
        assert black.format_str(text, mode=fmt.MODE) == text, f"{source.name}: run black -l 88 -t py310 on it"
