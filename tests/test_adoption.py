"""What a team adopting sdkgen runs around it: the GitHub Actions workflow and the pre-commit hooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "sdk.yml"
VENV_BIN = Path(sys.executable).parent


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def team_repository(root: Path) -> Path:
    """A git repository holding this project's spec, config and generated SDK, committed once."""
    root.mkdir()
    shutil.copytree(ROOT / "spec", root / "spec")
    shutil.copytree(ROOT / "generated", root / "generated", ignore=shutil.ignore_patterns("__pycache__", ".*cache"))
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "spec")
    return root


def breaking_edit(repo: Path) -> None:
    """Makes `seed` a required request property of the generation request: a breaking change."""
    spec = repo / "spec" / "modelgates-videos.yaml"
    text = spec.read_text()
    assert text.count("      required: [model]\n") == 1
    spec.write_text(text.replace("      required: [model]\n", "      required: [model, seed]\n"))


def test_the_workflow_runs_the_drift_check_and_posts_the_spec_diff(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    drift = [step.get("run") for step in workflow["jobs"]["drift"]["steps"]]
    assert "make check" in drift  # the Makefile target `make test` runs too
    job = workflow["jobs"]["spec-diff"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["permissions"]["pull-requests"] == "write"
    # Run the job's sdkgen lines as written, in a team's repository after a breaking spec edit.
    repo = team_repository(tmp_path / "team")
    (repo / ".venv").symlink_to(VENV_BIN.parent)
    breaking_edit(repo)
    summary = tmp_path / "summary.md"
    env = {**os.environ, "BASE": "HEAD", "SPEC": job["env"]["SPEC"], "GITHUB_STEP_SUMMARY": str(summary)}
    results = []
    for step in job["steps"]:
        for line in str(step.get("run", "")).splitlines():
            if line.startswith((".venv/bin/sdkgen", "cat ")):
                results.append(subprocess.run(["bash", "-c", line], cwd=repo, env=env, capture_output=True, text=True))
    comment, _, annotate = results
    assert comment.returncode == 0, comment.stderr
    report = (repo / "spec-diff.md").read_text()
    assert "**5 changes: 4 breaking, 1 warning, 0 info**" in report, report[:300]
    assert "request-property-became-required" in report and summary.read_text() == report
    assert annotate.returncode == 1, annotate.stderr
    assert "::error" in annotate.stdout and "request-property-became-required" in annotate.stdout


def test_the_pre_commit_hooks_check_a_teams_repository(tmp_path: Path) -> None:
    """pre-commit installs sdkgen from this repository's HEAD, as it would from a tag, and runs both hooks."""
    hooks = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks == {"sdkgen-check", "sdkgen-validate"}
    repo = team_repository(tmp_path / "team")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head.stdout.strip()}\n    hooks:\n"
        "      - id: sdkgen-check\n        args: [--config, spec/sdkgen.yaml]\n"
        "      - id: sdkgen-validate\n        args: [spec/modelgates-videos.yaml]\n"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def pre_commit() -> subprocess.CompletedProcess[str]:
        command = [str(VENV_BIN / "pre-commit"), "run", "--all-files"]
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    current = pre_commit()
    assert current.returncode == 0, current.stdout + current.stderr
    assert current.stdout.count("Passed") == 2, current.stdout
    stale = repo / "generated" / "modelgates" / "models.py"
    stale.write_text(stale.read_text() + "# edited by hand\n")
    edited = pre_commit()
    assert edited.returncode == 1, edited.stdout
    assert "+# edited by hand" not in edited.stdout and "-# edited by hand" in edited.stdout
    assert "generated is not what spec/modelgates-videos.yaml generates; run `make regenerate`" in edited.stdout
