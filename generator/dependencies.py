"""The generated SDK's runtime dependencies: the oldest release of httpx and of pydantic it is tested with.

This is the one place those versions are written. Every generated `pyproject.toml` declares them
(`requirements()`), the models are written for the oldest pydantic here (`models.model_target`), and
`make test` installs exactly these releases on each interpreter and runs the SDK's tests and
`mypy --strict` with them (`tests/matrix.py` reads `oldest()`). Lowering a version is a claim that
`make test` then checks; raising one shuts out every host project pinned below it.
"""

from __future__ import annotations

# For each package, from which Python version on (in order) which release is the oldest tested.
OLDEST: dict[str, tuple[tuple[str, str], ...]] = {
    # 0.20 is the first with `follow_redirects=` and a per-request `timeout=`; before 0.23.1 httpx
    # imports `cgi`, which Python 3.13 removed.
    "httpx": (("3.10", "0.20.0"), ("3.13", "0.23.1")),
    # 2.0.3 is the oldest release datamodel-code-generator writes models for (2.0 and 2.0.1 reject a
    # discriminator on a one-member union); 2.8.0 is the first with wheels for Python 3.13.
    "pydantic": (("3.10", "2.0.3"), ("3.13", "2.8.0")),
}

# The next major release of each, which may break what the SDK uses.
BELOW: dict[str, str] = {"httpx": "1", "pydantic": "3"}


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def requirements() -> list[str]:
    """The PEP 508 requirements of a generated package, one per package and Python range."""
    lines = []
    for package, steps in OLDEST.items():
        for index, (python, release) in enumerate(steps):
            markers = [f"python_version >= '{python}'"] if index else []
            if index + 1 < len(steps):
                markers.append(f"python_version < '{steps[index + 1][0]}'")
            lines.append(f"{package}>={release},<{BELOW[package]}" + ("; " + " and ".join(markers) if markers else ""))
    return lines


def oldest(python: str) -> dict[str, str]:
    """Package -> the oldest release declared for a Python version ("3.12")."""
    found = {}
    for package, steps in OLDEST.items():
        releases = [release for first, release in steps if version_tuple(first) <= version_tuple(python)]
        if not releases:
            raise ValueError(f"no {package} release is declared for Python {python}")
        found[package] = releases[-1]
    return found


def oldest_anywhere(package: str) -> str:
    """The oldest release of a package declared for any Python version."""
    return min((release for _, release in OLDEST[package]), key=version_tuple)


def describe() -> list[str]:
    """Each range in words, for the generated README: "`httpx` 0.20.0 or newer (0.23.1 on Python 3.13+), below 1"."""
    lines = []
    for package, steps in OLDEST.items():
        later = "".join(f" ({release} on Python {python}+)" for python, release in steps[1:])
        lines.append(f"`{package}` {steps[0][1]} or newer{later}, below {BELOW[package]}")
    return lines
