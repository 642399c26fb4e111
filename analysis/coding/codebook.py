"""The codebook: hierarchical codes addressed by path, in ``corpus/codebook.yaml``.

The file is a list of codes, each with its ``path`` (``leviers/commande-publique``), a French
``label``, its ``definition``, ``include`` and ``exclude`` criteria, an ``example`` and a
``colour`` (``#RRGGBB``); a code renamed or moved keeps its stable ``id`` (its first path, written
only once it differs from the path), a retired code has ``retired: true``. A child's parent must be
in the file too. :func:`check_codebook` lists every problem with its line; :func:`load_codebook`
refuses a codebook that has any. :func:`add_codes`, :func:`edit_codes` and :func:`remove_codes`
change the file in place, keeping every other line (comments, order, quoting) as it was.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from pathlib import Path

import pandas as pd
import yaml

from ..errors import AtelierError

FIELDS = ["path", "label", "definition", "include", "exclude", "example", "colour", "id", "retired"]
REQUIRED = ["path", "label", "colour"]
_PATH = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class CodebookError(AtelierError):
    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{path} : livre de codes invalide ({len(problems)} problème(s)) :\n{listing}")


def _scalar(node: yaml.Node) -> str:
    return "" if node.value is None else str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""

#: The colour of a code that has none (an ancestor created for a path, an import without colour).
NEUTRAL_COLOUR = "#9E9E9E"


def check_codebook(path: Path) -> list[str]:
    """Every problem of the codebook file, each naming its line; empty when it is valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [f"fichier introuvable : {path}"]
    except UnicodeDecodeError as error:
        return [f"le fichier n’est pas en UTF-8 (octet {error.start})"]
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1} : " if mark else ""
        return [f"{where}YAML invalide ({getattr(error, 'problem', error)})"]
    codes_node = None
    if isinstance(root, yaml.MappingNode):
        codes_node = next((value for key, value in root.value if _scalar(key) == "codes"), None)
    if not isinstance(codes_node, yaml.SequenceNode):
        return ["le fichier doit contenir une liste « codes: »"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    ids: dict[str, int] = {}
    paths_by_line: list[tuple[str, int]] = []
    for item in codes_node.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.append(f"ligne {line} : chaque code doit être une table (path, label, …)")
            continue
        fields = {_scalar(key): (value, value.start_mark.line + 1) for key, value in item.value}
        for name in fields:
            if name not in FIELDS:
                problems.append(f"ligne {fields[name][1]} : champ inconnu « {name} » (champs : {', '.join(FIELDS)})")
        code_path = _scalar(fields["path"][0]) if "path" in fields else ""
        if not code_path:
            problems.append(f"ligne {line} : code sans « path »")
            continue
        if not _PATH.fullmatch(code_path):
            problems.append(f"ligne {line} : chemin invalide « {code_path} » (minuscules, chiffres, tirets, « / » entre niveaux)")
        if code_path in seen:
            problems.append(f"ligne {line} : chemin en double « {code_path} » (déjà défini ligne {seen[code_path]})")
        seen.setdefault(code_path, line)
        paths_by_line.append((code_path, line))
        label = _scalar(fields["label"][0]) if "label" in fields else ""
        if not label:
            problems.append(f"ligne {line} : le code « {code_path} » a un libellé vide")
        colour = _scalar(fields["colour"][0]) if "colour" in fields else ""
        if not _COLOUR.fullmatch(colour):
            problems.append(f"ligne {line} : couleur invalide « {colour} » pour « {code_path} » (attendu : #RRGGBB)")
        code_id = _scalar(fields["id"][0]) if "id" in fields else code_path
        if not _PATH.fullmatch(code_id):
            problems.append(f"ligne {line} : identifiant invalide « {code_id} » pour « {code_path} »")
        if code_id in ids:
            problems.append(f"ligne {line} : identifiant en double « {code_id} » (déjà porté ligne {ids[code_id]})")
        ids.setdefault(code_id, line)
        if "retired" in fields and _scalar(fields["retired"][0]) not in ("true", "false"):
            problems.append(f"ligne {line} : « retired » vaut true ou false pour « {code_path} »")
    for code_path, line in paths_by_line:
        parent = code_path.rpartition("/")[0]
        if parent and parent not in seen:
            problems.append(f"ligne {line} : parent inconnu « {parent} » pour « {code_path} »")
    return problems


def load_codebook(path: Path) -> pd.DataFrame:
    """The codes as a DataFrame (one row per code, with ``parent`` and ``depth``), in file order."""
    problems = check_codebook(path)
    if problems:
        raise CodebookError(path, problems)
    codes = yaml.safe_load(path.read_text(encoding="utf-8"))["codes"]
    table = pd.DataFrame([{field: str(code.get(field) or "").strip() for field in FIELDS} for code in codes],
                         columns=FIELDS)
    return table.assign(
        id=table["id"].where(table["id"] != "", table["path"]),
        retired=[bool(code.get("retired")) for code in codes],
        parent=table["path"].str.rpartition("/")[0],
        depth=table["path"].str.count("/"),
    )


def with_descendants(code: str, paths) -> list[str]:
    """``code`` and every code below it among ``paths``."""
    return [p for p in paths if p == code or p.startswith(code + "/")]


def tree_text(codebook: pd.DataFrame, counts: dict[str, int] | None = None) -> str:
    """The hierarchy as indented lines, with coding counts when given."""
    lines = []
    for row in codebook.itertuples():
        count = f" ({counts.get(row.path, 0)})" if counts is not None else ""
        retired = " [retiré]" if getattr(row, "retired", False) else ""
        lines.append(f"{'  ' * row.depth}{row.path.rpartition('/')[2]} — {row.label}{count}{retired}")
    return "\n".join(lines)


def _entries(codes: pd.DataFrame) -> list[dict]:
    """The codes as the file writes them: empty fields, an id equal to the path and ``retired: false`` left out."""
    retired = codes["retired"].astype(bool).tolist() if "retired" in codes else [False] * len(codes)
    rows = codes.reindex(columns=FIELDS[:-1], fill_value="").fillna("").astype(str).to_dict("records")
    entries = []
    for row, is_retired in zip(rows, retired):
        entry = {field: row[field] for field in FIELDS[:-1]
                 if (row[field] or field in REQUIRED) and not (field == "id" and row[field] == row["path"])}
        entries.append({**entry, "retired": True} if is_retired else entry)
    return entries


def _write_checked(path: Path, text: str) -> None:
    """Write ``text`` as the codebook at ``path`` only if it is a valid codebook."""
    from ..fsio import atomic_write_text

    candidate = path.with_name(path.name + ".candidate")
    candidate.write_text(text, encoding="utf-8")
    try:
        problems = check_codebook(candidate)
        if problems:
            raise CodebookError(path, problems)
        atomic_write_text(path, text)
    finally:
        candidate.unlink(missing_ok=True)


def save_codebook(path: Path, codes: pd.DataFrame) -> None:
    """Write the codes back, keeping the file's leading comment block; refuses an invalid result."""
    header = ""
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = "".join(line for line in itertools.takewhile(lambda l: l.startswith("#") or not l.strip(), lines))
    body = yaml.safe_dump({"version": 1, "codes": _entries(codes)}, allow_unicode=True, sort_keys=False, width=100)
    _write_checked(path, header + body)


def add_codes(path: Path, codes: pd.DataFrame) -> None:
    """Add ``codes`` after the last code of the file, leaving every other line as it was
    (comments, order, quoting); a file without codes yet is written by :func:`save_codebook`.
    Refuses an invalid result."""
    try:
        text = path.read_text(encoding="utf-8")
        sequence = next((value for key, value in yaml.compose(text).value if _scalar(key) == "codes"), None)
    except (FileNotFoundError, AttributeError, yaml.YAMLError):
        sequence = None
    if not isinstance(sequence, yaml.SequenceNode) or not sequence.value:
        save_codebook(path, codes)
        return
    indent = " " * sequence.value[0].start_mark.column
    added = yaml.safe_dump(_entries(codes), allow_unicode=True, sort_keys=False, width=100)
    # An item's dash sits two columns left of its keys: indent the dumped list like the file's.
    block = "".join(f"{indent[:-2]}{line}" if line.strip() else line for line in added.splitlines(keepends=True))
    end = sequence.end_mark.index
    before = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
    _write_checked(path, before + block + text[end:])


def _code_items(text: str) -> list[yaml.MappingNode]:
    root = yaml.compose(text)
    sequence = next((value for key, value in root.value if _scalar(key) == "codes"), None)
    return [item for item in sequence.value if isinstance(item, yaml.MappingNode)]


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _yaml_scalar(value: object, plain: bool) -> str:
    """A value as a YAML scalar: plain for a path where the file wrote it plain, else double-quoted (JSON)."""
    return value if plain and isinstance(value, str) and _PATH.fullmatch(value) else json.dumps(value, ensure_ascii=False)


def edit_codes(path: Path, changes: dict[str, dict[str, object]]) -> None:
    """Set fields of codes in place: ``{code path: {field: value}}``, ``None`` removing the field.
    Only the lines of those fields change. Refuses an invalid result."""
    text = path.read_text(encoding="utf-8")
    edits: list[tuple[int, int, str]] = []
    for item in _code_items(text):
        fields = {_scalar(key): (key, value) for key, value in item.value}
        code_path = _scalar(fields["path"][1]) if "path" in fields else ""
        if code_path not in changes:
            continue
        if item.flow_style:
            raise AtelierError(f"{path} : le code « {code_path} » est écrit sur une ligne ({{…}}) : "
                               "écrivez-le un champ par ligne pour le modifier")
        column = item.start_mark.column
        first_line_end = _line_end(text, fields["path"][1].end_mark.index - 1)
        for name, value in changes[code_path].items():
            shown = None if value is None or (name == "id" and value == changes[code_path].get("path", code_path)) \
                else _yaml_scalar(value, plain=name not in fields or fields[name][1].style is None)
            if name in fields:
                key, node = fields[name]
                start, end = _line_start(text, key.start_mark.index), _line_end(text, node.end_mark.index - 1)
                prefix = text[start:key.start_mark.index]  # the indentation, or "- " before the first field
                edits.append((start, end, "" if shown is None else f"{prefix}{name}: {shown}\n"))
            elif shown is not None:
                edits.append((first_line_end, first_line_end, f"{' ' * column}{name}: {shown}\n"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    _write_checked(path, text)


def remove_codes(path: Path, code_paths: list[str]) -> None:
    """Remove codes from the file, with their lines only (comments between codes are kept).
    Refuses an invalid result (a code whose parent would be gone)."""
    text = path.read_text(encoding="utf-8")
    spans = []
    for item in _code_items(text):
        fields = {_scalar(key): value for key, value in item.value}
        if "path" in fields and _scalar(fields["path"]) in code_paths:
            last = max(value.end_mark.index for value in fields.values())
            spans.append((_line_start(text, item.start_mark.index), _line_end(text, last - 1)))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    _write_checked(path, text)


@functools.lru_cache(maxsize=8)
def _codes_of_file(path: str, _mtime_ns: int, _size: int) -> pd.DataFrame:
    """The codes of a codebook file, read again whenever the file changes (its time and size are the key)."""
    return load_codebook(Path(path))[["path", "id", "retired"]]


def current_codes(codebook_path: Path) -> pd.DataFrame | None:
    """``path``, ``id`` and ``retired`` of the codes of the file, cached while the file is unchanged;
    ``None`` when there is no codebook yet."""
    try:
        stat = codebook_path.stat()
    except FileNotFoundError:
        return None
    return _codes_of_file(str(codebook_path.resolve()), stat.st_mtime_ns, stat.st_size)


def code_id_of(codebook_path: Path, code: str) -> str | None:
    """The stable id of the code at ``code`` (``""`` if it has none), ``None`` without a codebook."""
    lookup = _code_lookup(codebook_path)
    return None if lookup is None else lookup[code][0] if code in lookup else ""


def _code_lookup(codebook_path: Path) -> dict[str, tuple[str, bool]] | None:
    """path → (id, retired), cached with the file's codes: every coding written looks its code up."""
    try:
        stat = codebook_path.stat()
    except FileNotFoundError:
        return None
    return _lookup_of_file(str(codebook_path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _lookup_of_file(path: str, mtime_ns: int, size: int) -> dict[str, tuple[str, bool]]:
    codes = _codes_of_file(path, mtime_ns, size)
    return dict(zip(codes["path"], zip(codes["id"], codes["retired"].astype(bool))))


def unknown_code(code: str, paths) -> AtelierError:
    """The French error for a code the codebook lacks, with the codes whose path is close."""
    close = [p for p in paths if code.split("/")[-1] in p][:5]
    hint = f" (codes proches : {', '.join(close)})" if close else ""
    return AtelierError(f"code inconnu : « {code} »{hint} — voir « atelier codebook »")


def known_code(codebook_path: Path, code: str) -> str:
    """``code`` if the codebook offers it for coding (or there is no codebook yet), else a French error
    (unknown code, with close codes; retired code)."""
    lookup = _code_lookup(codebook_path)
    if lookup is None:
        return code
    if code not in lookup:
        raise unknown_code(code, list(lookup))
    if lookup[code][1]:
        raise AtelierError(f"le code « {code} » est retiré : il garde ses codages mais n’en reçoit plus "
                           f"(« atelier codebook retire {code} --restore » pour le rétablir)")
    return code
