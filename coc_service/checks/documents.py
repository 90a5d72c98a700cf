"""Checks on the uploaded files themselves: the right kinds of document, and readable."""

from __future__ import annotations

from coc_service.checks.context import IDENTITY_TYPES, REGISTRATION_TYPE, CheckContext
from coc_service.checks.results import CheckResult, Evidence, result
from coc_service.documents.types import ExtractionResult
from coc_service.vehicles.vin import normalise_vin

_TYPE_NAMES = {
    "id_card": ("identity card", "carte d'identité"),
    "passport": ("passport", "passeport"),
    "registration_certificate": ("registration certificate", "certificat d'immatriculation"),
    "unknown": ("unrecognised document", "document non reconnu"),
}
# Fields without which the other checks cannot compare the order with the documents
REGISTRATION_REQUIRED = ("vin", "first_registration_date", "make")
IDENTITY_REQUIRED = ("surname", "given_names", "document_number", "birth_date")


def _type_evidence(i: int, doc: ExtractionResult) -> Evidence:
    return Evidence(source="document", field="document_type", value=doc.document_type,
                    document=i, file=doc.file)


def _listing(ctx: CheckContext, lang: int) -> str:
    return ", ".join(f"{_TYPE_NAMES[d.document_type][lang]} ({d.file})" for d in ctx.documents)


def document_types(ctx: CheckContext) -> CheckResult:
    """One identity document (ID card or passport) and one registration certificate."""
    name = "document_types"
    evidence = [_type_evidence(i, d) for i, d in enumerate(ctx.documents)]
    ids, regs = ctx.indexes_of(*IDENTITY_TYPES), ctx.indexes_of(REGISTRATION_TYPE)
    if not ctx.documents:
        return result(name, "fail", "no_documents", "No document was uploaded.",
                      "Aucun document n'a été envoyé.")
    seen_en, seen_fr = _listing(ctx, 0), _listing(ctx, 1)
    if not ids and len(regs) >= 2:
        return result(name, "fail", "registration_as_identity",
                      "A registration certificate was uploaded in place of the identity document "
                      f"(received: {seen_en}).",
                      "Un certificat d'immatriculation a été envoyé à la place de la pièce "
                      f"d'identité (reçu : {seen_fr}).", evidence)
    if not regs and len(ids) >= 2:
        return result(name, "fail", "identity_as_registration",
                      "An identity document was uploaded in place of the registration certificate "
                      f"(received: {seen_en}).",
                      "Une pièce d'identité a été envoyée à la place du certificat "
                      f"d'immatriculation (reçu : {seen_fr}).", evidence)
    if not ids:
        return result(name, "fail", "identity_missing",
                      f"No identity document (ID card or passport) was recognised; received: "
                      f"{seen_en}.",
                      "Aucune pièce d'identité (carte d'identité ou passeport) n'a été reconnue ; "
                      f"reçu : {seen_fr}.", evidence)
    if not regs:
        return result(name, "fail", "registration_missing",
                      f"No registration certificate was recognised; received: {seen_en}.",
                      f"Aucun certificat d'immatriculation n'a été reconnu ; reçu : {seen_fr}.",
                      evidence)
    vins = {normalise_vin(v) for i in regs if (v := _value(ctx.documents[i], "vin"))}
    if len(vins) > 1:
        return result(name, "fail", "two_vehicles",
                      "Registration certificates of different vehicles were uploaded "
                      f"({', '.join(sorted(vins))}).",
                      "Des certificats d'immatriculation de véhicules différents ont été envoyés "
                      f"({', '.join(sorted(vins))}).", evidence)
    numbers = {n for i in ids if (n := _number(ctx.documents[i]))}
    if len(numbers) > 1:
        return result(name, "warn", "several_identities",
                      f"Several different identity documents were uploaded ({seen_en}).",
                      f"Plusieurs pièces d'identité différentes ont été envoyées ({seen_fr}).",
                      evidence)
    return result(name, "pass", "ok", f"Identity document and registration certificate present "
                  f"({seen_en}).", "Pièce d'identité et certificat d'immatriculation présents "
                  f"({seen_fr}).", evidence)


def documents_readable(ctx: CheckContext) -> CheckResult:
    """Each file was read, and the fields the checks compare were read with enough confidence."""
    name = "documents_readable"
    bad_en, bad_fr, evidence = [], [], []
    for i, doc in enumerate(ctx.documents):
        if doc.status == "rejected":
            code = doc.error.code if doc.error else "rejected"
            bad_en.append(f"File {doc.file} was refused ({code})")
            bad_fr.append(f"Le fichier {doc.file} a été refusé ({code})")
            evidence.append(_type_evidence(i, doc))
        elif doc.status == "unreadable" or doc.document_type == "unknown":
            bad_en.append(f"No document could be read in {doc.file}")
            bad_fr.append(f"Aucun document n'a pu être lu dans {doc.file}")
            evidence.append(_type_evidence(i, doc))
    missing, doubtful = [], []
    for index, required in ((ctx.registration_index, REGISTRATION_REQUIRED),
                            (ctx.identity_index, IDENTITY_REQUIRED)):
        if index is None:
            continue
        doc = ctx.documents[index]
        for field_name in required:
            found = ctx.reg_field(field_name) if doc.document_type == REGISTRATION_TYPE \
                else ctx.id_field(field_name)
            evidence.append(ctx.doc_evidence(found, field_name))
            if found is None:
                missing.append(f"{field_name} ({doc.file})")
            elif found[1].confidence < ctx.settings.readable_confidence:
                doubtful.append(f"{field_name} ({doc.file}, {found[1].confidence:.2f})")
    if missing:
        bad_en.append("Not read: " + ", ".join(missing))
        bad_fr.append("Non lu : " + ", ".join(missing))
    if bad_en:
        return result(name, "fail", "unreadable", _sentence(bad_en), _sentence(bad_fr), evidence)
    if doubtful:
        return result(name, "warn", "low_confidence",
                      "Read with low confidence: " + ", ".join(doubtful) + ".",
                      "Lu avec une confiance faible : " + ", ".join(doubtful) + ".", evidence)
    poor = [d.file for d in ctx.documents if d.quality is not None and not d.quality.acceptable]
    if poor:
        return result(name, "warn", "poor_quality",
                      f"Every document was read, but the photo quality is poor: {', '.join(poor)}.",
                      "Tous les documents ont été lus, mais la qualité de la photo est "
                      f"médiocre : {', '.join(poor)}.", evidence)
    return result(name, "pass", "ok", "Every document was read with enough confidence.",
                  "Tous les documents ont été lus avec une confiance suffisante.", evidence)


def _sentence(parts: list[str]) -> str:
    return "; ".join(parts) + "."


def _value(doc: ExtractionResult, field_name: str) -> str | None:
    f = doc.fields.get(field_name)
    return f.value if f is not None and f.value else None


def _number(doc: ExtractionResult) -> str | None:
    return _value(doc, "document_number")
