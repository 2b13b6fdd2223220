"""The stages in order: load, validate, models, IR, render, format. Writing is the caller's choice."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import ignore, ir
from .build import build_api
from .config import Config
from .diagnostics import SpecError
from .fmt import Formatter
from .inline import name_inline_schemas, wrap_unmodelled
from .inputs import MANIFEST, inputs_digest, manifest, referenced_files, reusable_output
from .load import SpecDocument, load_spec
from .models import ModelsModule, generate_models
from .normalize import normalized
from .notices import notices
from .render import file_header, render_package
from .validate import check_references, conforms, validate, validation_problems
from .workers import in_background

# Above this size, the models are generated in a forked process while this one validates: the two
# are the slowest stages before formatting, and independent once the references resolve.
PARALLEL_ABOVE_CHARS = 256 * 1024


def check_spec(spec: Path, display_name: str | None = None, sdk: bool = True) -> SpecDocument:
    """The loaded document, validated (`sdk=False`: as OpenAPI only, not for generating an SDK)."""
    doc = load_spec(spec, display_name)
    validate(doc, sdk=sdk)
    return doc


def build_ir(
    doc: SpecDocument, config: Config, spec_name: str, models: ModelsModule | None = None
) -> tuple[ir.Api, ModelsModule]:
    """The validated document as the IR the templates read, with the models index beside it."""
    models = models or model_stage(doc, header=file_header(spec_name, doc.sha256, config.regenerate(spec_name)))
    assert models.document is not None
    return build_api(models.document, models, config, spec_name), models


def model_stage(doc: SpecDocument, header: str) -> ModelsModule:
    """The models of `doc` (normalized), with inline body and response schemas named. A schema the
    models stage writes inline where it is used (a union, a list) and an operation returns or takes
    as a whole is given a class of its own, by a second run, so that every operation has one."""
    named = name_inline_schemas(normalized(doc))
    models = generate_models(named, header=header)
    wrapped = wrap_unmodelled(named, models.schema_classes)
    return models if wrapped is None else generate_models(wrapped, header=header)


def _validated_models(doc: SpecDocument, spec_name: str, config: Config) -> ModelsModule:
    """Validates `doc` and generates its models, side by side on a large document.

    A document that does not conform to the OpenAPI specification (the quick pass says so in
    about a second) is refused before any model is made. Otherwise, on a large document, the models
    are made in a forked worker while this process runs sdkgen's own checks, and the worker is
    stopped as soon as they find a problem: a refused document costs what `validate` costs."""
    check_references(doc)
    header = file_header(spec_name, doc.sha256, config.regenerate(spec_name))
    conforming = len(doc.text) > PARALLEL_ABOVE_CHARS and conforms(doc)
    if not conforming:
        problems = validation_problems(doc)
        if problems:
            raise SpecError(problems)
        return model_stage(doc, header=header)
    with in_background(lambda: model_stage(doc, header=header)) as models:
        problems = validation_problems(doc, conforming=True)
        if problems:
            raise SpecError(problems)
        return models()


def checked_api(
    spec: Path, config: Config, display_name: str | None = None, source_name: str | None = None
) -> tuple[SpecDocument, ir.Api, ModelsModule]:
    """Every check `generate` makes, up to the IR, with the notices: what `validate` runs."""
    doc = load_spec(spec, display_name)
    spec_name = source_name or display_name or spec.name
    models = _validated_models(doc, spec_name, config)
    api, models = build_ir(doc, config, spec_name, models)
    left_out = tuple(item.what for item in ignore.left_out(doc))
    return doc, replace(api, notices=(*notices(doc), *api.notices), left_out=left_out), models


def generate_tree(
    spec: Path,
    config: Config,
    display_name: str | None = None,
    previous: Path | None = None,
    source_name: str | None = None,
) -> tuple[ir.Api, dict[str, str]]:
    """Every generated file, formatted, as relative path -> content; raises SpecError on a bad spec.

    `display_name` names the spec in messages, `source_name` (default: the same) in the generated
    files. `previous` is an earlier output of sdkgen: the formatted blocks of its unedited modules
    are reused where their source has not changed (the result is the same either way)."""
    doc, api, models = checked_api(spec, config, display_name, source_name)
    spec_name = source_name or display_name or spec.name
    with Formatter(reusable_output(previous), parallel=len(doc.text) > PARALLEL_ABOVE_CHARS) as formatter:
        # The models, the largest module, are formatted while the rest is rendered.
        models_path = f"{api.names.package}/models.py"
        files = {models_path: models.source.rstrip("\n") + "\n"}
        formatter.submit(models_path, files[models_path])
        for path, content in render_package(api, models).items():
            files[path] = content
            if path.endswith(".py") and path != models_path:
                formatter.submit(path, content)
        formatted, blocks = formatter.results()
    files.update(formatted)
    referenced = referenced_files(spec, doc.referenced) or {}
    digest = inputs_digest(spec.read_bytes(), spec_name, config, referenced)
    files[MANIFEST] = manifest(digest, files, blocks, doc.referenced)
    return api, files
