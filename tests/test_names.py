"""Names derived from a spec: valid, not shadowing what the SDK or Python already has, stable."""

from __future__ import annotations

import json
import keyword
import pkgutil
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from conftest import generate
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

CORPUS = Path(__file__).resolve().parent / "corpus"


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


KEYWORD_TITLES = ["Class", "Lambda", "Async", "Import", "Global", "None", "True", "Match", "Type"]


@pytest.mark.parametrize(
    ("title", "package", "client_class", "env_prefix", "distribution"),
    [
        ("Lambda", "lambda_", "Lambda", "LAMBDA", "lambda"),
        ("Class", "class_", "Class", "CLASS", "class"),
        ("Async", "async_", "Async", "ASYNC", "async"),
        ("None", "none", "NoneClient", "NONE", "none"),  # `None` is a keyword, `None_` no class name
        ("Match", "match_", "Match", "MATCH", "match"),  # soft keywords too
        ("Type", "type_", "Type", "TYPE", "type"),  # a soft keyword from Python 3.12 on, on every Python
        ("3D Printing", "api_3_d_printing", "API3DPrinting", "API_3_D_PRINTING", "api-3-d-printing"),
        ("Calendar", "calendar_api", "Calendar", "CALENDAR", "calendar-api"),
    ],
)
def test_a_keyword_title_gives_a_package_with_and_other_names_without_the_underscore(
    title: str, package: str, client_class: str, env_prefix: str, distribution: str
) -> None:
    names = Config().names_for(title, "1.0")
    assert names == {**names, "package": package, "client_class": client_class}
    assert (names["env_prefix"], names["distribution"]) == (env_prefix, distribution)


@pytest.mark.parametrize(
    "title", [*KEYWORD_TITLES, "Swagger Petstore", "_Private_", "3D Printing", "日本語", "Test", "a--b..c", "v2 API"]
)
def test_derived_names_are_ones_pip_and_a_shell_accept(title: str) -> None:
    names = Config().names_for(title, "1.0")
    assert canonicalize_name(names["distribution"], validate=True)  # raises InvalidName otherwise
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*[A-Z0-9]|[A-Z]", names["env_prefix"]) and "__" not in names["env_prefix"]
    assert names["package"].isidentifier() and names["package"] not in KEYWORDS


def test_a_keyword_titles_pyproject_installs_with_pip(tmp_path: Path) -> None:
    """The real tool: pip builds the metadata of the generated pyproject.toml (setuptools validates
    the project's name) and would install it under the plain name."""
    spec = tmp_path / "api.yaml"
    spec.write_text((CORPUS / "minimal.yaml").read_text().replace("title: Minimal", "title: Lambda"))
    generate(spec, tmp_path / "sdk")
    assert (tmp_path / "sdk" / "lambda_" / "__init__.py").exists()
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--disable-pip-version-check", "."],
        cwd=tmp_path / "sdk",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Would install lambda-1" in done.stdout, done.stdout
    client = (tmp_path / "sdk" / "lambda_" / "_client.py").read_text()
    assert 'API_KEY_ENV = "LAMBDA_API_KEY"' in client and 'USER_AGENT = "lambda-python/1"' in client


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("package: os", "package 'os' is the name of a standard-library module or of a dependency of the SDK"),
        ("package: test", "package 'test' is the name of a standard-library module"),
        ("package: httpx", "package 'httpx' is the name of a standard-library module or of a dependency"),
        ("package: lambda", "package 'lambda' is a Python keyword"),
        ("client_class: class", "client_class 'class' is a Python keyword"),
        ("client_class: None", "client_class 'None' is a Python keyword"),
        ("package: my-sdk", "package 'my-sdk' is not a Python identifier"),
        ("package: __", "package '__' gives no distribution name; set `distribution`"),
        ("distribution: lambda-", "distribution 'lambda-' is not a project name pip accepts"),
        ("distribution: my sdk", "distribution 'my sdk' is not a project name pip accepts"),
        ("env_prefix: ACME_", "env_prefix 'ACME_' cannot begin the environment variables' names (ACME__API_KEY)"),
        ("env_prefix: my-app", "env_prefix 'my-app' cannot begin the environment variables' names"),
    ],
)
def test_configured_names_are_checked_as_derived_ones_are_made(tmp_path: Path, config: str, message: str) -> None:
    path = tmp_path / "sdkgen.yaml"
    path.write_text(f"spec: api.yaml\n{config}\n")
    with pytest.raises(SpecError) as caught:
        load_config(path)
    assert message in str(caught.value)


