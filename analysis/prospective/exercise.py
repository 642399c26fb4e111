"""A prospective exercise as files: ``scenarios/<exercise>/``, read and checked.

Facilitators edit the tables in a spreadsheet; each table is ``<name>.csv`` or ``<name>.xlsx``
(first sheet). ``exercise.yaml`` gives the title and the status of the values
(``illustratif`` until a workshop fills them: every view then says so). Reading never writes;
a table that cannot be used gives a French error naming the file, the row and the column.

| table | content |
|---|---|
| ``variables`` | ``code``, ``name``, ``definition``, ``family``, ``evidence`` (codebook paths, « ; »-separated, checked by the book) |
| ``influence`` | direct influence matrix, variables × variables, 0–3 or P |
| ``descriptors`` | ``descriptor``, ``variant``, ``label``: the morphological field |
| ``crossimpact`` | cross-impact grid −3…+3 (two header rows, two index columns) |
| ``actors``, ``objectives`` | ``code``, ``name``, ``description`` |
| ``actor_influence`` | MACTOR direct influences between actors, 0–4 |
| ``positions`` | MACTOR actor × objective positions, −4…+4 |
| ``levers`` | per scenario: stake, coalition, instruments, scale, whether local actors can act |
| ``scenarios`` | the named scenarios: ``name``, ``storyline``, ``evidence`` (optional, codebook paths), one variant per descriptor |
| ``windtunnel`` | wind-tunnelling: ``lever`` (a stake of ``levers``) × named scenario, 0 does not work, 1 partly, 2 works, empty not assessed |
| ``ratings/<participant>`` | individual ratings of the influence matrix (same shape) |
| ``participants`` | who took part (optional): ``name``, ``organisation``, ``role`` (:data:`WORKSHOP_ROLES`), ``named`` (``oui`` only when the person agreed to be named in the publication) |
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..errors import AtelierError, InputError
from ..textio import decode_text
from .tables import cell_values

#: The roles of ``participants.csv``: who facilitated a workshop, who took part in it.
WORKSHOP_ROLES = ("animation", "participation")

ILLUSTRATIVE = "illustratif"
ILLUSTRATIVE_NOTICE = ("Valeurs illustratives, tirées du corpus par l’équipe : elles seront remplacées "
                       "par celles de l’atelier.")
SCALES = ["commune", "intercommunalité", "département", "région", "national", "européen"]
LEVER_COLUMNS = ["scenario", "stake", "coalition", "instruments", "scale", "local_capacity"]
CAPACITIES = {"peut agir", "nouvelle stratégie"}
#: Wind-tunnelling values: does a lever work in a scenario?
LEVER_WORKS = {0: "ne fonctionne pas", 1: "en partie", 2: "fonctionne"}


def table_path(folder: Path, name: str) -> Path | None:
    for extension in (".csv", ".xlsx"):
        path = folder / f"{name}{extension}"
        if path.exists():
            return path
    return None


def csv_text(path: Path, data: bytes) -> tuple[str, str, str]:
    """The text, the separator and the encoding of a CSV as spreadsheets save it: UTF-8 with or
    without BOM or Windows-1252 (the corpus's decoding policy), separated by ``;`` (French Excel),
    ``,`` or tabs."""
    text, encoding = decode_text(path, data)
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:  # one column, or nothing to tell the separators apart
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(";,\t", key=first.count)
    return text, delimiter, encoding


def check_workbook(path: Path) -> None:
    """An XLSX that is a workbook, whose formulas all have the value the spreadsheet computed."""
    import openpyxl

    if not zipfile.is_zipfile(path):
        raise InputError(path, "ce n’est pas un classeur XLSX (une archive ZIP est attendue) : "
                         "enregistrez-le au format Excel (.xlsx) ou CSV")
    try:
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl and zipfile raise many types for damaged files
        raise InputError(path, f"classeur XLSX illisible ({error.__class__.__name__} : {error})") from None
    for sheet in formulas.worksheets:
        for row, computed in zip(sheet.iter_rows(), values[sheet.title].iter_rows()):
            for cell, value in zip(row, computed):
                if isinstance(cell.value, str) and cell.value.startswith("=") and value.value is None:
                    raise InputError(path, f"la case {cell.coordinate} de la feuille « {sheet.title} » contient une "
                                     "formule sans valeur calculée : ouvrez le classeur dans le tableur et "
                                     "enregistrez-le (la valeur est alors écrite avec la formule)")


def read_sheet(path: Path, **options) -> pd.DataFrame:
    """A CSV or XLSX table, every cell as text, with a French error when unreadable."""
    if not path.exists():
        raise InputError(path, "fichier introuvable")
    if path.suffix.lower() == ".xlsx":
        check_workbook(path)
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False, **options)
        except Exception as error:  # pandas and openpyxl raise many types for damaged files
            raise InputError(path, f"tableau illisible ({error.__class__.__name__} : {error})") from None
    text, delimiter, _ = csv_text(path, path.read_bytes())
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, **options)
    except pd.errors.EmptyDataError:
        raise InputError(path, "tableau vide") from None
    except pd.errors.ParserError as error:
        shape = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if shape:
            expected, line, seen = shape.groups()
            raise InputError(path, f"{seen} cellules au lieu de {expected} (séparateur « {delimiter} »)",
                             f"ligne {line}") from None
        raise InputError(path, f"tableau illisible ({error})") from None


def _require_columns(path: Path, table: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(path, f"colonnes manquantes : {', '.join(missing)} (présentes : {', '.join(table.columns)})",
                         "ligne 1")


def read_listing(path: Path, columns: list[str], key: str = "code") -> pd.DataFrame:
    """A list table (variables, actors, objectives): required columns, unique non-empty keys."""
    table = read_sheet(path)
    _require_columns(path, table, columns)
    for number, value in enumerate(table[key], start=2):
        if not value.strip():
            raise InputError(path, f"« {key} » vide", f"ligne {number}")
    duplicated = table[key][table[key].duplicated()]
    if not duplicated.empty:
        number = int(duplicated.index[0]) + 2
        raise InputError(path, f"« {key} » en double : {duplicated.iloc[0]}", f"ligne {number}")
    return table


def read_square(path: Path, labels: list[str] | None, low: int, high: int, allow_potential: bool = False) -> pd.DataFrame:
    """A square matrix whose first column holds the row labels; values checked against the scale."""
    table = read_sheet(path)
    if table.shape[1] < 2:
        raise InputError(path, "la matrice doit avoir une colonne d’étiquettes puis une colonne par ligne")
    table = table.set_index(table.columns[0])
    table.index = table.index.str.strip()
    table.columns = table.columns.str.strip()
    if list(table.index) != list(table.columns):
        extra_rows = [r for r in table.index if r not in set(table.columns)]
        extra_columns = [c for c in table.columns if c not in set(table.index)]
        detail = "; ".join(filter(None, [
            f"lignes sans colonne : {', '.join(extra_rows)}" if extra_rows else "",
            f"colonnes sans ligne : {', '.join(extra_columns)}" if extra_columns else "",
            "mêmes étiquettes mais dans un autre ordre" if not extra_rows and not extra_columns else ""]))
        raise InputError(path, f"matrice non carrée ou étiquettes différentes ({table.shape[0]} lignes, "
                               f"{table.shape[1]} colonnes) : {detail}")
    if labels is not None and set(table.index) != set(labels):
        unknown = sorted(set(table.index) - set(labels))
        missing = sorted(set(labels) - set(table.index))
        raise InputError(path, "les étiquettes ne correspondent pas aux variables"
                         + (f" ; inconnues : {', '.join(unknown)}" if unknown else "")
                         + (f" ; absentes : {', '.join(missing)}" if missing else ""))
    numbers, potential, problems = cell_values(table, low, high, letter="P" if allow_potential else None,
                                               empty_diagonal=True)
    if problems:
        first = problems[0]
        raise InputError(path, first.reason, f"ligne {first.i + 2} ({first.row}), colonne {first.column}")
    values = pd.DataFrame(numbers, index=table.index, columns=table.columns).astype(object)
    return values.mask(potential, "P") if allow_potential else values


@dataclass
class Exercise:
    """An exercise folder; each table is read when asked for."""

    folder: Path

    @classmethod
    def open(cls, folder: Path | str) -> "Exercise":
        folder = Path(folder)
        if not folder.is_dir():
            raise AtelierError(f"{folder} : dossier d’exercice introuvable")
        return cls(folder)

    @property
    def meta(self) -> dict:
        path = self.folder / "exercise.yaml"
        if not path.exists():
            return {"title": self.folder.name, "status": ""}
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise InputError(path, f"YAML invalide ({error})") from None

    @property
    def illustrative(self) -> bool:
        return str(self.meta.get("status", "")).strip().lower() == ILLUSTRATIVE

    def _path(self, name: str) -> Path:
        path = table_path(self.folder, name)
        if path is None:
            raise AtelierError(f"{self.folder} : tableau « {name} » absent ({name}.csv ou {name}.xlsx)")
        return path

    def variables(self) -> pd.DataFrame:
        return read_listing(self._path("variables"), ["code", "name", "definition", "family"])

    def influence(self) -> pd.DataFrame:
        return read_square(self._path("influence"), list(self.variables()["code"]), 0, 3, allow_potential=True)

    def actors(self) -> pd.DataFrame:
        return read_listing(self._path("actors"), ["code", "name"])

    def objectives(self) -> pd.DataFrame:
        return read_listing(self._path("objectives"), ["code", "name"])

    def actor_influence(self) -> pd.DataFrame:
        return read_square(self._path("actor_influence"), list(self.actors()["code"]), 0, 4)

    def positions(self) -> pd.DataFrame:
        path = self._path("positions")
        table = read_sheet(path)
        table = table.set_index(table.columns[0])
        actors, objectives = list(self.actors()["code"]), list(self.objectives()["code"])
        if set(table.index) != set(actors) or set(table.columns) != set(objectives):
            raise InputError(path, "les lignes doivent être les acteurs et les colonnes les objectifs "
                                   f"(acteurs : {', '.join(actors)} ; objectifs : {', '.join(objectives)})")
        values = pd.DataFrame(0, index=table.index, columns=table.columns, dtype="int64")
        for i, row in enumerate(table.index):
            for j, column in enumerate(table.columns):
                cell = table.iat[i, j].strip()
                where = f"ligne {i + 2} ({row}), colonne {column}"
                try:
                    number = int(cell.replace("+", ""))
                except ValueError:
                    raise InputError(path, f"valeur « {cell} » invalide (entier de −4 à +4 attendu)", where) from None
                if not -4 <= number <= 4:
                    raise InputError(path, f"valeur {number} hors de l’échelle −4 à +4", where)
                values.iat[i, j] = number
        return values

    def descriptors(self) -> pd.DataFrame:
        path = self._path("descriptors")
        table = read_sheet(path)
        _require_columns(path, table, ["descriptor", "variant", "label"])
        table["descriptor"] = table["descriptor"].replace("", pd.NA).ffill().fillna("")
        for number, row in enumerate(table.to_dict("records"), start=2):
            if not row["descriptor"].strip() or not row["variant"].strip():
                raise InputError(path, "descripteur ou variante vide", f"ligne {number}")
        duplicated = table[table.duplicated(["descriptor", "variant"])]
        if not duplicated.empty:
            raise InputError(path, f"variante en double : {duplicated.iloc[0]['descriptor']} / "
                             f"{duplicated.iloc[0]['variant']}", f"ligne {int(duplicated.index[0]) + 2}")
        counts = table.groupby("descriptor", sort=False).size()
        single = counts[counts < 2]
        if not single.empty:
            raise InputError(path, f"le descripteur « {single.index[0]} » n’a qu’une variante (au moins deux)")
        return table

    def crossimpact_path(self) -> Path:
        return self._path("crossimpact")

    def levers(self) -> pd.DataFrame:
        path = self._path("levers")
        table = read_sheet(path)
        _require_columns(path, table, LEVER_COLUMNS)
        for number, row in enumerate(table.to_dict("records"), start=2):
            scales = [s.strip() for s in row["scale"].split(";") if s.strip()]
            unknown = [s for s in scales if s not in SCALES]
            if unknown or not scales:
                raise InputError(path, f"échelle inconnue « {', '.join(unknown) or '(vide)'} » "
                                 f"(échelles : {', '.join(SCALES)})", f"ligne {number}, colonne scale")
            if row["local_capacity"] not in CAPACITIES:
                raise InputError(path, f"« {row['local_capacity']} » : attendu « peut agir » ou « nouvelle stratégie »",
                                 f"ligne {number}, colonne local_capacity")
        named = set(self.named_scenarios()["name"])
        for number, scenario in enumerate(table["scenario"], start=2):
            if named and scenario not in named:
                raise InputError(path, f"scénario « {scenario} » absent de scenarios.csv (scénarios : {', '.join(sorted(named))})",
                                 f"ligne {number}, colonne scenario")
        return table

    def named_scenarios(self) -> pd.DataFrame:
        """The scenarios the group named (``scenarios.csv``, optional): ``name``, ``storyline`` (a
        short narrative), ``evidence`` (codebook paths supporting it, optional) and the variant of
        each descriptor; checked against the descriptors."""
        path = table_path(self.folder, "scenarios")
        if path is None:
            return pd.DataFrame(columns=["name", "storyline", "evidence"])
        table = read_listing(path, ["name", "storyline"], key="name")
        if "evidence" not in table.columns:
            table["evidence"] = ""
        descriptors = self.descriptors()
        names = list(dict.fromkeys(descriptors["descriptor"]))
        missing = [d for d in names if d not in table.columns]
        if missing:
            raise InputError(path, f"colonne absente pour le descripteur « {missing[0]} » (une colonne par descripteur)")
        variants = {d: set(descriptors.loc[descriptors["descriptor"] == d, "variant"]) for d in names}
        for number, row in enumerate(table.to_dict("records"), start=2):
            for d in names:
                if row[d] not in variants[d]:
                    raise InputError(path, f"variante « {row[d]} » inconnue pour « {d} » "
                                     f"(variantes : {', '.join(sorted(variants[d]))})", f"ligne {number}, colonne {d}")
        return table[["name", "storyline", "evidence", *names]]

    def scenario_names(self, found: pd.DataFrame) -> list[str]:
        """The group's name of each consistent scenario of ``found`` (a scenario named in
        ``scenarios.csv`` with the same variant of every descriptor), else « Scénario k »."""
        named = self.named_scenarios()
        descriptors = [c for c in named.columns if c not in ("name", "storyline", "evidence")]
        by_variants = {tuple(row[d] for d in descriptors): row["name"] for row in named.to_dict("records")}
        return [by_variants.get(tuple(row.get(d) for d in descriptors), f"Scénario {k}")
                for k, row in enumerate(found.to_dict("records"), start=1)]

    def participants(self) -> pd.DataFrame:
        """Who took part in the workshops (``participants.csv``, optional): ``name``,
        ``organisation``, ``role`` and ``named``, true only for those who agreed to be named in the
        publication (``oui``; empty or ``non``: not named, the default)."""
        path = table_path(self.folder, "participants")
        if path is None:
            return pd.DataFrame(columns=["name", "organisation", "role", "named"])
        table = read_listing(path, ["name", "role"], key="name")
        for column in ("organisation", "named"):
            if column not in table.columns:
                table[column] = ""
        for number, row in enumerate(table.to_dict("records"), start=2):
            if row["role"].strip() not in WORKSHOP_ROLES:
                raise InputError(path, f"rôle « {row['role']} » inconnu (rôles : {', '.join(WORKSHOP_ROLES)})",
                                 f"ligne {number}, colonne role")
            if row["named"].strip().lower() not in {"", "oui", "non"}:
                raise InputError(path, f"« {row['named']} » : attendu « oui » (la personne accepte d’être nommée) "
                                       "ou « non »", f"ligne {number}, colonne named")
        table["role"] = table["role"].str.strip()
        table["named"] = table["named"].str.strip().str.lower() == "oui"
        return table[["name", "organisation", "role", "named"]]

    def windtunnel(self) -> pd.DataFrame:
        """The wind-tunnelling (``windtunnel.csv``): one row per lever (its stake), one column per
        named scenario, values in :data:`LEVER_WORKS` or missing (not assessed yet)."""
        path = self._path("windtunnel")
        table = read_sheet(path)
        _require_columns(path, table, ["lever"])
        stakes, scenarios = set(self.levers()["stake"]), list(self.named_scenarios()["name"])
        unknown = [c for c in table.columns[1:] if c not in scenarios]
        if unknown:
            raise InputError(path, f"colonne « {unknown[0]} » : scénario absent de scenarios.csv "
                                   f"(scénarios : {', '.join(scenarios)})")
        values = pd.DataFrame(pd.NA, index=pd.Index([], name="lever"), columns=scenarios, dtype="Int64")
        for number, row in enumerate(table.to_dict("records"), start=2):
            if row["lever"] not in stakes:
                raise InputError(path, f"levier « {row['lever']} » absent de levers.csv (colonne stake)", f"ligne {number}")
            if row["lever"] in values.index:
                raise InputError(path, f"levier « {row['lever']} » en double", f"ligne {number}")
            values.loc[row["lever"]] = pd.NA
            for scenario in table.columns[1:]:
                cell = row[scenario].strip()
                if cell and cell not in {str(k) for k in LEVER_WORKS}:
                    raise InputError(path, f"valeur « {cell} » invalide (0 ne fonctionne pas, 1 en partie, 2 fonctionne, "
                                           "vide : pas encore évalué)", f"ligne {number}, colonne {scenario}")
                values.loc[row["lever"], scenario] = int(cell) if cell else pd.NA
        return values.astype("Int64")

    def ratings(self, round_folder: str = "ratings") -> dict[str, pd.DataFrame]:
        folder = self.folder / round_folder
        if not folder.is_dir():
            raise AtelierError(f"{folder} : aucun dossier de notes individuelles")
        labels = list(self.variables()["code"])
        ratings = {}
        for path in sorted(folder.glob("*.csv")) + sorted(folder.glob("*.xlsx")):
            ratings[path.stem] = read_square(path, labels, 0, 3, allow_potential=True)
        if not ratings:
            raise AtelierError(f"{folder} : aucune note individuelle (un fichier par participant)")
        return ratings
