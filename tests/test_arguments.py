"""The rule that gives each argument of an operation one name (generator/arguments.py)."""

from __future__ import annotations

from generator.arguments import Claim, settle


def test_parameters_keep_their_names_and_a_body_property_gets_its_location() -> None:
    names, renamed = settle([Claim("body", "uris", "uris"), Claim("query", "uris", "uris")])
    assert names == ["uris_body", "uris"]
    assert [(r.claim.place, r.name, r.holder.place) for r in renamed] == [("body", "uris_body", "query")]


def test_locations_rank_path_query_header_cookie_body() -> None:
    claims = [Claim(place, "id", "id") for place in ("cookie", "header", "body", "query", "path")]  # type: ignore[arg-type]
    names, _ = settle(claims)
    assert names == ["id_cookie", "id_header", "id_body", "id_query", "id"]


def test_a_wire_name_that_is_its_python_name_comes_first_within_a_location() -> None:
    names, renamed = settle([Claim("query", "page-size", "page_size"), Claim("query", "page_size", "page_size")])
    assert names == ["page_size_2", "page_size"]
    assert renamed[0].holder.wire_name == "page_size"


def test_one_location_is_numbered_in_document_order() -> None:
    claims = [Claim("query", w, "start_time") for w in ("StartTime", "StartTime<", "StartTime>")]
    assert settle(claims)[0] == ["start_time", "start_time_2", "start_time_3"]


def test_x_sdk_name_comes_first_and_a_generated_name_never_takes_an_existing_one() -> None:
    claims = [
        Claim("query", "uris", "uris"),
        Claim("body", "uris", "uris"),
        Claim("header", "x-filter", "uris_body", explicit=True),
    ]
    names, renamed = settle(claims)
    assert names == ["uris", "uris_body_2", "uris_body"]
    assert [r.claim.wire_name for r in renamed] == ["uris"]


def test_the_names_depend_only_on_the_claims() -> None:
    claims = [Claim("path", "id", "id"), Claim("header", "id", "id"), Claim("query", "q", "q")]
    assert settle(claims)[0] == settle(list(claims))[0] == ["id", "id_header", "q"]
