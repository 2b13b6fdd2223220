"""`x-sdk-stream` and `x-sdk-pagination` as the generator reads them: what each declares in the IR,
the document-level default, and a located error (file:line, JSON pointer) for each bad value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_generation import type_check
from test_validation import line_of, run_broken

from conftest import generate
from generator.config import Config
from generator.load import load_spec
from generator.pipeline import build_ir

ROOT = Path(__file__).resolve().parent.parent
GATEWAY = ROOT / "tests" / "corpus" / "ai-gateway.yaml"
TEXT = GATEWAY.read_text()
VENV_BIN = Path(sys.executable).parent
PACKAGE = "model_gateway"


def ir_of(tmp_path: Path, text: str, name: str = "api.yaml") -> object:
    spec = tmp_path / name
    spec.write_text(text)
    api, _ = build_ir(load_spec(spec), Config(), "api.yaml")
    return api


def test_the_gateway_document_declares_its_streams_and_pages(tmp_path: Path) -> None:
    api = ir_of(tmp_path, TEXT)
    ops = {op.operation_id: op for op in api.operations}  # type: ignore[attr-defined]
    chat = ops["sendChatCompletionRequest"]
    assert chat.two_modes and chat.result.kind == "json"
    assert (chat.events.sentinel, chat.events.request_argument) == ("[DONE]", "stream")
    assert chat.events.item_hint == "models.ChatDelta | models.ChatUsage" and not chat.events.envelope
    progress = ops["streamGenerationEvents"]
    assert progress.result.kind == "events" and progress.events.envelope and progress.events.json_data
    assert progress.events.item_hint == "models.ProgressEvent"
    models = ops["listModels"].paging
    assert (models.kind, models.results, models.offset, models.limit) == (
        "offset",
        ("data",),
        ("query", "offset"),
        ("query", "limit"),
    )
    assert models.item_hint == "models.Model"
    generations = ops["listGenerations"].paging
    assert (generations.kind, generations.cursor, generations.next_cursor) == (
        "cursor",
        ("query", "cursor"),
        ("next_cursor",),
    )
    keys = ops["listKeys"].paging
    assert (keys.kind, keys.results, keys.item_hint) == ("link", (), "models.ApiKey")
    # One `Error` response component for 400, 404 and 429: each status keeps its own class.
    assert {e.status: e.name for e in api.errors} == {  # type: ignore[attr-defined]
        400: "BadRequestError",
        404: "NotFoundError",
        429: "TooManyRequestsError",
    }


def test_a_document_level_pagination_applies_where_it_fits(tmp_path: Path) -> None:
    default = (
        "x-sdk-pagination:\n  type: offsetLimit\n  inputs:\n    - {name: offset, in: parameters, type: offset}\n"
        "    - {name: limit, in: parameters, type: limit}\n  outputs:\n    results: $.data\n"
    )
    text = TEXT.replace("paths:\n", default + "paths:\n", 1)
    text = text.replace(
        "      x-speakeasy-pagination:\n        type: offsetLimit\n        inputs:\n"
        "          - {name: offset, in: parameters, type: offset}\n"
        "          - {name: limit, in: parameters, type: limit}\n        outputs:\n          results: $.data\n",
        "",
    )
    api = ir_of(tmp_path, text)
    paging = {op.operation_id: op.paging for op in api.operations}  # type: ignore[attr-defined]
    assert paging["listModels"] is not None and paging["listModels"].kind == "offset"
    assert paging["listGenerations"].kind == "cursor"  # its own declaration wins
    assert paging["sendChatCompletionRequest"] is None  # no offset parameter: not paginated
    opted_out = text.replace(
        "      summary: List models\n", "      summary: List models\n      x-sdk-pagination: false\n"
    )
    assert "x-sdk-pagination: false" in opted_out
    paging = {op.operation_id: op.paging for op in ir_of(tmp_path, opted_out, "out.yaml").operations}  # type: ignore[attr-defined]
    assert paging["listModels"] is None


CHAT = "/paths/~1chat~1completions/post"
MODELS = "/paths/~1models/get"
GENERATIONS = "/paths/~1generations/get"


@pytest.mark.parametrize(
    ("old", "new", "pointer", "message", "at"),
    [
        (
            "      x-speakeasy-stream-request-field: stream\n",
            "      x-speakeasy-stream-request-field: streaming\n",
            f"{CHAT}/x-speakeasy-stream-request-field",
            "request-field 'streaming' is not a property of the operation's JSON request body",
            "x-speakeasy-stream-request-field: streaming",
        ),
        (
            "      x-speakeasy-stream-request-field: stream\n",
            "      x-speakeasy-stream-request-field: model\n",
            f"{CHAT}/x-speakeasy-stream-request-field",
            "request-field 'model' must be a boolean property, not str",
            "x-speakeasy-stream-request-field: model",
        ),
        (
            '              x-speakeasy-sse-sentinel: "[DONE]"\n',
            "              x-speakeasy-sse-sentinel: 5\n",
            f"{CHAT}/responses/200/content/text~1event-stream/x-speakeasy-sse-sentinel",
            "the sentinel must be a non-empty string",
            "x-speakeasy-sse-sentinel: 5",
        ),
        (
            "      x-speakeasy-stream-request-field: stream\n",
            '      x-sdk-stream: {request-field: stream, end: "[END]"}\n',
            f"{CHAT}/x-sdk-stream/end",
            "x-sdk-stream has no 'end': it takes `sentinel` and `request-field`",
            "x-sdk-stream: {request-field",
        ),
        (
            "      summary: List models\n",
            "      summary: List models\n      x-sdk-stream: {sentinel: END}\n",
            f"{MODELS}/x-sdk-stream",
            "x-sdk-stream is on an operation whose success response has no text/event-stream content",
            "x-sdk-stream: {sentinel: END}",
        ),
        (
            "      summary: List models\n",
            "      summary: List models\n      x-speakeasy-stream-request-field: flag\n",
            f"{MODELS}/x-speakeasy-stream-request-field",
            "x-speakeasy-stream-request-field is on an operation whose success response has no text/event-stream",
            "x-speakeasy-stream-request-field: flag",
        ),
        (
            "        type: offsetLimit\n",
            "        type: pages\n",
            f"{MODELS}/x-speakeasy-pagination/type",
            "x-speakeasy-pagination takes a mapping whose `type` is one of offsetLimit, cursor, url, link",
            "type: pages",
        ),
        (
            "          - {name: offset, in: parameters, type: offset}\n",
            "          - {name: skip, in: parameters, type: offset}\n",
            f"{MODELS}/x-speakeasy-pagination/inputs/0",
            "the operation has no query parameter 'skip'",
            "{name: skip",
        ),
        (
            "          results: $.data\n",
            "          results: $.total\n",
            f"{MODELS}/x-speakeasy-pagination/outputs/results",
            "'$.total' is not a list, it is int | None",
            "results: $.total",
        ),
        (
            "          results: $.data\n",
            "          results: data[*]\n",
            f"{MODELS}/x-speakeasy-pagination/outputs/results",
            "'data[*]' is not a property path of ModelList",
            "results: data[*]",
        ),
        (
            "          nextCursor: $.next_cursor\n",
            "",
            f"{GENERATIONS}/x-speakeasy-pagination/outputs",
            "cursor needs outputs.nextCursor",
            "results: $.items",
        ),
        (
            "        type: offsetLimit\n",
            "        type: [offsetLimit]\n",
            f"{MODELS}/x-speakeasy-pagination/type",
            "x-speakeasy-pagination takes a mapping whose `type` is one of offsetLimit, cursor, url, link",
            "type: [offsetLimit]",
        ),
        (
            "        inputs:\n          - {name: offset, in: parameters, type: offset}\n"
            "          - {name: limit, in: parameters, type: limit}\n",
            "        inputs: 5\n",
            f"{MODELS}/x-speakeasy-pagination/inputs",
            "inputs is a list of {name, in, type} mappings",
            "inputs: 5",
        ),
        (
            "          - {name: offset, in: parameters, type: offset}\n",
            "          - {name: offset, in: [query], type: offset}\n",
            f"{MODELS}/x-speakeasy-pagination/inputs/0/in",
            "an input's `in` is `parameters` or `requestBody`",
            "in: [query]",
        ),
        (
            "          results: $.data\n",
            "          results: $.data.name\n",
            f"{MODELS}/x-speakeasy-pagination/outputs/results",
            "'$.data.name' is not a property path of ModelList",
            "results: $.data.name",
        ),
        (
            "      summary: Follow a generation's progress as server-sent events\n",
            "      summary: Follow a generation's progress as server-sent events\n"
            "      x-sdk-stream: {request-field: stream}\n",
            "/paths/~1generations~1{generationId}~1events/get/x-sdk-stream/request-field",
            "request-field 'stream' switches between JSON and events, but the response offers no JSON",
            "x-sdk-stream: {request-field: stream}",
        ),
        (
            "  backoff: {initialInterval: 200, maxInterval: 2000, maxElapsedTime: 30000, exponent: 1.5}\n",
            "  backoff: {initialInterval: 200, maxInterval: 2000, maxElapsedTime: .inf, exponent: 1.5}\n",
            "/x-speakeasy-retries/backoff/maxElapsedTime",
            "maxElapsedTime must be a number (milliseconds), 0 or more and below 1e+12, not inf",
            "maxElapsedTime: .inf",
        ),
        (
            "      x-speakeasy-name-override: send\n",
            "      x-speakeasy-name-override: 5\n",
            f"{CHAT}/x-speakeasy-name-override",
            "the method's name must be a string, not 5",
            "x-speakeasy-name-override: 5",
        ),
        (
            "          results: $\n",
            "          results: $.keys\n",
            "/paths/~1keys/get/x-sdk-pagination/outputs/results",
            "'$.keys' is not a property path of ListKeysResponse",
            "results: $.keys",
        ),
    ],
)
def test_bad_stream_and_pagination_values_are_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, pointer: str, message: str, at: str
) -> None:
    assert old in TEXT, old
    text = TEXT.replace(old, new, 1)
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1, err
    assert message in err and pointer in err, err
    assert f"broken.yaml:{line_of(text, at)}:" in err, err


EVENT_SHAPES = """
openapi: 3.1.0
info: {title: Event Shapes, version: "1"}
paths:
  /text:
    get:
      operationId: text
      responses:
        "200":
          description: text events
          content:
            text/event-stream:
              schema: {type: [string, "null"]}
  /choices:
    get:
      operationId: choices
      responses:
        "200":
          description: one of some words
          content:
            text/event-stream:
              schema: {enum: [start, stop]}
  /merged:
    get:
      operationId: merged
      responses:
        "200":
          description: whole events, their fields from two parts
          content:
            text/event-stream:
              schema:
                allOf:
                  - {type: object, properties: {id: {type: string}, event: {type: string}}}
                  - {type: object, required: [data], properties: {data: {type: [string, "null"]}}}
