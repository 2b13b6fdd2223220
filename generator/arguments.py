"""One Python name per argument of an operation, whatever names its parameters and body share.

A method takes its path, query, header and cookie parameters and its body's properties as keyword
arguments, so two of them may want one name (`uris` in the query and in the body; `id` in the path
and in a header; `StartTime` and `StartTime>`, both `start_time`). The rule, which depends only on
the operation itself:

1. Names given with `x-sdk-name` are kept (two equal ones are an error of the spec).
2. Then, in the order path, query, header, cookie, body: a name that is its wire name unchanged,
   then the others, each in document order, takes its name if it is free.
3. One that finds it taken gets its location appended (`uris_body`, `id_header`); a parameter
   whose name is taken by another of the same location gets the first free of `_2`, `_3`, ...

Each renamed argument is reported with a located warning naming both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

ORDER = ("path", "query", "header", "cookie", "body")
Place = Literal["path", "query", "header", "cookie", "body"]


@dataclass(frozen=True)
class Claim:
    """An argument that wants a name: where it is sent, its wire name, the name it wants."""

    place: Place
    wire_name: str
    wanted: str
    explicit: bool = False  # given with x-sdk-name


@dataclass(frozen=True)
class Renamed:
    claim: Claim
    name: str
    holder: Claim  # the argument that kept the wanted name


def settle(claims: list[Claim]) -> tuple[list[str], list[Renamed]]:
    """The name of each claim (in the order given), and the claims that did not get the one they wanted."""

    def rank(index: int) -> tuple[int, int, int, int]:
        claim = claims[index]
        return (not claim.explicit, ORDER.index(claim.place), claim.wanted != claim.wire_name, index)

    names: dict[int, str] = {}
    holders: dict[str, Claim] = {}
    renamed: list[Renamed] = []
    for index in sorted(range(len(claims)), key=rank):
        claim = claims[index]
        name = claim.wanted
        if name in holders:
            holder = holders[name]
            if holder.place != claim.place:
                name = f"{claim.wanted}_{claim.place}"
            candidates = itertools.chain([name], (f"{name}_{n}" for n in itertools.count(2)))
            name = next(c for c in candidates if c not in holders)
            renamed.append(Renamed(claim, name, holder))
        holders[name] = claim
        names[index] = name
    return [names[i] for i in range(len(claims))], renamed
