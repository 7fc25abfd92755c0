"""The translation catalogs: compile them without GNU gettext, and check they are compiled.

Source strings are American English; ``locale/en_GB/LC_MESSAGES/django.po`` holds the
British words. Django reads the compiled ``django.mo`` beside it, which is committed (as
Django does with its own catalogs), so a fresh clone needs no ``msgfmt``. After editing a
``.po`` file, compile every catalog with::

    .venv/bin/python -m directory.translations

and commit both files; a test fails while a ``.mo`` differs from its ``.po``.
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogs() -> list[Path]:
    """Every ``.po`` file under locale/."""
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def translations(catalog: polib.POFile | polib.MOFile) -> dict[tuple[str | None, str], str]:
    """(context, message) → translation, for the entries Django will use."""
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in catalog
        if entry.msgid and entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
    }


def is_stale(po_path: Path) -> bool:
    """Whether the ``.mo`` beside ``po_path`` is missing or says something else."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return True
    return translations(polib.pofile(str(po_path))) != translations(polib.mofile(str(mo_path)))


def compile_all() -> list[Path]:
    """Write the ``.mo`` beside each ``.po``; returns the files written."""
    written = []
    for po_path in catalogs():
        catalog = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        catalog.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"Compiled {path.relative_to(LOCALE_DIR.parent)}")
    sys.exit(0)
