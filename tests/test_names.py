"""Names derived from a spec: valid, not shadowing what the SDK or Python already has, stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import Config, load_config
from generator.diagnostics import SpecError
from generator.names import argument_name, operation_basis, resource_names, snake


@pytest.mark.parametrize(
    ("title", "package", "client_class"),
    [
        ("Swagger Petstore", "swagger_petstore", "SwaggerPetstore"),
        ("Calendar", "calendar_api", "Calendar"),  # `calendar` is a standard library module
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
