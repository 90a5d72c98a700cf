"""Translations: French by default, every string of the pages and e-mails in English too."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "coc_service" / "translations"


def _extracted() -> set[str]:
    """Return every msgid the pages, views and e-mails use, read as pybabel would."""
    method_map = [("coc_service/web/**.py", "python"), ("coc_service/mail/**.py", "python"),
                  ("templates/**.html", "jinja2"), ("templates/mail/**.txt", "jinja2")]
    options = {"templates/**.html": {"encoding": "utf-8"},
               "templates/mail/**.txt": {"encoding": "utf-8"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options, keywords={"_": None, "gettext": None}):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_has_an_english_translation_compiled() -> None:
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    english = {m.id: m.string for m in catalogue if m.id}
    missing = sorted(_extracted() - {k for k, v in english.items() if v})
    assert missing == [], "run pybabel extract/update, translate, compile"
    stale = sorted(k for k, v in english.items() if v and compiled.get(k) is None)
    assert stale == [], "run pybabel compile -d coc_service/translations"
    assert compiled.get("Votre véhicule").string == "Your vehicle"  # type: ignore[union-attr]


@pytest.mark.db
def test_french_by_default_english_on_request(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    french = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="fr">' in french.get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    page = english.get_data(as_text=True)
    assert '<html lang="en">' in page and "How it works" in page
