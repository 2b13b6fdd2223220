"""The small documents of ../shared/cases, each standing for a kind of fault found in real documents,
with the right value each one's README gives. Requests are judged by Prism validating them against
the same document (`--errors`: a request the spec does not allow is answered 422), responses are
Prism's, made from the document's schemas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_generation import SHARED_CASES, type_check

from conftest import prism_serving
from generator.cli import main


def _generate(case: str | Path, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Generates the case into `out`, type-checked; returns what sdkgen wrote on stderr."""
    spec = case if isinstance(case, Path) else SHARED_CASES / case
    code = main(["generate", str(spec), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    package = next(p.parent.name for p in out.glob("*/__init__.py"))
    type_check(out, package)
    return err


def _run(out: Path, script: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=out, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def _warnings(err: str) -> list[tuple[str, str]]:
    lines = err.splitlines()
    return [
        (line.split(": warning: ", 1)[1], lines[i + 1].strip()) for i, line in enumerate(lines) if ": warning: " in line
    ]


UNION = """
import sys, inspect, one_of_list_and_item as sdk
from one_of_list_and_item import models
with sdk.OneOfListAndItem(server_url=sys.argv[1]) as client:
    print(inspect.signature(client.default.get_event).return_annotation)
    event = client.default.get_event("e1")
    print(isinstance(event, (models.StartEvent, models.EndEvent)))
    events = client.default.list_events()
    print(type(events).__name__, all(isinstance(e, (models.StartEvent, models.EndEvent)) for e in events))
"""


def test_a_union_used_in_a_list_and_alone_is_returned_as_its_members(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate("union-used-twice.yaml", tmp_path, capsys)
    with prism_serving(SHARED_CASES / "union-used-twice.yaml") as url:
        lines = _run(tmp_path, UNION, url)
    assert lines == ["models.StartEvent | models.EndEvent", "True", "list True"]


ALLOF = """
import sys, inspect, all_of_body_inherited as sdk
with sdk.AllOfBodyInherited(server_url=sys.argv[1]) as client:
    parameters = inspect.signature(client.default.create_pet).parameters
    print(sorted((n, p.default is p.empty) for n, p in parameters.items() if n in ("name", "tag", "owner_id")))
    print(client.default.with_response.create_pet(name="Rex", tag="dog", owner_id=7).status_code)
    try:
        client.default.create_pet(owner_id=7)
    except TypeError:
        print("name is required")
"""


def test_allof_request_bodies_take_every_merged_property(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _generate("allof-request-body.yaml", tmp_path, capsys)
    with prism_serving(SHARED_CASES / "allof-request-body.yaml") as url:
        lines = _run(tmp_path, ALLOF, url)
    assert lines == ["[('name', True), ('owner_id', False), ('tag', False)]", "204", "name is required"]


READ_WRITE = """
import sys, inspect, read_only_required_ref as sdk
from read_only_required_ref import models
with sdk.ReadOnlyRequiredRef(server_url=sys.argv[1]) as client:
    parameters = inspect.signature(client.default.create_ticket).parameters
    print(sorted((n, p.default is p.empty) for n, p in parameters.items() if n in ("id", "created_at", "title", "secret")))
    created = client.default.create_ticket(title="Broken", secret="s3")
    print(type(created).__name__, created.title is not None)
    print([type(t).__name__ for t in client.default.list_tickets()][:1])
# a response leaves out the writeOnly property, even where it is required
print(models.Ticket.model_validate({"id": 1, "createdAt": "2024-01-01T00:00:00Z", "title": "t"}).title)
"""


def test_read_only_and_write_only_properties_are_required_one_way_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = yaml.safe_load((SHARED_CASES / "readonly-required-in-request.yaml").read_text())
    spec["components"]["schemas"]["Ticket"]["required"].append("secret")  # writeOnly and required
    document = tmp_path / "tickets.yaml"
    document.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "sdk"
    _generate(document, out, capsys)
    with prism_serving(document) as url:
        lines = _run(out, READ_WRITE, url)
    assert lines == ["[('secret', True), ('title', True)]", "Ticket True", "['Ticket']", "t"]


FIELDS = """
from query_dotted_names import models
spool = models.Spool.model_validate({"id": 1, "vendor.name": "dotted", "vendor_name": "plain"})
print(spool.vendor_name, spool.vendor_name_1)
print(spool.model_dump_json(by_alias=True, exclude_unset=True))
"""


def test_a_property_named_as_python_would_keeps_its_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _generate("field-name-collision.yaml", tmp_path, capsys)
    assert _warnings(err) == [
        (
            "property 'vendor.name' is the field 'vendor_name_1': 'vendor_name' keeps 'vendor_name'",
            "at /components/schemas/Spool/properties/vendor.name",
        )
    ]
    assert _run(tmp_path, FIELDS) == ["plain dotted", '{"id":1,"vendor_name":"plain","vendor.name":"dotted"}']


ENUM_NULL = """
from enum_null_thirty_one import models
for priority in (None, "low"):
    task = models.Task.model_validate({"id": "t", "priority": priority})
    print(repr(task.priority), task.model_dump_json(by_alias=True))
"""


def test_a_31_enum_listing_null_parses_null_to_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _generate("enum-with-null-3.1.yaml", tmp_path, capsys)
    assert _run(tmp_path, ENUM_NULL) == [
        'None {"id":"t","priority":null}',
        '<TaskPriority.low: \'low\'> {"id":"t","priority":"low"}',
    ]


DISCRIMINATOR = """
import sys, pydantic, discriminator_all_of_base as sdk
from discriminator_all_of_base import models
try:
    models.RequestV1.model_validate({"version": "v2", "requestId": "r"})
except pydantic.ValidationError:
    print("v1 refuses v2")
with sdk.DiscriminatorAllOfBase(server_url=sys.argv[1]) as client:
    # a v2 body also matches RequestV1 (its base's enum allows v2), which a strict oneOf refuses
    print(type(client.default.submit_request(body={"version": "v1", "requestId": "r"})).__name__)
"""


def test_a_member_narrowing_an_inherited_enum_is_type_clean_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate("discriminator-narrows-inherited-enum.yaml", tmp_path, capsys)
    with prism_serving(SHARED_CASES / "discriminator-narrows-inherited-enum.yaml") as url:
        lines = _run(tmp_path, DISCRIMINATOR, url)
    assert lines[0] == "v1 refuses v2"
    assert lines[1] in ("RequestV1", "RequestV2")


NOT_NULLABLE = """
import sys, not_nullable as sdk
from not_nullable import models
print(models.ClientError.model_validate({}).model_dump_json(by_alias=True, exclude_unset=True))
with sdk.NotNullable(server_url=sys.argv[1]) as client:
    print(type(client.default.get_error().status).__name__)
"""


def test_nullable_false_on_an_optional_property(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _generate("nullable-false-optional.yaml", tmp_path, capsys)
    with prism_serving(SHARED_CASES / "nullable-false-optional.yaml") as url:
        assert _run(tmp_path, NOT_NULLABLE, url) == ["{}", "int"]


def test_tags_whose_classes_sort_differently_by_case_are_ruff_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate("tag-sort-case.yaml", tmp_path, capsys)  # ruff (its isort rules) runs in type_check


TAKEN = """
import sys, taken_name as sdk
from taken_name import models
print(sorted(n for n in vars(models) if n.startswith("AddFollowersRequest")))
with sdk.TakenName(server_url=sys.argv[1]) as client:
    print(client.default.with_response.add_followers("g1", data={"followers": "a,b"}).status_code)
"""


def test_an_inline_schema_whose_name_is_taken_gets_a_stable_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _generate("inline-body-name-taken.yaml", tmp_path, capsys)
    assert _warnings(err) == [
        (
            "this schema's model is named 'AddFollowersRequestBody': 'AddFollowersRequest' is already "
            "#/components/schemas/AddFollowersRequest",
            "at /paths/~1goals~1{goal_gid}~1addFollowers/post/requestBody/content/application~1json/schema",
        )
    ]
    with prism_serving(SHARED_CASES / "inline-body-name-taken.yaml") as url:
        assert _run(tmp_path, TAKEN, url) == ["['AddFollowersRequest', 'AddFollowersRequestBody']", "200"]


SHADOW = """
import sys, shadow as sdk
with sdk.Shadow(server_url=sys.argv[1]) as client:
    print(client.default.with_response.add_tracks("p1", uris="spotify:x", {body}=["spotify:a"]).status_code)
    try:  # the query string where the body's list belongs
        client.default.add_tracks("p1", uris=["spotify:a"], {body}="spotify:x")  # type: ignore
    except Exception as exc:
        print(type(exc).__name__)
"""


@pytest.mark.parametrize("sdk_name", [None, "uri_filter"])
def test_a_body_property_and_a_parameter_sharing_a_name(
    sdk_name: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = yaml.safe_load((SHARED_CASES / "body-property-and-query-param.yaml").read_text())
    query = spec["paths"]["/playlists/{playlist_id}/tracks"]["post"]["parameters"][1]
    if sdk_name:
        query["x-sdk-name"] = sdk_name
    document = tmp_path / "shadow.yaml"
    document.write_text(yaml.safe_dump(spec, sort_keys=False))
    err = _generate(document, tmp_path / "sdk", capsys)
    if sdk_name:
        assert _warnings(err) == []
        script = SHADOW.replace("uris=", f"{sdk_name}=").replace("{body}", "uris")
    else:
        assert _warnings(err) == [
            (
                "the body property 'uris' is the argument 'uris_body': 'uris' is the query parameter 'uris'",
                "at /paths/~1playlists~1{playlist_id}~1tracks/post/requestBody",
            )
        ]
        script = SHADOW.replace("{body}", "uris_body")
    with prism_serving(document) as url:
        lines = _run(tmp_path / "sdk", script, url)
    assert lines[0] == "201"
    assert lines[1] in ("RequestValidationError", "UnprocessableContentError")  # refused, before or by the server


def test_standard_json_with_a_surrogate_pair_escape_generates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.load import load_spec

    case = SHARED_CASES / "json-surrogate-escape.json"
    doc = load_spec(case)
    example = doc.data["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    assert example == {"body": "Hello! \N{THUMBS UP SIGN}"}
    _generate(case, tmp_path, capsys)


def test_an_error_body_of_a_union_without_a_class_keeps_its_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same union as the body of a 404: the error class has no typed `.data`, and nothing is refused."""
    spec = yaml.safe_load((SHARED_CASES / "union-used-twice.yaml").read_text())
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}
    spec["paths"]["/events/{id}"]["get"]["responses"]["404"] = {"description": "Gone", "content": content}
    document = tmp_path / "events.yaml"
    document.write_text(yaml.safe_dump(spec, sort_keys=False))
    _generate(document, tmp_path / "sdk", capsys)
    errors = (tmp_path / "sdk" / "one_of_list_and_item" / "errors.py").read_text()
    not_found = errors.split("class NotFoundError(APIError):", 1)[1].split("\n\n\n", 1)[0]
    assert '"""Gone (HTTP 404)"""' in not_found and "def data(" not in not_found
