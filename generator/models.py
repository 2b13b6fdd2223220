"""Stage 4: pydantic v2 models from the spec's schemas, by datamodel-code-generator's Python API.

The generated module is then read back with `ast` (never imported or executed) to learn each
class's fields, their Python names and annotations, so that operation signatures agree exactly
with the models that validate them.
"""

from __future__ import annotations

import ast
import json
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import datamodel_code_generator as dcg

from . import TEMPLATES, model_fixes
from .dependencies import oldest_anywhere, version_tuple
from .diagnostics import SpecError
from .fmt import LINE_LENGTH
from .load import SpecDocument
from .model_input import model_input
from .names import snake

MODEL_TEMPLATES = TEMPLATES / "models"

# Names an annotation may use that need no import.
BUILTIN_NAMES = frozenset({"str", "int", "float", "bool", "bytes", "list", "dict", "None", "object"})


@dataclass(frozen=True)
class ModelField:
    py_name: str
    wire_name: str
    annotation: str
    required: bool
    description: str = ""


@dataclass(frozen=True)
class ModelClass:
    name: str
    fields: dict[str, ModelField]  # by wire name
    enum_values: tuple[str, ...] | None = None  # set for string enums
    open_enum: bool = False
    description: str = ""


@dataclass(frozen=True)
class ModelsModule:
    source: str
    classes: dict[str, ModelClass]
    # The class datamodel-code-generator made for each schema, by JSON pointer (`/components/schemas/Pet`),
    # from its model metadata. A schema it inlined where used (a union, a list) has none.
    schema_classes: dict[str, str] = field(default_factory=dict)
    # What they were made from: the spec with its inline body and response schemas under components.
    document: SpecDocument | None = None

    def field(self, class_name: str, wire_name: str) -> ModelField:
        return self.classes[class_name].fields[wire_name]


# String formats whose pydantic types the SDK does not use: `uri` (AnyUrl appends a `/`), `email`
# (EmailStr needs the email-validator package), `password` (SecretStr hides the value it sends),
# `byte` (Base64Str hands back the decoded text), `path` and `ulid` (local paths, another package),
# `duration` (timedelta has no months or years: `P1M` would come back as `P30D`).
# Their values stay the strings the API sends and takes; the spec's other constraints still apply.
STRING_FORMATS = tuple(
    f"string+{name}=string" for name in ("uri", "email", "idn-email", "password", "byte", "path", "ulid", "duration")
)
# `format: decimal` on a number: pydantic's Decimal is written to JSON as a string, which a number
# field refuses; a float is sent as the number the API takes.
NUMBER_FORMATS = ("number+decimal=number",)


def model_target(pydantic: str) -> dcg.TargetPydanticVersion:
    """The newest datamodel-code-generator target whose code runs on this pydantic release.

    Its default is the newest pydantic's forms (`Field(deprecated=True)` needs 2.7, and is an
    import-time warning before it); the target `2` writes what pydantic 2.0.3 and later accept."""
    targets = [t for t in dcg.TargetPydanticVersion if version_tuple(t.value) <= version_tuple(pydantic)]
    if not targets or version_tuple(pydantic) < (2, 0, 3):
        raise ValueError(f"datamodel-code-generator writes no models for pydantic {pydantic}")
    return max(targets, key=lambda t: version_tuple(t.value))