"""


def test_event_schemas_say_which_events_are_text_and_which_are_whole(tmp_path: Path) -> None:
    """A nullable string or an enum of strings is text, not JSON; an `allOf` of event fields
    describes whole events. An SDK whose only models are its events imports them, type-clean."""
    api = ir_of(tmp_path, EVENT_SHAPES)
    events = {op.operation_id: op.events for op in api.operations}  # type: ignore[attr-defined]
    assert (events["text"].envelope, events["text"].json_data) == (False, False)
    assert events["choices"].json_data is False
    assert (events["merged"].envelope, events["merged"].json_data) == (True, False)
    spec = tmp_path / "shapes.yaml"
    spec.write_text(EVENT_SHAPES)
    generate(spec, tmp_path / "sdk")
    type_check(tmp_path / "sdk", "event_shapes")


USAGE = """
from typing_extensions import assert_type

from model_gateway import AsyncModelGateway, AsyncPager, AsyncStream, ModelGateway, Stream, SyncPager, models

Chunk = models.ChatDelta | models.ChatUsage
client = ModelGateway(api_key="k")
messages = [models.ChatMessage(role=models.ChatMessageRole.user, content="hi")]
assert_type(client.chat.send(model="m", messages=messages), models.ChatResult)
assert_type(client.chat.send(model="m", messages=messages, stream=False), models.ChatResult)
assert_type(client.chat.send(model="m", messages=messages, stream=True), Stream[Chunk])


