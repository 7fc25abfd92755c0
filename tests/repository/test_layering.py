"""The layers of docs/architecture.md hold: import-linter's contracts pass, and no import
hides inside a function to slip past them.

The contracts themselves live in pyproject.toml (``[tool.importlinter]``); CI also runs
``lint-imports`` on its own, so a broken layer names the offending import in either place.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("kernel", "accounts", "practitioners", "reviews", "listings", "partners", "demo")
BELOW_THE_DOMAINS = ("kernel",)

# Imports that stay inside a function, each for a reason other than a cycle.
DEFERRED_IMPORTS = {
    # AppConfig.ready: Django's documented place to connect signals and register jobs.
    "ready",
    # Place data (tens of MB) is loaded only by the processes that look a place up.
    "_cities",
    "_us_towns",
    "_qualifiers",
    "_zip_code",
    # The image probe's subprocess entry point imports Pillow only in that subprocess.
    "main",
    # Storage is resolved when a file is stored, after settings have loaded.
    "evidence_storage",
}


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def imports_inside_functions(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield node.name, ast.unparse(inner)


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("path", list(app_modules()), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_import_is_deferred_into_a_function_to_dodge_a_cycle(path):
    deferred = [
        f"{function}: {statement}"
        for function, statement in imports_inside_functions(path)
        if function not in DEFERRED_IMPORTS
    ]
    assert deferred == []


def test_the_kernel_imports_no_app_above_it():
    imported = set()
    for path in sorted((ROOT / "kernel").rglob("*.py")):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert imported & set(APPS) - set(BELOW_THE_DOMAINS) == set()
