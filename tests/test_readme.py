"""The generated README says what the generated code does: how to install and vendor it, the client's
settings and their defaults, every method and helper, for the modelgates spec and the corpus."""

from __future__ import annotations

import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import modelgates
from generator.config import Config
from generator.load import load_spec
from generator.pipeline import build_ir
from generator.render import render_package
from modelgates import _client
from modelgates._runtime import RetryPolicy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "generated" / "README.md").read_text()
CORPUS = ROOT / "tests" / "corpus"
GENERATES = sorted(yaml.safe_load((CORPUS / "manifest.yaml").read_text())["generates"])


def _section(text: str, title: str) -> str:
    return text.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


def _rows(section: str) -> dict[str, list[str]]:
    """A Markdown table's rows by the code in their first cell."""
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `([^`]+)` \|(.*)\|$", line)
        if found:
            rows[found.group(1)] = [cell.strip() for cell in found.group(2).split(" | ")]
    return rows


def test_every_method_and_helper_is_in_the_operations_table() -> None:
    resource = modelgates.ModelGates(api_key="k").video_generation
    public = {name for name in dir(resource) if not name.startswith("_") and name != "with_response"}
    rows = _rows(_section(README, "Video Generation"))
    assert set(rows) == public
    assert {"wait", "generate_and_wait", "download", "generate_and_download"} <= set(rows)
    assert rows["wait"][0] == "helper: polls `GET /videos/{jobId}`"
    assert "`errors.VideoGenerationFailedError`" in rows["wait"][1]


def test_the_errors_of_jobs_and_downloads_are_listed_with_what_they_carry() -> None:
    section = _section(README, "Errors")
    rows = _rows(section)
    for name in ("WaitTimeoutError", "DownloadError", "DestinationError", "DestinationExistsError"):
        assert f"errors.{name}" in rows, name
    assert "also a `FileExistsError`" in rows["errors.DestinationExistsError"][0]
    text = " ".join(section.split())
    assert "Every error has a `job_id`: `None`, except" in text
    assert "(`generate_and_wait`, `generate_and_download`) raises once the submit succeeded" in text
    assert "(`wait(job_id)`, `download(job_id, path)`)" in text
    assert "`generate_and_download` checks `path` before it submits the job" in text
    assert modelgates.ModelGatesError("x").job_id is None


def test_the_command_line_section_says_what_an_error_after_the_submit_prints() -> None:
    text = " ".join(_section(README, "Command line").split())
    assert "so does any error once the job was submitted" in text
    assert '`--json`, such a command also prints `{"error": ..., "job_id": ..., "resume": ...}` on stdout' in text
    assert "or whose folder is missing or not writable is refused before a job is submitted" in text


def test_settings_are_the_clients_arguments_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _rows(_section(README, "Client settings"))
    for client_class in (modelgates.ModelGates, modelgates.AsyncModelGates):
        assert set(settings) == set(inspect.signature(client_class).parameters)
    assert settings["api_key"][0] == f"the `{_client.API_KEY_ENV}` environment variable"
    assert settings["server_url"][0] == (
        f"the `{_client.SERVER_URL_ENV}` environment variable, else `{_client.DEFAULT_SERVER_URL}`"
    )
    timeout = _client.DEFAULT_TIMEOUT
    assert settings["timeout"][0] == f"{timeout.read:g} s ({timeout.connect:g} s to connect)"
    assert timeout.read == timeout.write == timeout.pool
    assert settings["max_retries"][0] == str(_client.DEFAULT_MAX_RETRIES)
    assert f"no retry starts more than {RetryPolicy().total_timeout:g} s after" in settings["max_retries"][1]
    # ... and the client does what they say.
    monkeypatch.delenv(_client.SERVER_URL_ENV, raising=False)
    monkeypatch.setenv(_client.API_KEY_ENV, "from-env")
    client = modelgates.ModelGates()
    assert client._transport.base_url == _client.DEFAULT_SERVER_URL and client._transport._api_key == "from-env"
    monkeypatch.setenv(_client.SERVER_URL_ENV, "http://127.0.0.1:9/v2")
    assert modelgates.ModelGates()._transport.base_url == "http://127.0.0.1:9/v2"
    monkeypatch.delenv(_client.API_KEY_ENV)
    with pytest.raises(modelgates.errors.MissingCredentialsError) as caught:
        modelgates.ModelGates()
    # the SDK's message names the client's argument (the command line's, --api-key)
    assert (
        str(caught.value)
        == "no API key: pass api_key= to the client or set the MODELGATES_API_KEY environment variable"
    )


def test_the_install_line_installs_the_package_and_its_command(tmp_path: Path) -> None:
    install = _section(README, "Install")
    assert "```sh\npip install .\n```" in install
    source = tmp_path / "source"
    shutil.copytree(ROOT / "generated", source)
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (target / "bin" / "modelgates").exists()
    assert (target / "modelgates" / "_console.py").exists() and (target / "modelgates" / "py.typed").exists()
    # The dependencies the README lists are the ones pip installs.
    dependencies = shlex.split(install.split("```sh\npip install ", 2)[2].split("\n", 1)[0])
    pyproject = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text())
    assert dependencies == pyproject["project"]["dependencies"]


