"""Names derived from a spec: valid, not shadowing what the SDK or Python already has, stable."""

from __future__ import annotations

import json
import keyword
import pkgutil
import sys
import sysconfig
from pathlib import Path

import pytest

from generator.config import Config, load_config
from generator.diagnostics import SpecError
from generator.names import (
    KEYWORDS,
    SOFT_KEYWORDS,
    argument_name,
    operation_basis,
    reserved_modules,
    resource_names,
    snake,
)


@pytest.mark.parametrize(
    ("title", "package", "client_class"),
    [
        ("Swagger Petstore", "swagger_petstore", "SwaggerPetstore"),
        ("Calendar", "calendar_api", "Calendar"),  # `calendar` is a standard library module
        ("Test", "test_api", "Test"),  # the standard library's `test` package
        ("Charset Normalizer", "charset_normalizer_api", "CharsetNormalizer"),  # of the oldest httpx releases
        ("httpx", "httpx_api", "Httpx"),  # a runtime dependency of the SDK
        ("API", "api", "APIClient"),  # `APIError` is a built-in error class
        ("Download", "download", "DownloadClient"),
        ("3D Printing", "api_3_d_printing", "API3DPrinting"),
        ("日本語", "api", "APIClient"),
        ("import", "import_", "Import"),
    ],
)
def test_names_derived_from_the_title(title: str, package: str, client_class: str) -> None:
    names = Config().names_for(title, "1.0")
    assert (names["package"], names["client_class"]) == (package, client_class)
    assert names["package"].isidentifier() and names["client_class"].isidentifier()


def test_the_reserved_names_cover_the_standard_library_of_the_running_python() -> None:
    """What `sys.stdlib_module_names` lists, and what the interpreter installs at the top level of its
    library besides (the `test` package among them), whatever Python runs this (tests/matrix.py runs
    it on each version)."""
    installed = {
        module.name
        for module in pkgutil.iter_modules(
            [
                sysconfig.get_path("stdlib"),
                sysconfig.get_path("platstdlib"),
                sysconfig.get_path("platstdlib") + "/lib-dynload",
            ]
        )
        if not module.name.startswith("_sysconfigdata")  # named after the platform
    }
    assert "test" in installed
    missing = (set(sys.stdlib_module_names) | set(sys.builtin_module_names) | installed) - reserved_modules()
    assert not missing, f"add to generator/reserved_modules.txt: {sorted(missing)}"


def test_the_keywords_cover_the_running_python() -> None:
    """The keywords are a fixed list, so that a parameter named `type` is `type_` on every Python
    (tests/matrix.py runs this on each version)."""
    assert set(keyword.kwlist) <= KEYWORDS and set(keyword.softkwlist) <= SOFT_KEYWORDS
    assert [snake("type"), snake("match"), argument_name(snake("type"))] == ["type_", "match_", "type_"]


@pytest.mark.parametrize(
    ("tag", "attr", "class_name"),
    [
        ("Video Generation", "video_generation", "VideoGeneration"),
        ("import", "import_", "Import"),
        ("close", "close_", "Close"),  # the client's own method
        ("Call", "call", "CallResource"),  # imported by the operations module
        ("Transport", "transport", "TransportResource"),  # `AsyncTransport` is imported
        ("Errors", "errors", "Errors"),
        ("Billing Error", "billing_error", "BillingErrorResource"),  # `...Error` names are the errors'
        ("Acme", "acme", "AcmeResource"),  # the client class
    ],
)
def test_resource_names(tag: str, attr: str, class_name: str) -> None:
    assert resource_names(tag, frozenset({"Acme", "AsyncAcme"})) == (attr, class_name)


def test_arguments_do_not_shadow_what_a_method_calls() -> None:
    assert [argument_name(n) for n in ("models", "Call", "wait", "page")] == ["models_", "Call_", "wait_", "page"]


def test_a_configured_client_class_cannot_name_its_root_error_as_a_built_in_one(tmp_path: Path) -> None:
    config = tmp_path / "sdkgen.yaml"
    config.write_text("spec: api.yaml\nclient_class: APIConnection\n")
    with pytest.raises(SpecError) as caught:
        load_config(config)
    assert "client_class 'APIConnection' would name its root error" in str(caught.value)


@pytest.mark.parametrize(
    ("operation_id", "method_name"),
    [
        ("listPets", "list_pets"),
        ("2fa-status", "get_2_fa_status"),  # not `field_2_fa_status`
        ("获取项目", "get_projects_project_id"),  # no ASCII letters: as if there were no operationId
        (None, "get_projects_project_id"),
    ],
)
def test_method_names(operation_id: str | None, method_name: str) -> None:
    operation = {} if operation_id is None else {"operationId": operation_id}
    assert snake(operation_basis("get", "/projects/{projectId}", operation.get("operationId"))) == method_name


@pytest.mark.parametrize(
    ("api_version", "version"),
    [
        ("1.0.0", "1.0.0"),
        ("v2", "2"),
        ("1.0.0-rc.1", "1.0.0-rc.1"),
        ("2024-06-01", "2024.06.01"),  # a dated API version
        ("3.0.0-SNAPSHOT", "0.0.0+3.0.0.SNAPSHOT"),
        ("draft", "0.0.0+draft"),
    ],
)
def test_the_package_version_is_one_packaging_accepts(api_version: str, version: str) -> None:
    assert Config().names_for("Acme", api_version)["package_version"] == version


def test_error_class_names_follow_the_status_registry_on_every_python(tmp_path: Path) -> None:
    """413, 416 and 422 were renamed in Python 3.13's http.HTTPStatus; the SDK's names must not follow it."""
    from generator.load import load_spec
    from generator.pipeline import build_ir

    statuses = (413, 416, 418, 422, 499)
    responses = {str(s): {"description": f"status {s}"} for s in statuses}
    responses["200"] = {"description": "ok"}
    spec = tmp_path / "api.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "Statuses", "version": "1"},
                "paths": {"/items": {"get": {"operationId": "listItems", "responses": responses}}},
            }
        )
    )
    api, _ = build_ir(load_spec(spec), Config(), "api.json")
    assert [error.name for error in api.errors] == [
        "ContentTooLargeError",
        "RangeNotSatisfiableError",
        "IMATeapotError",
        "UnprocessableContentError",
        "Status499Error",
    ]


def test_the_status_table_agrees_with_the_registry_as_python_3_13_knows_it() -> None:
    """An outside oracle where one exists: Python 3.13's HTTPStatus follows RFC 9110's registry."""
    from http import HTTPStatus

    from generator.http_status import REASON_PHRASES

    known = {status.value: status.phrase for status in HTTPStatus}
    assert set(known) <= set(REASON_PHRASES), "every status Python knows has a fixed phrase"
    if sys.version_info >= (3, 13):
        assert {code: REASON_PHRASES[code] for code in known} == known
    else:  # the older phrases Python still had before 3.13
        renamed = {code for code in known if known[code] != REASON_PHRASES[code]}
        assert renamed == {413, 414, 416, 422}