def test_configured_names_that_are_fine_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "sdkgen.yaml"
    path.write_text("spec: api.yaml\npackage: lambda_\nenv_prefix: LAMBDA\n")
    names = load_config(path).names_for("Anything", "1")
    assert (names["package"], names["distribution"], names["env_prefix"]) == ("lambda_", "lambda", "LAMBDA")


def test_the_keywords_cover_the_running_python() -> None:
    """The keywords are a fixed list, so that a parameter named `type` is `type_` on every Python
    (tests/matrix.py runs this on each version)."""
    assert set(keyword.kwlist) <= KEYWORDS and set(keyword.softkwlist) <= SOFT_KEYWORDS
    assert [snake("type"), snake("match"), argument_name(snake("type"))] == ["type_", "match_", "type_"]


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


def test_import_order_is_ruffs(tmp_path: Path) -> None:
    """ruff's isort rules decide the order of the names in a `from ... import` line."""
    from generator.names import import_order

    names = [
        *"Files FileVersions AsyncFiles AsyncFileVersions File10 File2 File_a FileA Filea V2Api V10Api".split(),
        *"API NASA_X A1 do_it Do_it x9 x10 X9 Ab aB AB a_b AsyncV2 AsyncV10Beta TYPE_CHECKING Any".split(),
    ]
    module = tmp_path / "imports.py"
    module.write_text(f"from x import {', '.join(reversed(names))}\n")
    ruff = Path(sys.executable).parent / "ruff"
    subprocess.run([str(ruff), "check", "--select", "I", "--fix", "--quiet", str(module)], cwd=tmp_path)
    text = module.read_text()
    ordered = [line.strip().rstrip(",") for line in text.splitlines()[1:-1]]
    assert ordered == sorted(names, key=import_order)


def test_acronyms_stay_whole_in_derived_names() -> None:
    """Plural acronyms, an acronym with a version, an acronym with digits: one word each."""
    from generator.names import snake

    cases = {
        "Floating IPs": "floating_ips",
        "VPCs": "vpcs",
        "userIDs": "user_ids",
        "Reserved IPv6": "reserved_ipv6",
        "RFC3986": "rfc3986",
        "HTTPServer": "http_server",
        "APIKeys": "api_keys",
        "createVideos": "create_videos",
    }
    assert {name: snake(name) for name in cases} == cases


def test_the_built_in_error_names_are_the_error_classes_every_sdk_defines() -> None:
    """`BUILT_IN_ERRORS` lists the classes errors.py.jinja defines besides the root error and the
    per-API ones (status and job errors), so that no status or job error can take one's name."""
    import inspect

    from generator.names import BUILT_IN_ERRORS
    from modelgates import errors

    defined = vars(errors).items()
    classes = {name for name, value in defined if inspect.isclass(value) and value.__name__ == name}
    classes = {name for name in classes if getattr(errors, name).__module__ == errors.__name__}
    per_api = {error.__name__ for error in errors.STATUS_ERRORS.values()}
    per_api |= {name for name in classes if issubclass(getattr(errors, name), errors.JobFailedError)} - {
        "JobFailedError"
    }
    assert classes - per_api - {"ModelGatesError"} == BUILT_IN_ERRORS
