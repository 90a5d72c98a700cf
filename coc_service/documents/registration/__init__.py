"""Vehicle registration certificates read by the EU-harmonised codes (Directive 1999/37/EC).

One reader for the French SIV certificate and the other member states' documents (German
Zulassungsbescheinigung Teil I, Belgian, Spanish and Italian certificates...) because they all
print the same codes. How a page is read (reader.py):

1. One full-page Tesseract pass (fra, sparse text) on the page with its tinted background
   flattened and small code frames erased (clean.py).
2. Codes are found in the words, tolerating OCR noise ("D.1" read as "D1", "D,1", "0.1",
   "[D.1]", "C.1L1"; codes.py); where a code is unreadable, its national label ("Marke",
   "Marca", "Marque / Merk"; labels.py) stands in for it. Each value is taken to the right of
   its code or below it, past any printed label, and validated by what it must look like
   (fields.py, normalise.py); one run of words is the value of one field only.
3. Fields no code or label led to are inferred at low confidence and with a note: a VIN or a
   plate by its shape, B and I from the order of the page's unlabelled dates, D.1 from a make
   name printed on the page, and on the SIV (a fixed layout) C.1 from the line above C.4a's
   "EST LE PROPRIETAIRE DU VEHICULE" and D.3 from after the CNIT on the make's line
   (inference.py).
4. The SIV band (two lines of 44 OCR-B characters at the foot of the French certificate) is
   read by the identity reader's fixed-pitch glyph classifier (band_glyphs.py) and parsed
   without assuming where line 1 keeps the plate, VIN and date (band.py); it is a second
   source for the VIN, plate, make and first-registration date (crosscheck.py).
5. Where the full pass read no VIN, or a weak one, the page's rows of print that OCR did not
   read as words are scored by the multi-font VIN glyph classifier (glyphs/), and the row it
   reads best as a VIN (a known WMI, four closing digits) is taken as the VIN's place.
6. Unless the full-page VIN is already sure, its crop is read again in three variants in one
   stacked Tesseract call (reread.py); the VIN is then decided character by character from all
   reads and the band, and made valid where it cannot be as read (known WMI, model-year
   character, North-American check digit; vin_vote.py).

Entry points:
- `read_registration(pages, *, limits) -> Reading | None`
- `looks_like_registration(text) -> float`: a cheap text-only classifier (0..1).

Fields (`Reading.fields`, names of the `coc-service extract` contract first):

- registration_number (A): the plate in its national spelling: SIV `AB-123-CD`, FNI
  `1234 AB 56`, DE `M-AB 1234`, BE `1-ABC-234`, ES `1234 BCD`, IT `AB 123 CD`; any other format
  as read, upper case.
- first_registration_date (B): ISO date.
- holder_name (C.1; else C.1.1 + C.1.2; else Italy's C.2.1 + C.2.2): upper case, accents kept,
  surname first.
- make (D.1): canonical spelling of coc_service.vehicles.makes when known, else as read.
- commercial_name (D.3): as read.
- vin (E): 17 characters, never I, O or Q.
- type_approval_number (K): `e2*2007/46*0534*12`; national numbers as read.
- certificate_date (I): ISO date. On the SIV, I is "date of the registration to which this
  certificate refers", i.e. the date the certificate was issued for; other states print the
  same code for the date of this registration, so I is the certificate's date everywhere.
- holder_surname, holder_given_names (C.1.1, C.1.2); holder_address (C.3 on the SIV, C.1.3 in
  Germany, Belgium, Spain); owner_surname, owner_given_names, owner_address (C.2.1-C.2.3).
- d2_type (D.2), d21_national_type (D.2.1), f1_max_mass_kg (F.1), f2_max_mass_service_kg
  (F.2), g_mass_kg (G), j_category (J: M1, N1...), j1_genre (J.1: VP, CTTE...),
  p1_capacity_cc (P.1), p2_power_kw (P.2), p3_fuel (P.3), p6_fiscal_power (P.6), s1_seats
  (S.1), v7_co2_g_km (V.7), v9_env_class (V.9), x1_inspection_date (X.1, ISO date).

German, Spanish and Italian names get back the accents Tesseract's French model reads as a
circumflex (KÔHLER -> KÖHLER; normalise.local_accents).

Each Field carries its page and box (in the page image) and a source: "ocr" (printed field) or
"band" (taken from the SIV machine-readable band because the printed field was unreadable).
Disagreements between sources and inferred values are listed in `Reading.notes`, and lower the
field's confidence. `Reading.score` says how sure the reader is that the page is a certificate
(codes found, VIN, band, title words); below 0.35 `read_registration` returns None.
"""

from __future__ import annotations

from coc_service.documents.registration.country import looks_like_registration
from coc_service.documents.types import Limits, Page, Reading

__all__ = ["looks_like_registration", "read_registration"]

# Below this score a page is not taken for a registration certificate.
MIN_SCORE = 0.35


def read_registration(pages: list[Page], *, limits: Limits) -> Reading | None:
    """Return the registration certificate read from the pages, or None when there is none."""
    from coc_service.documents.registration.reader import read_page

    best: Reading | None = None
    for page in pages[: limits.max_pages]:
        reading = read_page(page, limits).reading
        if best is None or reading.score > best.score:
            best = reading
        if best.score >= 0.85:
            break  # a clear certificate: the other pages are context (e.g. its back)
    if best is None or best.score < MIN_SCORE:
        return None
    return best