def either(flag: bool) -> None:
    assert_type(client.chat.send(model="m", messages=messages, stream=flag), models.ChatResult | Stream[Chunk])


with client.chat.send(model="m", messages=messages, stream=True) as stream:
    for chunk in stream:
        assert_type(chunk, Chunk)
assert_type(client.models.list(limit=2), SyncPager[models.Model, models.ModelList])
for model in client.models.list():
    assert_type(model, models.Model)
for page in client.generations.list().iter_pages():
    assert_type(page.result, models.GenerationPage)
with client.generations.events("gen-1") as events:
    for event in events:
        assert_type(event, models.ProgressEvent)


async def main() -> None:
    aclient = AsyncModelGateway(api_key="k")
    assert_type(await aclient.chat.send(model="m", messages=messages), models.ChatResult)
    streamed = await aclient.chat.send(model="m", messages=messages, stream=True)
    assert_type(streamed, AsyncStream[Chunk])
    pager = await aclient.keys.list()
    assert_type(pager, AsyncPager[models.ApiKey, list[models.ApiKey]])
    async for key in pager:
        assert_type(key, models.ApiKey)
"""


def test_the_gateway_sdk_is_type_clean_and_mypy_reads_the_overloads(tmp_path: Path) -> None:
    """mypy --strict, ruff and black accept the SDK of tests/corpus/ai-gateway.yaml;
    `send(stream=True)` is a `Stream` of the event schema's union, `send()` the JSON result, a
    list call a pager of its items."""
    sdk_folder = tmp_path / "sdk"
    generate(GATEWAY, sdk_folder)
    (sdk_folder / "usage.py").write_text(USAGE)
    (sdk_folder / "misuse.py").write_text(
        "from model_gateway import ModelGateway\n"
        "client = ModelGateway(api_key='k')\n"
        "client.chat.send(model='m', messages=[], stream=True).choices\n"
    )
    for command in (
        [str(VENV_BIN / "mypy"), "--strict", PACKAGE, "usage.py"],
        [str(VENV_BIN / "ruff"), "check", "--quiet", PACKAGE],
        [str(VENV_BIN / "black"), "--check", "--quiet", PACKAGE],
    ):
        result = subprocess.run(command, cwd=sdk_folder, capture_output=True, text=True)
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}{result.stderr}"
    misuse = subprocess.run(
        [str(VENV_BIN / "mypy"), "--strict", "misuse.py"], cwd=sdk_folder, capture_output=True, text=True
    )
    assert misuse.returncode == 1
    assert 'has no attribute "choices"' in misuse.stdout, misuse.stdout
