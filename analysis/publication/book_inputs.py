"""Which data each chapter of the book reads, so that ``make book`` always shows the repository.

Jupyter Book's execution cache (jupyter-cache) keys an executed notebook by its code only, and
Sphinx re-reads a page only when its source changes: without help, a new document, a changed
scenario cell or a new coding leave yesterday's chapter in the book. Two halves fix that:

* **in the kernel** that executes a chapter, :func:`record_reads_if_requested` (called when
  :mod:`analysis` is imported) installs an audit hook that notes every file the chapter opens for
  reading and every folder it lists, whatever function does it: the dependency of a chapter on its
  data is what it really read, declared nowhere by hand;
* **in Sphinx** (this module is also a Sphinx extension), each executed chapter's reads are turned
  into *inputs* (:func:`input_roots`: a top-level entry of the corpus such as ``documents.csv``,
  ``texts/`` or ``codings/``, or an exercise folder of ``scenarios/``) and a fingerprint of their
  content and of the package's code is stored next to the execution cache. At the next build, a
  chapter whose fingerprint changed loses its cache entry and is read again, so it is executed
  anew; the others come from the cache.

The audit event comes before the file system answers, so a file the chapter tried to open or a
folder it tried to list counts even when it does not exist yet: readers of optional inputs
(``codings/``, ``persons.csv``, screening files) open them or list them with
:func:`analysis.fsio.folder_names` and handle their absence, rather than testing that they exist
first, so that the chapter is executed again when they appear.

The records live in the execution cache folder (``<cache>/atelier-inputs/``): deleting the cache
deletes them, and a chapter without a record is never served from the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable

#: Set by the Sphinx side for the kernel of the chapter being executed: where to note its reads.
RECORD_ENV = "ATELIER_BOOK_READS"
#: Overrides the scenarios folder the book reads (tests and benchmarks build on copies).
SCENARIOS_ENV = "ATELIER_SCENARIOS"

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPOSITORY = PACKAGE_DIR.parent
RECORDS_FOLDER = "atelier-inputs"
#: Files of the repository's root that chapters read.
BOOK_FILES = {"_toc.yml", "editions.yaml"}
#: Corpus entries that are caches of other entries (segments by text hash), not inputs.
DERIVED_ENTRIES = {"derived"}

# --- kernel side --------------------------------------------------------------------------

_recording: dict[str, Any] = {}


def _ignored_prefixes() -> tuple[str, ...]:
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(PACKAGE_DIR)}
    prefixes |= {path for path in sys.path if path and "-packages" in path}
    return tuple(os.path.join(p, "") for p in prefixes) + ("/usr/", "/proc/", "/sys/", "/dev/", "/etc/")


def _note(path: Any) -> None:
    try:
        name = os.fsdecode(os.fspath(path))
    except TypeError:  # a file descriptor
        return
    name = os.path.abspath(name)
    if name in _recording["seen"] or name.startswith(_recording["ignored"]) or "__pycache__" in name:
        return
    _recording["seen"].add(name)
    os.write(_recording["fd"], (name + "\n").encode("utf-8", "surrogateescape"))


def _audit(event: str, args: tuple) -> None:
    if event == "open":
        path, mode, flags = args
        if path is None or isinstance(path, int):
            return
        writing = any(c in mode for c in "wax+") if mode else bool((flags or 0) & (os.O_WRONLY | os.O_RDWR))
        if not writing:
            _note(path)
    elif event in ("os.listdir", "os.scandir"):
        _note(args[0] if args and args[0] is not None else ".")


def record_reads_if_requested() -> None:
    """In a chapter's kernel (``$ATELIER_BOOK_READS`` set), note every file read from now on.

    Audit hooks cannot be removed: this is only ever done in the short-lived kernel that
    executes one chapter, never in a researcher's session.
    """
    target = os.environ.get(RECORD_ENV)
    if not target or _recording:
        return
    _recording.update(
        fd=os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644), seen=set(), ignored=_ignored_prefixes())
    sys.addaudithook(_audit)


# --- what a chapter depends on -------------------------------------------------------------


def scenarios_root() -> Path:
    """The folder of the prospective exercises the book reads (``$ATELIER_SCENARIOS`` or the repository's)."""
    return Path(os.environ.get(SCENARIOS_ENV) or REPOSITORY / "scenarios")


def corpus_roots() -> list[Path]:
    """Every folder a chapter's kernel may open as the corpus (see :func:`analysis.corpus.store.default_root`)."""
    candidates = [os.environ.get("ATELIER_CORPUS"), REPOSITORY / "corpus", Path.cwd() / "corpus"]
    return list(dict.fromkeys(Path(c).resolve() for c in candidates if c))


def _under(path: Path, root: Path) -> tuple[str, ...] | None:
    try:
        return path.relative_to(root).parts
    except ValueError:
        return None


def input_roots(reads: Iterable[str], corpus: list[Path], scenarios: Path) -> list[str]:
    """The inputs behind a chapter's reads: top-level corpus entries, exercise folders, and the
    book's own files (the contributors page reads the chapters' authors and the editions).

    A whole entry counts, not the files read in it, so that a file added to a folder the chapter
    read (a new text, a new coder's log, a new screening file) changes its fingerprint.
    """
    scenarios = scenarios.resolve()
    roots: set[str] = set()
    for read in reads:
        path = Path(os.path.realpath(read))
        for root in corpus:
            parts = _under(path, root)
            if parts is not None:
                if parts and parts[0] not in DERIVED_ENTRIES and not parts[0].startswith("."):
                    roots.add(str(root / parts[0]))
                break
        else:
            parts = _under(path, scenarios)
            if parts:
                roots.add(str(scenarios / parts[0]))
            elif path.is_file() and (path.parent == REPOSITORY and path.name in BOOK_FILES or _under(path, REPOSITORY / "book")):
                roots.add(str(path))
    return sorted(roots)


_file_hashes: dict[tuple[str, int, int], str] = {}


def _file_hash(path: Path) -> str:
    status = path.stat()
    key = (str(path), status.st_mtime_ns, status.st_size)
    if key not in _file_hashes:
        _file_hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _file_hashes[key]


def _visible_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _entry_lines(root: str) -> list[str]:
    path = Path(root)
    if path.is_file():
        return [f"{root} {_file_hash(path)}"]
    if path.is_dir():
        return [f"{root}/{p.relative_to(path).as_posix()} {_file_hash(p)}" for p in _visible_files(path)] or [f"{root}/"]
    return [f"{root} absent"]


def code_fingerprint() -> str:
    """The package's code: a change of a method changes every chapter's results."""
    digest = hashlib.sha256()
    for path in _visible_files(PACKAGE_DIR):
        if "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(PACKAGE_DIR).as_posix()} {_file_hash(path)}\n".encode())
    return digest.hexdigest()


