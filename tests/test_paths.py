"""Paths as sent: parameters of any name filling their `{placeholders}`, and path keys holding a
`?query` or `#fragment`, over real HTTP against a server that records the raw request line, and
against Prism validating requests against the spec."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import yaml
from test_generation import SHARED_CASES, type_check

from conftest import generate, prism_serving
from generator.ir import PathKey
from server import RunningServer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


class Recorder:
    """Answers every request with 200 (JSON, or CSV under /files) and keeps its raw path and query."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        path = scope["raw_path"].decode().removeprefix("/api/v1")
        self.requests.append((scope["method"], path, scope["query_string"].decode()))
        csv = path.startswith("/files/")
        headers = [(b"content-type", b"text/csv" if csv else b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"a,b\n" if csv else b'{"text": "t", "name": "n"}'})

    def take(self) -> list[tuple[str, str, str]]:
        taken, self.requests = self.requests, []
        return taken


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    app = Recorder()
    with RunningServer(app) as running:
        yield app, running.url


@pytest.fixture(scope="module")
def sdks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder to generate SDKs into, on sys.path; the packages imported from it are forgotten after."""
    folder = tmp_path_factory.mktemp("paths")
    sys.path.insert(0, str(folder))
    before = set(sys.modules)
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        for name in set(sys.modules) - before:
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(folder)):
                del sys.modules[name]


def load(sdks: Path, spec: Path, package: str) -> Any:
    out = sdks / package
    generate(spec, out)
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


def test_path_parameters_named_with_dots_and_dashes_fill_their_placeholders(
    sdks: Path, recorder: tuple[Recorder, str]
) -> None:
    """The shared case: `{user.name}` raised KeyError on every call; `{file_id}.{ext}` is two in one segment."""
    sdk = load(sdks, SHARED_CASES / "path-param-dot.yaml", "path_param_dash_dot")
    type_check(sdks / "path_param_dash_dot", "path_param_dash_dot")
    app, url = recorder
    app.take()
    with sdk.PathParamDashDot(api_key="k", server_url=url, max_retries=0) as client:
        assert client.default.get_location_content("a b/c").text == "t"
        assert client.default.get_user_by_name("jane.doe").name == "n"
        client.default.get_user_by_name("{user.name} ü?#%")
        assert client.default.get_file_as(12345, "csv") == "a,b\n"
    assert app.take() == [
        ("GET", "/locations/a%20b%2Fc/content", ""),
        ("GET", "/users/jane.doe", ""),
        ("GET", "/users/%7Buser.name%7D%20%C3%BC%3F%23%25", ""),  # a value is not a template
        ("GET", "/files/12345.csv", ""),
    ]

    async def calls() -> None:
        async with sdk.AsyncPathParamDashDot(api_key="k", server_url=url, max_retries=0) as client:
            await client.default.get_location_content("x")
            await client.default.get_user_by_name("jane.doe")
            await client.default.get_file_as(7, "json")

    asyncio.run(calls())
    assert [path for _, path, _ in app.take()] == ["/locations/x/content", "/users/jane.doe", "/files/7.json"]


def test_a_value_that_would_send_the_request_elsewhere_is_refused(sdks: Path, recorder: tuple[Recorder, str]) -> None:
    """httpx resolves `..` (and WHATWG servers `%2E%2E`) away, and an empty segment names another
    resource: `/users/..` is `/`, `/users/` the collection."""
    sdk = load(sdks, SHARED_CASES / "path-param-dot.yaml", "path_param_dash_dot")
    app, url = recorder
    app.take()
    with sdk.PathParamDashDot(api_key="k", server_url=url, max_retries=0) as client:
        for value in ("..", ".", ""):
            with pytest.raises(ValueError, match=r"GET /users/\{user.name\}: \{user.name\} cannot be"):
                client.default.get_user_by_name(value)
        client.default.get_user_by_name("...")
        client.default.get_file_as(1, "")  # not a segment of its own: `/files/1.`
    assert [path for _, path, _ in app.take()] == ["/users/...", "/files/1."]

    async def call() -> None:
        async with sdk.AsyncPathParamDashDot(api_key="k", server_url=url, max_retries=0) as client:
            await client.default.get_user_by_name("..")

    with pytest.raises(ValueError, match="cannot be '..'"):
        asyncio.run(call())
    assert app.take() == []


PRISM_CALLS = """
import sys, path_param_dash_dot as sdk
with sdk.PathParamDashDot(api_key="k", server_url=sys.argv[1], max_retries=0) as client:
    for call in (
        lambda: client.default.with_response.get_location_content("a b/c"),
        lambda: client.default.with_response.get_user_by_name("jane.doe"),
        lambda: client.default.with_response.get_file_as(12345, "csv"),
    ):
        response = call()
        print(response.status_code, response.response.request.url.raw_path.decode())
    try:
        client.default.get_file_as(12345, "xml")
    except sdk.errors.APIError as exc:
        print(exc.status_code)
