"""Document metadata: the columns of ``corpus/documents.csv`` and their vocabularies.

Values users see are French; English aliases are accepted on input so that scripts
written in either language work.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

from ..errors import AtelierError

#: Columns every document has, in the order they are written.
STANDARD_COLUMNS = [
    "doc_id", "title", "source", "source_sha256", "text_sha256", "genre", "date", "year",
    "author", "organisation", "territory", "level", "language", "private", "pseudonym",
    "consent", "consent_date",
]
#: Provenance columns the workbench fills itself; extra attribute columns come after them.
PROVENANCE_COLUMNS = ["original_name", "source_path", "part", "format", "version", "replaces", "ingested_at"]
CORE_COLUMNS = STANDARD_COLUMNS + PROVENANCE_COLUMNS

#: Attributes a user may set with ``--attr`` among the standard columns.
# Columns the readers compute from the file: the speakers of a transcript feed the privacy gate.
#: The OCR of a scan (readers.ocr): its engine and version, and the mean confidence of its words.
OCR_COLUMNS = ("ocr", "ocr_confidence")
READER_COLUMNS = {"speakers", "file_date", "encoding", *OCR_COLUMNS}
SETTABLE_COLUMNS = {
    "title", "genre", "date", "author", "organisation", "territory", "level", "language",
    "private", "pseudonym", "consent", "consent_date",
}

GENRES = {
    "plan d'action": ["action plan", "action-plan", "plan-action", "plan d’action"],
    "rapport d'activité": ["activity report", "activity-report", "rapport-activite", "rapport d’activité"],
    "ressource web": ["web resource", "web-resource", "web", "ressource-web"],
    "étude": ["study", "etude"],
    "entretien": ["interview", "transcript", "transcription"],
    "littérature": ["literature", "reference", "référence", "litterature"],
    "atelier": ["workshop"],
    "guide": [],
    "communiqué": ["press release", "communique", "communiqué de presse"],
    "compte rendu": ["minutes", "compte-rendu"],
    "document": ["other", "autre"],
}

LEVELS = {
    "commune": ["municipality", "commune", "municipal"],
    "intercommunalité": ["intercommunality", "intercommunalite", "epci", "métropole", "metropole"],
    "département": ["department", "departement"],
    "région": ["region"],
    "national": ["nation", "état", "etat"],
    "européen": ["european", "europe", "europeen", "ue"],
}


def _fold(value: str) -> str:
    return value.strip().lower().replace("’", "'")


def _canonical(value: str, vocabulary: dict[str, list[str]], what: str) -> str:
    folded = _fold(value)
    for canonical, aliases in vocabulary.items():
        if folded == _fold(canonical) or folded in (_fold(a) for a in aliases):
            return canonical
    allowed = ", ".join(vocabulary)
    raise AtelierError(f"{what} inconnu : « {value} ». Valeurs possibles : {allowed}.")


def canonical_genre(value: str) -> str:
    """The French genre name for ``value`` (French or English alias)."""
    return _canonical(value, GENRES, "genre")


def canonical_level(value: str) -> str:
    """The French level of local government for ``value``."""
    return _canonical(value, LEVELS, "niveau")


#: Consent of the persons an interview or a private contribution comes from (column ``consent``):
#: the stored value, its French label, and the aliases accepted on input (accents and case
#: ignored). An empty value means that no consent was recorded: the ``private`` column decides.
CONSENT_PSEUDONYM, CONSENT_INTERNAL, CONSENT_WITHDRAWN = "pseudonym", "internal", "withdrawn"
CONSENTS = {
    CONSENT_PSEUDONYM: ("publication sous pseudonyme", ["pseudonyme", "pseudonymise", "sous pseudonyme", "publiable"]),
    CONSENT_INTERNAL: ("usage interne seulement", ["interne", "usage interne", "internal-only", "internal only"]),
    CONSENT_WITHDRAWN: ("consentement retiré", ["retire", "retiree", "retrait", "withdraw", "revoque"]),
}
#: Consents under which a document is never published, whatever its ``private`` column says.
UNPUBLISHABLE_CONSENTS = frozenset({CONSENT_INTERNAL, CONSENT_WITHDRAWN})


def _fold_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", _fold(value))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def canonical_consent(value: str) -> str:
    """``pseudonym``, ``internal`` or ``withdrawn`` for ``value`` (also ``pseudonyme``, ``interne``,
    ``retiré``…); raises :class:`AtelierError` in French otherwise."""
    folded = _fold_accents(value)
    for canonical, (_, aliases) in CONSENTS.items():
        if folded == canonical or folded in (_fold_accents(a) for a in aliases):
            return canonical
    allowed = ", ".join(f"{canonical} ({label})" for canonical, (label, _) in CONSENTS.items())
    raise AtelierError(f"consentement inconnu : « {value} ». Valeurs possibles : {allowed}.")


def parse_consent_date(value: str) -> str:
    """A full ISO date (``AAAA-MM-JJ``), the day consent was given or changed."""
    try:
        return _dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise AtelierError(f"date de consentement invalide : « {value} » (format attendu : AAAA-MM-JJ).") from None


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date(value: str) -> tuple[str, str]:
    """Validate an ISO 8601 date, partial date or interval; return it with its first year.

    Accepted: ``2022``, ``2022-05``, ``2022-05-04`` and intervals such as ``2024/2025``.
    """
    text = value.strip()
    bounds = text.split("/")
    if len(bounds) > 2 or not all(_DATE.fullmatch(b) for b in bounds):
        raise AtelierError(
            f"date invalide : « {value} ». Formats acceptés : AAAA, AAAA-MM, AAAA-MM-JJ "
            "ou un intervalle AAAA/AAAA."
        )
    for bound in bounds:
        year, month, day = _DATE.fullmatch(bound).groups()
        if month and not 1 <= int(month) <= 12 or day and not 1 <= int(day) <= 31:
            raise AtelierError(f"date invalide : « {value} » (mois ou jour hors limites).")
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise AtelierError(f"intervalle de dates inversé : « {value} ».")
    return text, bounds[0][:4]


_TRUE = {"true", "oui", "yes", "vrai", "1", "o", "y"}
_FALSE = {"false", "non", "no", "faux", "0", "n", ""}


def parse_bool(value: str | bool, what: str = "private") -> bool:
    if isinstance(value, bool):
        return value
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise AtelierError(f"valeur booléenne invalide pour {what} : « {value} » (attendu : oui ou non).")


def slugify(text: str, max_length: int = 50) -> str:
    """A readable, stable ASCII identifier: ``Rapport d'activité 2024`` → ``rapport-d-activite-2024``."""
    ascii_text = unicodedata.normalize("NFKD", re.sub(r"[’'ʼ‘]", " ", text)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "document"


DOC_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_doc_id(doc_id: str) -> str:
    if not DOC_ID.fullmatch(doc_id):
        raise AtelierError(
            f"identifiant de document invalide : « {doc_id} » (minuscules, chiffres et tirets)."
        )
    return doc_id