def generate_models(doc: SpecDocument, header: str) -> ModelsModule:
    config = dcg.GenerateConfig(
        input_file_type=dcg.InputFileType.OpenAPI,
        output_model_type=dcg.DataModelType.PydanticV2BaseModel,
        preset="standard-py310-20261027",
        naming_strategy="full-path",
        use_double_quotes=True,
        use_schema_description=True,
        use_field_description=True,
        use_typed_nullable_map_values=True,
        type_mappings=[*STRING_FORMATS, *NUMBER_FORMATS],
        extra_fields="allow",
        treat_dot_as_module=False,
        custom_template_dir=MODEL_TEMPLATES,
        custom_file_header=header,
        settings_path=MODEL_TEMPLATES,  # its pyproject.toml, not the working directory's
        builtin_format_line_length=LINE_LENGTH,
        target_pydantic_version=model_target(oldest_anywhere("pydantic")),
        # A oneOf member narrowing an inherited enum property to one value: `Literal[Kind.a]`, a
        # subtype of the base's `Kind`, where `Literal["a"]` would be an incompatible override.
        use_enum_values_in_discriminator=True,
    )
    if not (doc.data.get("components") or {}).get("schemas"):
        # Nothing to model (datamodel-code-generator refuses an empty input): a module with no classes.
        return ModelsModule(source=header + "\n\nfrom __future__ import annotations\n", classes={}, document=doc)
    rewritten = model_input(doc.data)
    with tempfile.TemporaryDirectory(prefix="sdkgen-models-") as folder:
        metadata_path = Path(folder) / "models.json"
        try:
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                source = dcg.generate(
                    json.dumps(rewritten.data),
                    config=config.model_copy(update={"emit_model_metadata": metadata_path}),
                )
        except dcg.Error as exc:
            raise SpecError([doc.diagnostic("/components/schemas", f"model generation failed: {exc}")]) from None
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    if not isinstance(source, str):
        raise SpecError([doc.diagnostic("/components/schemas", "model generation produced several modules")])
    renamed = tuple(
        replace(
            doc.diagnostic(pointer, f"property {name!r} is the field {field_name!r}: {kept!r} keeps {snake(name)!r}"),
            severity="warning",
        )
        for pointer, name, kept, field_name in rewritten.renamed
    ) + tuple(
        replace(
            doc.diagnostic(pointer, f"pattern {pattern!r} is not enforced: {reason}", "the server still checks it"),
            severity="warning",
        )
        for pointer, pattern, reason in rewritten.unenforced
    )
    source = model_fixes.fixed(source)
    classes = schema_classes(metadata)
    noted = tuple(
        replace(doc.diagnostic(pointer, message), severity="warning")
        for pointer, message in model_fixes.notes([str(w.message) for w in said], classes)
    )
    return ModelsModule(
        source=source,
        classes=index_classes(source),
        schema_classes=classes,
        document=replace(doc, warnings=(*doc.warnings, *renamed, *noted)),
    )


def schema_classes(metadata: dict[str, Any]) -> dict[str, str]:
    """JSON pointer of each schema -> its class, from datamodel-code-generator's model metadata.

    Its first class for a schema is the one the rest of the module refers to."""
    found: dict[str, str] = {}
    for model in metadata.get("models") or []:
        ref = str(model.get("source_ref") or "")
        if ref.startswith("#/"):
            found.setdefault(ref[1:], str(model["class_name"]))
    return found


def index_classes(source: str) -> dict[str, ModelClass]:
    tree = ast.parse(source)
    # A class with a field named `list` (or `date`) refers to the type by an alias
    # (`from builtins import list as list_aliased`): annotations are recorded by the type's own name.
    aliases = {
        alias.asname: alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname
    }
    classes: dict[str, ModelClass] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, ModelField] = {}
        if any(isinstance(base, ast.Name) and base.id == "Enum" for base in node.bases):
            values = tuple(
                str(s.value.value)
                for s in node.body
                if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
            )
            is_open = any(isinstance(s, ast.FunctionDef) and s.name == "_missing_" for s in node.body)
            classes[node.name] = ModelClass(node.name, {}, values, is_open, _doc(ast.get_docstring(node)))
            continue
        for index, statement in enumerate(node.body):
            if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
                continue
            py_name = statement.target.id
            if py_name == "model_config":
                continue
            annotation, alias = _unwrap(statement.annotation, aliases)
            fields[alias or py_name] = ModelField(
                py_name=py_name,
                wire_name=alias or py_name,
                annotation=ast.unparse(annotation),
                required=statement.value is None,
                description=_doc(_string_after(node.body, index)),
            )
        inherited: dict[str, ModelField] = {}
        for base in node.bases:  # allOf with a $ref: the parts' fields are the base classes'
            if isinstance(base, ast.Name) and base.id in classes:
                inherited = {**classes[base.id].fields, **inherited}
        for wire_name in set(inherited) & set(fields):
            del inherited[wire_name]  # redeclared here: its place and type are this class's
        fields = {**inherited, **fields}
        classes[node.name] = ModelClass(node.name, fields, description=_doc(ast.get_docstring(node)))
    return classes


def _string_after(body: list[ast.stmt], index: int) -> str | None:
    """The docstring datamodel-code-generator writes under a field, if any."""
    following = body[index + 1] if index + 1 < len(body) else None
    if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
        return str(following.value.value)
    return None


