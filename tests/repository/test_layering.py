"""Domains raise events; they never call the apps that listen to them.

Reviews, practitioners and the site kernel (``directory``) must not import ``partners``:
partners hear of changes through the event registry (``kernel.events``). Their API
packages are the exception — they are the partners' API — and so is the URL map. The
kernel's event module imports no domain at all.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("directory", "reviews", "practitioners")
ALLOWED = {"directory/api_urls.py"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def domain_files():
    for domain in DOMAINS:
        for path in sorted((ROOT / domain).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/api/" in relative or relative in ALLOWED:
                continue
            yield relative, path


def test_no_domain_module_imports_partners():
    offenders = {
        relative: sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "partners"
        )
        for relative, path in domain_files()
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_event_registry_imports_no_domain():
    imported = imported_modules(ROOT / "directory" / "events.py")
    assert {name.split(".")[0] for name in imported} & {
        "reviews",
        "practitioners",
        "partners",
    } == set()
