"""The stages in order: load, validate, models, IR, render, format. Writing is the caller's choice."""

from __future__ import annotations

from pathlib import Path

from . import ir
from .build import build_api
from .config import Config
from .fmt import format_tree
from .inputs import MANIFEST, inputs_digest, manifest
from .load import SpecDocument, load_spec
from .models import ModelsModule, generate_models
from .render import file_header, render_package
from .validate import validate


def check_spec(spec: Path, display_name: str | None = None) -> SpecDocument:
    doc = load_spec(spec, display_name)
    validate(doc)
    return doc


def build_ir(doc: SpecDocument, config: Config, spec_name: str) -> tuple[ir.Api, ModelsModule]:
    """The validated document as the IR the templates read, with the models index beside it."""
    models = generate_models(doc, header=file_header(spec_name, doc.sha256))
    return build_api(doc, models, config, spec_name), models


def generate_tree(spec: Path, config: Config, display_name: str | None = None) -> tuple[ir.Api, dict[str, str]]:
    """Every generated file, formatted, as relative path -> content; raises SpecError on a bad spec."""
    doc = check_spec(spec, display_name)
    spec_name = display_name or spec.name
    api, models = build_ir(doc, config, spec_name)
    files = format_tree(render_package(api, models))
    files[MANIFEST] = manifest(inputs_digest(spec.read_bytes(), spec_name, config), files)
    return api, files
