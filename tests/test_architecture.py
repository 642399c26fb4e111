"""The layering of ``analysis/`` as ARCHITECTURE.md states it, read from the imports themselves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "analysis"

KERNEL = {"errors", "fsio", "textio", "palette"}
#: What each part of the package may import, besides itself and the kernel. The arrows run one
#: way: cli, widgets and live → domain packages → corpus → text → kernel; prospective stands alone,
#: and the live workshop's server serves it only.
ALLOWED = {
    "kernel": set(),
    "text": set(),
    "corpus": {"text"},
    "coding": {"text", "corpus"},
    "themes": {"text", "corpus", "coding"},
    "prospective": set(),
    "publication": {"text", "corpus", "coding", "themes", "prospective"},
    "widgets": {"text", "corpus", "coding", "themes", "prospective", "publication"},
    "live": {"prospective"},
    "cli": {"text", "corpus", "coding", "themes", "prospective", "publication", "widgets", "live"},
}
#: Modules that only a few parts may import, whatever the layers allow: the coders' logs are
#: written by coding itself, the widgets and the CLI, never by an analysis.
RESTRICTED = {"analysis.coding.store": {"coding", "publication", "widgets", "cli"}}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = ["analysis", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str, root: Path) -> bool:
    path = root.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module of the package that ``path`` imports, anywhere in it (functions included)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from . import micmac`` imports a module, not a name
            found |= {f"{target}.{alias.name}" for alias in node.names if is_module(f"{target}.{alias.name}", root)}
    return {module for module in found if module == "analysis" or module.startswith("analysis.")}


def part_of(module: str) -> str:
    """The layer of a module: its sub-package, or ``kernel`` for the top-level modules."""
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return "kernel" if parts[1] in KERNEL else parts[1]


SOURCES = [path for path in sorted(PACKAGE.rglob("*.py"))
           if path.relative_to(PACKAGE).as_posix() not in ("__init__.py", "__main__.py")]


def test_every_module_belongs_to_a_known_part():
    assert {part_of(module_name(path)) for path in SOURCES} == set(ALLOWED)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_imports_follow_the_layers(path):
    part = part_of(module_name(path))
    forbidden = []
    for module in sorted(imported_modules(path)):
        target = part_of(module)
        if target == "package" and module == "analysis":
            continue  # ``from ... import __version__``
        if target not in {part, "kernel"} | ALLOWED[part]:
            forbidden.append(f"{module} ({part} → {target})")
        elif module in RESTRICTED and part not in RESTRICTED[module]:
            forbidden.append(f"{module} (réservé à {sorted(RESTRICTED[module])})")
    assert not forbidden, f"{path.relative_to(PACKAGE)} importe {forbidden}"


def test_the_checker_sees_a_forbidden_import(tmp_path):
    """The test above would catch prospective importing corpus, even inside a function."""
    root = tmp_path / "analysis"
    for folder in ("prospective", "corpus"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "corpus" / "store.py").write_text("")
    source = root / "prospective" / "micmac.py"
    source.write_text("def f():\n    from ..corpus.store import Corpus\n    from .. import corpus\n")
    assert imported_modules(source, root) == {"analysis", "analysis.corpus", "analysis.corpus.store"}
    assert {part_of(module) for module in imported_modules(source, root)} - {"package"} == {"corpus"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_every_import_of_the_package_names_a_module_that_exists(path):
    """A relative import left pointing at an old place fails here, not only when its function runs."""
    missing = sorted(module for module in imported_modules(path) if not is_module(module, PACKAGE))
    assert not missing, f"{path.relative_to(PACKAGE)} importe des modules absents : {missing}"


def test_the_palette_has_one_home():
    """The colours of classes, coders, kinds and quadrants are written in ``palette`` only: a
    figure, widget or view that wrote its own would drift from the others."""
    from analysis import palette

    named = {value.upper() for name, value in vars(palette).items() if name.isupper() and isinstance(value, str)}
    assert len(named) == 9
    strays = [f"{path.relative_to(PACKAGE)} : {colour}" for path in SOURCES if path.name != "palette.py"
              for colour in re.findall(r"#[0-9A-Fa-f]{6}\b", path.read_text(encoding="utf-8"))
              if colour.upper() in named - {"#000000"}]
    assert not strays, strays