def fingerprint(roots: Iterable[str], code: str) -> str:
    """One hash of the content of every input (each file of a folder) and of the code."""
    digest = hashlib.sha256(f"code {code}\n".encode())
    for root in sorted(roots):
        for line in _entry_lines(root):
            digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


# --- Sphinx side ---------------------------------------------------------------------------


def _records_dir(app) -> Path:
    folder = Path(app.env.mystnb_config.execution_cache_path) / RECORDS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _record_path(app, docname: str, suffix: str) -> Path:
    return _records_dir(app) / (docname.replace("/", "__") + suffix)


def _is_notebook(path: Path) -> bool:
    """A MyST Markdown notebook: its front matter names a kernel (as jupytext writes it)."""
    if path.suffix == ".ipynb":
        return True
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    front = text.split("\n---", 1)[0] if text.startswith("---") else ""
    return "kernelspec:" in front


def _build_code(app) -> str:
    if not hasattr(app, "_atelier_code"):
        app._atelier_code = code_fingerprint()
    return app._atelier_code


def _forget_executions(app, path: Path) -> None:
    from jupyter_cache import get_cache

    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    for record in cache.list_cache_records():
        if record.uri == str(path):
            cache.remove_cache(record.pk)


def outdated_by_their_inputs(app, env, added, changed, removed) -> list[str]:
    """``env-get-outdated``: the chapters whose inputs changed since they were executed.

    Their execution cache entries are removed whether or not Sphinx meant to read them anyway
    (a page that is new to Sphinx may still find a stale cached notebook).
    """
    outdated = []
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if not _is_notebook(path):
            continue
        record_path = _record_path(app, docname, ".json")
        record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else None
        if record is None or fingerprint(record["inputs"], _build_code(app)) != record["fingerprint"]:
            _forget_executions(app, path)
            outdated.append(docname)
    return outdated


def start_recording(app, docname: str, source: list[str]) -> None:
    """``source-read``: the kernel that may execute this chapter notes its reads in a fresh file."""
    reads = _record_path(app, docname, ".reads")
    reads.unlink(missing_ok=True)
    os.environ[RECORD_ENV] = str(reads)


def finish_recording(app, doctree) -> None:
    """``doctree-read``: when the chapter was executed, store its inputs and their fingerprint."""
    from ..fsio import atomic_write_text

    os.environ.pop(RECORD_ENV, None)
    docname = app.env.docname
    reads = _record_path(app, docname, ".reads")
    if not reads.exists():  # served from the cache, or not a notebook
        return
    roots = input_roots(reads.read_text(encoding="utf-8", errors="surrogateescape").splitlines(),
                        corpus_roots(), scenarios_root())
    record = {"docname": docname, "inputs": roots, "fingerprint": fingerprint(roots, _build_code(app))}
    atomic_write_text(_record_path(app, docname, ".json"), json.dumps(record, ensure_ascii=False, indent=1))
    reads.unlink()


def setup(app) -> dict[str, Any]:
    app.connect("env-get-outdated", outdated_by_their_inputs)
    app.connect("source-read", start_recording)
    app.connect("doctree-read", finish_recording)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