def test_a_vendored_copy_works_inside_another_package(tmp_path: Path) -> None:
    assert "(`yourapp/_vendor/modelgates/`)" in _section(README, "Install")
    vendor = tmp_path / "yourapp" / "_vendor"
    shutil.copytree(ROOT / "generated" / "modelgates", vendor / "modelgates")
    for package in (tmp_path / "yourapp", vendor):
        (package / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", "from yourapp._vendor.modelgates import ModelGates; print(ModelGates(api_key='k'))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.startswith("ModelGates(server_url="), done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "yourapp._vendor.modelgates", "--help"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage: modelgates" in done.stdout, done.stderr


@pytest.mark.parametrize("name", GENERATES)
def test_every_corpus_readme_lists_its_methods_helpers_and_settings(name: str) -> None:
    api, models = build_ir(load_spec(CORPUS / name), Config(), name)
    readme = render_package(api, models)["README.md"]
    methods: set[str] = set()
    for resource in api.resources:
        for op in resource.operations:
            methods.add(op.method_name)
            if op.waiter:
                methods |= {op.waiter.method_name, *([op.waiter.combined_name] if op.waiter.submit else [])}
            if op.download:
                methods |= {
                    op.download.method_name,
                    *([op.download.combined_name] if op.download.combined_name else []),
                }
    listed = {
        method
        for resource in api.resources
        for method in _rows(_section(readme, f"{resource.tag} (`client.{resource.attr_name}`)"))
    }
    assert listed == methods
    assert ("helper: " in readme) == api.has_jobs
    assert ("Ctrl-C" in readme) == any(op.waiter for op in api.operations)
    settings = _rows(_section(readme, "Client settings"))
    expected = {"server_url", "timeout", "max_retries", "retry_non_idempotent", "http_client", "default_headers"}
    expected |= {"max_response_bytes", "max_retry_after"}
    expected |= {parameter.py_name for parameter in api.globals}
    assert set(settings) == expected | ({"api_key"} if api.security.kind != "none" else set())
    assert f"`{api.names.env_prefix}_SERVER_URL`" in settings["server_url"][0]
    if api.security.kind == "basic":
        assert "`username:password`" in settings["api_key"][1]


def test_the_runtimes_retry_after_limit_is_the_clients_default() -> None:
    """RetryPolicy's own default (used where no client made it) is the one the generator writes."""
    from generator.render import CLIENT_DEFAULTS

    assert RetryPolicy().max_retry_after == CLIENT_DEFAULTS["max_retry_after"] == _client.DEFAULT_MAX_RETRY_AFTER
    assert _client.DEFAULT_MAX_RESPONSE_BYTES == CLIENT_DEFAULTS["max_response_bytes"]
