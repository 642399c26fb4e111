"""Split an export of several web pages of the network's site into one document per page.

Each page of the export is: a title, the body, then the site's fields
(``Catégorie``, ``Type de ressource``, ``Ressource privée`` Oui/Non, ``Résumé``) and the summary,
which often repeats the body word for word. Pages are found from the field blocks: the body
of a page is the run of paragraphs just before its field block that its summary repeats, and
its title is the paragraph before that body. A page with no body (only a summary) takes the
paragraph right before its field block as its title and its summary as its body. A summary
that differs from the body is kept after it, so that nothing of the export is lost.

The site always fills the summary; a page whose summary were empty could not be told from a
summary-only page, and its body would be taken for the previous page's summary (still kept,
never dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import ReadDocument

FIELD_LABELS = ("Catégorie", "Type de ressource", "Ressource privée", "Résumé")
_STARTS_FIELDS = ("Catégorie", "Type de ressource")


def is_web_export(text: str) -> bool:
    return bool(re.search(r"^Ressource privée\s*\n\s*(?:Oui|Non)\s*$", text, re.MULTILINE))


@dataclass
class _FieldBlock:
    fields: dict[str, str]


def _paragraphs(text: str) -> list[str | _FieldBlock]:
    """Paragraphs (runs of non-blank lines) and the field blocks between them."""
    items: list[str | _FieldBlock] = []
    lines = text.split("\n")
    current: list[str] = []

    def flush() -> None:
        if current:
            items.append("\n".join(current))
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line in _STARTS_FIELDS and "Ressource privée" in (l.strip() for l in lines[i:i + 8]):
            flush()
            fields: dict[str, str] = {}
            label = None
            while i < len(lines):
                stripped = lines[i].strip()
                if stripped in FIELD_LABELS:
                    label = stripped
                    fields.setdefault(label, "")
                    i += 1
                    if label == "Résumé":
                        break
                    continue
                if stripped and label:
                    fields[label] = (fields[label] + " " + stripped).strip()
                i += 1
            items.append(_FieldBlock(fields))
            continue
        if line:
            current.append(lines[i].rstrip())
        else:
            flush()
        i += 1
    flush()
    return items


def _norm(paragraph: str) -> str:
    return " ".join(paragraph.split())


def _same_opening(paragraph: str, summary_start: str) -> bool:
    """Whether a summary starts with this paragraph, which it may complete or shorten."""
    shorter, longer = sorted((_norm(paragraph).rstrip(".…!? "), _norm(summary_start).rstrip(".…!? ")), key=len)
    return shorter == longer or (len(shorter) >= 20 and longer.startswith(shorter))


def _body_start(region: list[str], after: list[str]) -> int:
    """Where, in the paragraphs before a field block, the body its summary repeats begins.

    The body is the tail of the region that the summary's head repeats paragraph by
    paragraph (the first one may be completed or shortened); the longest such tail wins (index 0 is the title at least). Without one, the
    page has no body: ``len(region)``.
    """
    for start in range(1, len(region)):
        tail = region[start:]
        if len(tail) <= len(after) and _same_opening(tail[0], after[0]) and all(
            _norm(a) == _norm(b) for a, b in zip(tail[1:], after[1:])
        ):
            return start
    return len(region)


def _merge_repetition(body: list[str], summary: list[str]) -> list[str] | None:
    """Body and summary as one, when the summary repeats the body paragraph by paragraph.

    A paragraph of one that extends the same paragraph of the other (the site sometimes
    completes a sentence in the summary) is kept in its longer form. ``None`` when the
    summary says something else.
    """
    shorter, longer = sorted((body, summary), key=len)
    merged = []
    for i, paragraph in enumerate(longer):
        if i >= len(shorter):
            merged.append(paragraph)
            continue
        a, b = sorted((_norm(shorter[i]), _norm(paragraph)), key=len)
        if not b.startswith(a.rstrip(".…!? ")):
            return None
        merged.append(paragraph if _norm(paragraph) == b else shorter[i])
    return merged


_GENRE_BY_TITLE = [
    (re.compile(r"rapport d.activit", re.I), "rapport d'activité"),
    (re.compile(r"communiqu", re.I), "communiqué"),
    (re.compile(r"\bguide\b|repèress", re.I), "guide"),
    (re.compile(r"retour sur|compte.rendu", re.I), "compte rendu"),
]


def split_web_export(text: str) -> tuple[list[ReadDocument], list[str]]:
    """The pages of an export, and the paragraphs before the first page (the site's header)."""
    items = _paragraphs(text)
    blocks = [i for i, item in enumerate(items) if isinstance(item, _FieldBlock)]
    regions = []
    previous = -1
    for index in blocks:
        regions.append([p for p in items[previous + 1:index]])
        previous = index
    tail = list(items[previous + 1:])

    starts = []  # (title index, body start) within each region
    for k, region in enumerate(regions):
        after = regions[k + 1] if k + 1 < len(regions) else tail
        body_start = _body_start(region, after)
        starts.append((max(body_start - 1, 0), body_start))

    preamble = regions[0][:starts[0][0]] if regions else []
    documents = []
    for k, region in enumerate(regions):
        title_index, body_start = starts[k]
        title = _norm(region[title_index]) if region else ""
        body = region[body_start:]
        summary = regions[k + 1][:starts[k + 1][0]] if k + 1 < len(regions) else tail
        merged = _merge_repetition(body, summary)
        if merged is not None:
            body, summary = merged, []
        paragraphs = body + (["Résumé :"] + summary if summary else [])
        fields = items[blocks[k]].fields
        metadata = {
            "private": "true" if fields.get("Ressource privée", "").lower() == "oui" else "false",
            "type_de_ressource": fields.get("Type de ressource", ""),
            "categorie": fields.get("Catégorie", ""),
        }
        genre = next((g for pattern, g in _GENRE_BY_TITLE if pattern.search(title)), None)
        if genre:
            metadata["genre"] = genre
        documents.append(ReadDocument(
            text=title + "\n\n" + "\n\n".join(paragraphs) + "\n",
            title=title,
            metadata=metadata,
            part=k + 1,
        ))
    return documents, preamble
