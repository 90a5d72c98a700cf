"""Whether the vehicle can get a Certificate of Conformity: its EU whole-vehicle type approval
(registration field K) and a make the catalogue serves."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.results import CheckResult, result
from coc_service.vehicles.makes import canonical_make

# Framework directives and regulations under which whole vehicles are EU type-approved:
# cars and vans (70/156/EEC and its amendments 92/53, 98/14, 2001/116; 2007/46/EC;
# Regulation 2018/858), two- and three-wheelers (92/61, 2002/24, 168/2013), tractors
# (2003/37, 167/2013).
WHOLE_VEHICLE_ACTS = frozenset({
    "70/156", "92/53", "98/14", "2001/116", "2007/46", "2018/858",
    "92/61", "2002/24", "168/2013", "2003/37", "167/2013",
})  # fmt: skip
# OCR confusions inside the numeric parts of an approval number
_DIGITS = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "Z": "2",
                         "S": "5", "B": "8", "G": "6"})
_SEPARATOR = r"[*X×+#°\-.,:]"
# e<country>*<act(s)>*<number>*<extension>. OCR may lose the last separator or the extension;
# the mark and the act are what show an EU type approval, so those losses are tolerated.
_APPROVAL = re.compile(
    rf"^E(\d{{1,2}}){_SEPARATOR}+(KS)?((?:\d{{2,4}}/\d{{2,4}}{_SEPARATOR}*)+?){_SEPARATOR}+"
    rf"(\d{{2,8}})(?:{_SEPARATOR}+(\d{{1,3}}))?$"
)
_MARK = "E€©"  # how OCR reads the "e" of the approval mark


@dataclass(frozen=True)
class TypeApproval:
    """An EU type-approval number: e<country>*<acts>*<base number>*<extension>."""

    country: int
    acts: tuple[str, ...]
    number: str
    extension: str
    small_series: bool = False

    def __str__(self) -> str:
        acts = "*".join(self.acts)
        tail = f"*{self.extension}" if self.extension else ""
        return f"e{self.country}*{'KS' if self.small_series else ''}{acts}*{self.number}{tail}"

    @property
    def whole_vehicle(self) -> bool:
        return any(a in WHOLE_VEHICLE_ACTS for a in self.acts)


def parse_type_approval(text: str | None) -> TypeApproval | None:
    """Return the EU type approval written in `text`, tolerating OCR noise (spaces, 'x' or '+'
    for '*', O for 0), or None when it is not of the form e<n>*<act>*<number>*<extension>."""
    if not text:
        return None
    compact = re.sub(r"\s+", "", text).upper().rstrip("*X×+#°-.,:;")
    # The number may follow label words the reader kept ("RÉCEPTION/GOEDKEURING e6*..."), and
    # OCR reads the "e" as "€": try each place an approval mark may start, first one that fits.
    for start in (i for i, c in enumerate(compact) if c in _MARK):
        rest = compact[start + 1 :]
        # only the parts after "e" are numeric; keep the separators 'X' and the KS marker
        body = rest.replace("KS", "\x00").translate(_DIGITS).replace("\x00", "KS")
        match = _APPROVAL.match("E" + body)
        approval = _approval_of(match, small_series="KS" in rest) if match else None
        if approval is not None:
            return approval
    return None


def _approval_of(match: re.Match[str], *, small_series: bool) -> TypeApproval | None:
    country = int(match.group(1))
    acts = tuple(re.findall(r"\d{2,4}/\d{2,4}", match.group(3)))
    if not 1 <= country <= 64 or not acts:
        return None
    number, extension = match.group(4), match.group(5)
    if extension is None and len(number) >= 6:  # "*2844 17" read as "*284417"
        number, extension = number[:-2], number[-2:]
    return TypeApproval(country=country, acts=acts, number=number, extension=extension or "",
                        small_series=small_series)


def coc_eligible(ctx: CheckContext) -> CheckResult:
    """K is an EU whole-vehicle type approval, and the make is one the catalogue serves."""
    name = "coc_eligible"
    if ctx.registration is None:
        return result(name, "skip", "no_registration", "No registration certificate to read K.",
                      "Aucun certificat d'immatriculation pour lire le champ K.")
    found = ctx.reg_field("type_approval_number")
    make_found = ctx.reg_field("make")
    evidence = [ctx.doc_evidence(found, "type_approval_number"),
                ctx.doc_evidence(make_found, "make"),
                order_evidence("vehicle.make", ctx.order.vehicle.make)]
    cutoff = ctx.settings.make_fuzzy_cutoff
    make = (canonical_make(make_found[1].value, fuzzy_cutoff=cutoff) if make_found else None) \
        or canonical_make(ctx.order.vehicle.make, fuzzy_cutoff=cutoff)
    if make is not None and not ctx.settings.serves(make):
        return result(name, "fail", "make_not_served",
                      f"We do not supply certificates of conformity for {make}.",
                      f"Nous ne fournissons pas de certificat de conformité pour {make}.",
                      evidence)
    if found is None:
        return result(name, "fail", "no_type_approval",
                      "No EU type-approval number (field K) was read on the registration: a "
                      "vehicle approved individually, or some imports, cannot get a COC.",
                      "Aucun numéro de réception CE (champ K) n'a été lu sur le certificat : un "
                      "véhicule réceptionné à titre isolé, ou certains imports, ne peuvent pas "
                      "obtenir de COC.", evidence)
    printed = found[1].value or ""
    approval = parse_type_approval(printed)
    if approval is None:
        return result(name, "fail", "not_eu_approval",
                      f"K ({printed}) is not an EU whole-vehicle type approval "
                      "(e<n>*<directive>*<number>*<extension>): probably an individual or "
                      "national approval, which cannot get a COC.",
                      f"Le champ K ({printed}) n'est pas une réception CE par type "
                      "(e<n>*<directive>*<numéro>*<extension>) : sans doute une réception "
                      "isolée ou nationale, qui ne permet pas d'obtenir un COC.", evidence)
    if approval.small_series:
        return result(name, "warn", "small_series",
                      f"K ({approval}) is an EU small-series approval; check the supplier can "
                      "issue a COC.",
                      f"Le champ K ({approval}) est une réception CE de petite série ; vérifier "
                      "que le fournisseur peut délivrer un COC.", evidence)
    if not approval.whole_vehicle:
        return result(name, "warn", "unknown_act",
                      f"K ({approval}) cites {', '.join(approval.acts)}, not a whole-vehicle "
                      "approval act we know.",
                      f"Le champ K ({approval}) cite {', '.join(approval.acts)}, qui n'est pas un "
                      "texte de réception par type que nous connaissons.", evidence)
    if make is None:
        return result(name, "warn", "make_unknown",
                      f"K ({approval}) is an EU type approval, but the make is not one we know.",
                      f"Le champ K ({approval}) est une réception CE, mais la marque ne nous est "
                      "pas connue.", evidence)
    return result(name, "pass", "ok", f"EU type approval {approval} ({make}): a COC can be "
                  "issued.", f"Réception CE par type {approval} ({make}) : un COC peut être "
                  "délivré.", evidence)
