"""sdkgen: a typed, vendorable Python SDK from a hand-maintained OpenAPI document."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# The Jinja templates: the top-level `templates/` of a checkout (and an editable install); an
# installed wheel carries the same folder inside the package (see pyproject.toml).
TEMPLATES = PACKAGE / "templates" if (PACKAGE / "templates").is_dir() else PACKAGE.parent / "templates"