"""


def test_prism_routes_and_accepts_every_operation_of_the_case(sdks: Path, tmp_path: Path) -> None:
    """Prism 5's router escapes the `.` of `{user.name}` and then no longer sees a placeholder (it
    routes only `/users/{user.name}` itself): it serves a copy of the case with that one renamed."""
    load(sdks, SHARED_CASES / "path-param-dot.yaml", "path_param_dash_dot")
    routable = tmp_path / "routable.yaml"
    routable.write_text((SHARED_CASES / "path-param-dot.yaml").read_text().replace("user.name", "user_name"))
    with prism_serving(routable) as url:
        done = subprocess.run(
            [sys.executable, "-c", PRISM_CALLS, url],
            cwd=sdks / "path_param_dash_dot",
            capture_output=True,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "200 /locations/a%20b%2Fc/content",
        "200 /users/jane.doe",
        "200 /files/12345.csv",
        "422",  # not one of the enum's values: Prism validates what is sent
    ]


def _path(name: str, style: str, explode: bool, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "style": style, "explode": explode, "schema": schema}


_ARRAY = {"type": "array", "items": {"type": "string"}}
_OBJECT = {"type": "object", "additionalProperties": {"type": "string"}}
# Names str.format reads as syntax (`[`, `:`, `!`, `.`), spaces, and every path style.
STYLED_PATHS = {
    "/label/{a[0]}": _path("a[0]", "label", False, _ARRAY),
    "/label-exploded/{a.b}": _path("a.b", "label", True, _ARRAY),
    "/matrix/{x:y}": _path("x:y", "matrix", True, _ARRAY),
    "/matrix-object/{b!r}": _path("b!r", "matrix", False, _OBJECT),
    "/matrix-exploded-object/{user name}": _path("user name", "matrix", True, _OBJECT),
    "/simple/{o-bj}": _path("o-bj", "simple", True, _OBJECT),
    "/scalar/{s}/{x:y}": [_path("s", "matrix", False, {"type": "string"}), _path("x:y", "simple", False, _ARRAY)],
}


def _styles_spec() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for index, (path, parameters) in enumerate(STYLED_PATHS.items()):
        parameters = parameters if isinstance(parameters, list) else [parameters]
        paths[path] = {
            "get": {"operationId": f"op{index}", "parameters": parameters, "responses": {"204": {"description": "ok"}}}
        }
    return {"openapi": "3.0.3", "info": {"title": "Styled Paths", "version": "1"}, "paths": paths}


def test_names_holding_format_syntax_in_every_path_style(
    sdks: Path, recorder: tuple[Recorder, str], tmp_path: Path
) -> None:
    spec = tmp_path / "styles.yaml"
    spec.write_text(yaml.safe_dump(_styles_spec(), sort_keys=False))
    sdk = load(sdks, spec, "styled_paths")
    type_check(sdks / "styled_paths", "styled_paths")
    app, url = recorder
    app.take()
    with sdk.StyledPaths(api_key="k", server_url=url, max_retries=0) as client:
        calls = client.default
        calls.op0(["1", "x y"])
        calls.op1(["1", "2"])
        calls.op2(["a", "b/c"])
        calls.op3({"k": "v w", "l": "2"})
        calls.op4({"k": "v", "l": "2"})
        calls.op5({"a": "1", "b": "x,y"})
        calls.op6("s;t", ["1", "2"])
    assert [path for _, path, _ in app.take()] == [
        "/label/.1,x%20y",  # label
        "/label-exploded/.1.2",  # label, exploded
        "/matrix/;x%3Ay=a;x%3Ay=b%2Fc",  # matrix, exploded array: the name encoded as the value is
        "/matrix-object/;b%21r=k,v%20w,l,2",  # matrix object
        "/matrix-exploded-object/;k=v;l=2",  # matrix, exploded object
        "/simple/a=1,b=x%2Cy",  # simple, exploded object
        "/scalar/;s=s%3Bt/1,2",  # two placeholders, one of them matrix
    ]


def test_path_keys_with_a_query_or_fragment_send_what_the_warnings_say(
    sdks: Path, recorder: tuple[Recorder, str]
) -> None:
    """The fragment is never sent; a `?query` is sent with every call, before the operation's own
    parameters, a given parameter of the same name replacing it. Two keys that are one request line
    (`#add_link`, `#remove_link`) stay two methods: each sends what its operation declares."""
    sdk = load(sdks, CORPUS / "warned" / "path-key-query-fragment.yaml", "shared_links")
    type_check(sdks / "shared_links", "shared_links")
    app, url = recorder
    app.take()
    with sdk.SharedLinks(api_key="k", server_url=url, max_retries=0) as client:
        calls = client.default
        calls.get_shared_link("12345")
        calls.add_shared_link("12345", access="open")
        calls.remove_shared_link("12345", remove=True)
        calls.search_users(q="a b")
        calls.search_users(q="c", sort="date")
        calls.search_repos(q="d")
    sent = [(method, path, parse_qsl(query, keep_blank_values=True)) for method, path, query in app.take()]
    assert sent == [
        ("GET", "/files/12345", []),
        ("PUT", "/files/12345", []),
        ("PUT", "/files/12345", []),
        ("GET", "/search", [("type", "user"), ("sort", "name"), ("q", "a b")]),
        ("GET", "/search", [("type", "user"), ("q", "c"), ("sort", "date")]),
        ("GET", "/search", [("type", "repo pub"), ("flag", ""), ("q", "d")]),
    ]

    async def call() -> None:
        async with sdk.AsyncSharedLinks(api_key="k", server_url=url, max_retries=0) as client:
            await client.default.get_shared_link("12345")
            await client.default.search_users(q="e")

    asyncio.run(call())
    assert [(path, query) for _, path, query in app.take()] == [
        ("/files/12345", ""),
        ("/search", "type=user&sort=name&q=e"),
    ]


def test_the_fragment_case_sends_no_fragment_and_warns_on_generate_and_validate(
    sdks: Path, recorder: tuple[Recorder, str]
) -> None:
    spec = SHARED_CASES / "fragment-in-path-key.yaml"
    warning = "fragment-in-path-key.yaml:10:7: warning: the path's fragment #get_link is never sent"
    for command in (["validate", str(spec)], ["generate", str(spec), "--output", str(sdks / "fragment")]):
        done = subprocess.run([sys.executable, "-m", "generator", *command], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 3 and warning in lines[0], done.stderr
        assert lines[1:] == [
            "  at /paths/~1files~1{file_id}#get_link/get",
            "  hint: a URL's fragment never reaches the server; the operationId names the operation,"
            " so the path needs no fragment unless it sets apart operations on one URL",
        ]
    sys.path.insert(0, str(sdks / "fragment"))
    try:
        sdk = importlib.import_module("fragment_path")
    finally:
        sys.path.remove(str(sdks / "fragment"))
    app, url = recorder
    app.take()
    with sdk.FragmentPath(api_key="k", server_url=url, max_retries=0) as client:
        assert client.default.get_shared_link("12345") is None
    assert app.take() == [("GET", "/files/12345", "")]


@pytest.mark.parametrize(
    ("key", "sent", "query"),
    [
        ("/files/{file_id}#get_link", "/files/{file_id}", ()),
        ("/a?x=1&y#f?g", "/a", (("x", "1"), ("y", ""))),
        ("/a/{x#y}/{q?}", "/a/{x#y}/{q?}", ()),  # in a placeholder, `#` and `?` are the name's
        ("/my files/naïve", "/my%20files/na%C3%AFve", ()),  # RFC 3986: neither is a pchar
        ("/100%/a%2Fb/%zz", "/100%25/a%2Fb/%25zz", ()),  # an encoded octet stays, a lone `%` is encoded
        ('/q"uote\\/[x]/{', "/q%22uote%5C/%5Bx%5D/%7B", ()),  # gen-delims and what httpx would misread
        ("/sub;delims=!$&'()*+,:@~", "/sub;delims=!$&'()*+,:@~", ()),  # pchars stay as written
    ],
)
def test_what_a_path_key_sends(key: str, sent: str, query: tuple[tuple[str, str], ...]) -> None:
    split = PathKey.split(key)
    assert split.url_template == sent
    assert split.query_pairs == query
