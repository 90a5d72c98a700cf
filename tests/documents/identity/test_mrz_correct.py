"""Check-digit correction: confusable characters are put right when the checks decide it, and
a reading is never reported valid unless every check really holds."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from coc_service.documents.identity.mrz_correct import (
    CONFUSIONS,
    correct_mrz,
    logp_from_text,
)
from coc_service.documents.identity.mrz_format import (
    CHARSET,
    DIGITS,
    FRA_ID_1988,
    LETTERS,
    TD1,
    TD2,
    TD3,
    MrzLayout,
    char_value,
    check_digit,
)
from coc_service.documents.identity.mrz_parse import checks_for, failed_checks, parse_mrz

TODAY = date(2026, 1, 15)
ALNUM = DIGITS + LETTERS
# Pairs a check digit cannot tell apart (values 10 apart: weights 7, 3, 1 are prime to 10).
BLIND = {(a, b) for a in CHARSET for b in CHARSET if (char_value(a) - char_value(b)) % 10 == 0}

dates = st.dates(min_value=date(1935, 1, 1), max_value=date(2060, 12, 31))
codes = st.sampled_from(["FRA", "DEU", "ITA", "ESP", "BEL", "GBR", "UTO", "D<<", "ROU"])


def _pad(text: str, width: int) -> str:
    return text[:width].ljust(width, "<")


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


@st.composite
def names(draw: st.DrawFn, width: int) -> str:
    surname = draw(st.text(LETTERS, min_size=2, max_size=12))
    given = draw(st.lists(st.text(LETTERS, min_size=2, max_size=8), min_size=0, max_size=3))
    return _pad(surname + "<<" + "<".join(given), width)


@st.composite
def valid_mrz(draw: st.DrawFn) -> tuple[MrzLayout, list[str]]:
    """Return a layout and lines that pass every check."""
    layout = draw(st.sampled_from([TD1, TD2, TD3, FRA_ID_1988]))
    number = draw(st.text(ALNUM, min_size=6, max_size=9))
    birth, expiry = _yymmdd(draw(dates)), _yymmdd(draw(dates))
    sex = draw(st.sampled_from("MF<"))
    state, nationality = draw(codes), draw(codes)
    if layout is TD3:
        personal = _pad(draw(st.text(ALNUM + "<", max_size=14)), 14)
        num = _pad(number, 9)
        body = num + check_digit(num) + nationality + birth + check_digit(birth) + sex
        body += expiry + check_digit(expiry) + personal + check_digit(personal)
        body += check_digit(body[0:10] + body[13:20] + body[21:43])
        return layout, ["P<" + state + draw(names(39)), body]
    if layout is TD1:
        num = _pad(number, 9)
        line1 = "I<" + state + _pad(num + check_digit(num) + draw(st.text(ALNUM, max_size=8)), 25)
        line2 = birth + check_digit(birth) + sex + expiry + check_digit(expiry) + nationality
        line2 += _pad(draw(st.text(ALNUM, max_size=6)), 11)
        line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
        return layout, [line1, line2, draw(names(30))]
    if layout is TD2:
        num = _pad(number, 9)
        body = num + check_digit(num) + nationality + birth + check_digit(birth) + sex
        body += expiry + check_digit(expiry) + _pad(draw(st.text(ALNUM, max_size=7)), 7)
        body += check_digit(body[0:10] + body[13:20] + body[21:35])
        return layout, ["ID" + state + draw(names(31)), body]
    issued = draw(st.dates(min_value=date(1988, 1, 1), max_value=date(2021, 12, 31)))
    card = issued.strftime("%y%m") + draw(st.text(ALNUM, min_size=3, max_size=3))
    card += draw(st.text(DIGITS, min_size=5, max_size=5))
    line1 = "IDFRA" + _pad(draw(st.text(LETTERS, min_size=2, max_size=20)), 25)
    line1 += draw(st.text(DIGITS, min_size=6, max_size=6))
    body = card + check_digit(card) + draw(names(14)) + birth + check_digit(birth)
    body += draw(st.sampled_from("MF"))
    return layout, [line1, body + check_digit(line1 + body)]


def _replace(lines: list[str], pos: tuple[int, int], char: str) -> list[str]:
    out = list(lines)
    line, i = pos
    out[line] = out[line][:i] + char + out[line][i + 1 :]
    return out


@settings(max_examples=60, deadline=None)
@given(valid_mrz())
def test_generated_lines_are_valid(sample: tuple[MrzLayout, list[str]]) -> None:
    layout, lines = sample
    assert failed_checks(layout, lines) == []
    assert correct_mrz(layout, logp_from_text(lines)).lines == lines


@settings(max_examples=60, deadline=None)
@given(valid_mrz(), st.data())
def test_letters_read_in_digit_fields_are_put_back(sample: tuple[MrzLayout, list[str]],
                                                  data: st.DataObject) -> None:
    """Dates, check digits and numeric parts allow digits only: O->0, I->1, S->5, B->8..."""
    layout, lines = sample
    lookalike = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
    numeric = [(ln, i) for ln in range(layout.lines) for i in range(layout.length)
               if layout.classes[ln][i] in "NMDC" and lines[ln][i] in lookalike]
    assume(numeric)
    chosen = data.draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=6, unique=True))
    corrupted = lines
    for pos in chosen:
        corrupted = _replace(corrupted, pos, lookalike[lines[pos[0]][pos[1]]])
    result = correct_mrz(layout, logp_from_text(corrupted))
    assert result.lines == lines
    assert result.valid


# Many single confusions leave the checks unable to decide (another look-alike also makes the
# MRZ valid); those inputs are rightly discarded, sometimes enough of them to trip
# Hypothesis's filtering health check, which made this test fail about one run in three.
@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_mrz(), st.data())
def test_one_confusion_in_a_checked_field_is_undone_when_the_checks_decide(
    sample: tuple[MrzLayout, list[str]], data: st.DataObject
) -> None:
    layout, lines = sample
    checks = checks_for(layout, lines)
    field = data.draw(st.sampled_from(checks[:-1]))
    spots = [(pos, alt) for pos in field.positions() for alt in CONFUSIONS.get(
        lines[pos[0]][pos[1]], "") if alt in layout.alphabet(*pos)
        and (lines[pos[0]][pos[1]], alt) not in BLIND]
    assume(spots)
    pos, alt = data.draw(st.sampled_from(spots))
    corrupted = _replace(lines, pos, alt)
    # Oracle: every single confusable change inside the field (and its check digit) that
    # makes the whole MRZ valid again. The checks decide when only the original does.
    fixes = set()
    for p in [*field.positions(), field.digit]:
        for a in CONFUSIONS.get(corrupted[p[0]][p[1]], ""):
            if a in layout.alphabet(*p):
                candidate = _replace(corrupted, p, a)
                if not failed_checks(layout, candidate):
                    fixes.add(tuple(candidate))
    assume(fixes == {tuple(lines)})
    result = correct_mrz(layout, logp_from_text(corrupted))
    assert result.lines == lines
    assert result.valid


@settings(max_examples=60, deadline=None)
@given(valid_mrz(), st.data())
def test_classifier_doubts_resolved_by_checks(sample: tuple[MrzLayout, list[str]],
                                             data: st.DataObject) -> None:
    """A classifier that prefers a look-alike, with the right character a close second, is
    overruled by the check digits: one such doubt per checked field."""
    layout, lines = sample
    logp = [np.full((layout.length, len(CHARSET)), -12.0) for _ in lines]
    for ln, line in enumerate(lines):
        for i, char in enumerate(line):
            logp[ln][i, CHARSET.index(char)] = 0.0
    for field in checks_for(layout, lines)[:-1]:
        spots = [(pos, alt) for pos in field.positions() for alt in CONFUSIONS.get(
            lines[pos[0]][pos[1]], "") if alt in layout.alphabet(*pos)
            and (lines[pos[0]][pos[1]], alt) not in BLIND]
        if not spots or not data.draw(st.booleans()):
            continue
        (ln, i), alt = data.draw(st.sampled_from(spots))
        logp[ln][i, CHARSET.index(alt)] = 0.0
        logp[ln][i, CHARSET.index(lines[ln][i])] = -1.0
    result = correct_mrz(layout, logp)
    assert result.lines == lines
    assert result.valid


@settings(max_examples=70, deadline=None)
@given(valid_mrz(), st.data())
def test_never_claims_valid_when_a_check_fails(sample: tuple[MrzLayout, list[str]],
                                               data: st.DataObject) -> None:
    layout, lines = sample
    positions = [(ln, i) for ln in range(layout.lines) for i in range(layout.length)]
    chosen = data.draw(st.lists(st.sampled_from(positions), min_size=1, max_size=8))
    corrupted = lines
    for pos in chosen:
        corrupted = _replace(corrupted, pos, data.draw(st.sampled_from(CHARSET)))
    result = correct_mrz(layout, logp_from_text(corrupted))
    assert result.valid == (failed_checks(layout, result.lines) == [])
    assert result.valid == (parse_mrz(layout, result.lines, today=TODAY).failed_checks
                            in ([], ["birth_date_value"], ["expiry_date_value"],
                                ["birth_date_value", "expiry_date_value"]))
    if result.valid:
        assert result.cost <= 14.0  # nothing improbable was made up to pass the checks
    else:
        assert result.failed_checks


def test_fillers_read_as_k_stay_fillers_where_only_fillers_fit() -> None:
    # The check digit cannot tell '<' from 'K' (values 0 and 20); the glyph scores can.
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
             "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    logp = [np.full((44, len(CHARSET)), -12.0) for _ in lines]
    for ln, line in enumerate(lines):
        for i, char in enumerate(line):
            logp[ln][i, CHARSET.index(char)] = 0.0
            if char == "<":
                logp[ln][i, CHARSET.index("K")] = -2.5
    assert correct_mrz(TD3, logp).lines == lines