def _doc(text: str | None) -> str:
    return " ".join((text or "").split())


def _unwrap(annotation: ast.expr, aliases: dict[str, str]) -> tuple[ast.expr, str | None]:
    """`Annotated[T, Field(alias="x")]` -> (T, "x"), with inner `Annotated`s stripped too and
    imported names as they are known without their alias."""
    alias: str | None = None
    if _is_annotated(annotation):
        assert isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple)
        for meta in annotation.slice.elts[1:]:
            if isinstance(meta, ast.Call):
                for keyword in meta.keywords:
                    if keyword.arg in ("alias", "validation_alias") and isinstance(keyword.value, ast.Constant):
                        alias = str(keyword.value.value)
    return _StripAnnotated(aliases).visit(annotation), alias


def _is_annotated(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Annotated"
        and isinstance(node.slice, ast.Tuple)
    )


class _StripAnnotated(ast.NodeTransformer):
    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    def visit_Name(self, node: ast.Name) -> Any:
        return ast.Name(self.aliases.get(node.id, node.id))

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        if _is_annotated(node):
            assert isinstance(node.slice, ast.Tuple)
            return self.visit(node.slice.elts[0])
        return self.generic_visit(node)


def accept_enum_values(annotation: str, classes: dict[str, ModelClass]) -> str:
    """Lets arguments typed by an enum class also take its values as plain strings.

    A closed enum accepts `Literal[...]` of its values; an open one accepts any `str`.
    """

    class Widen(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> Any:
            model = classes.get(node.id)
            if model is None or model.enum_values is None:
                return node
            if model.open_enum or not model.enum_values:
                extra: ast.expr = ast.Name("str")
            else:
                values = [ast.Constant(v) for v in model.enum_values]
                extra = ast.Subscript(ast.Name("Literal"), ast.Tuple(values) if len(values) > 1 else values[0])
            return ast.BinOp(node, ast.BitOr(), extra)

    tree = Widen().visit(ast.parse(annotation, mode="eval"))
    return ast.unparse(tree)


def enum_class(annotation: str, classes: dict[str, ModelClass]) -> ModelClass | None:
    """The string enum an annotation is (`Resolution`, `Resolution | None`), if it is one."""
    members = [
        m
        for m in _union_members(ast.parse(annotation, mode="eval").body)
        if not (isinstance(m, ast.Constant) and m.value is None)
    ]
    if len(members) != 1 or not isinstance(members[0], ast.Name):
        return None
    model = classes.get(members[0].id)
    return model if model is not None and model.enum_values else None


def qualify_models(annotation: str, classes: dict[str, ModelClass], module: str = "models") -> str:
    """`list[Pet]` -> `list[models.Pet]`: operations refer to models through their module, so a
    resource class can never shadow a model of the same name."""

    class Qualify(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> Any:
            if node.id in classes:
                return ast.Attribute(ast.Name(module), node.id)
            return node

        def visit_Constant(self, node: ast.Constant) -> Any:
            # `ast.unparse` quotes strings as `repr` does ('x'); black, which formats the result, prefers "x"
            text = node.value
            if isinstance(text, str) and text.isprintable() and not any(c in text for c in "\"'\\"):
                return ast.Name(f'"{text}"')
            return node

    return ast.unparse(Qualify().visit(ast.parse(annotation, mode="eval")))


def annotation_names(annotation: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(annotation, mode="eval")) if isinstance(node, ast.Name)}


def without_none(annotation: str) -> str:
    """`X | None` -> `X`: for arguments whose schema does not admit null."""
    tree = ast.parse(annotation, mode="eval").body
    members = _union_members(tree)
    kept = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
    if len(kept) == len(members) or not kept:
        return annotation
    return " | ".join(ast.unparse(m) for m in kept)


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def list_item(annotation: str) -> str | None:
    """`list[Pet] | None` -> `Pet`: the item type of a list annotation; None if it is no list."""
    members = [
        m
        for m in _union_members(ast.parse(annotation, mode="eval").body)
        if not (isinstance(m, ast.Constant) and m.value is None)
    ]
    if len(members) != 1 or not isinstance(members[0], ast.Subscript):
        return None
    container = members[0].value
    if not (isinstance(container, ast.Name) and container.id in ("list", "List", "Sequence")):
        return None
    return ast.unparse(members[0].slice)
