"""REFI-QDA 1.5 interchange with other QDA tools: projects (``.qdpx``) and codebooks (``.qdc``).

A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and
the source texts under ``sources/``. The standard does not say in which unit text selections
are counted, and tools differ: NVivo and MAXQDA count UTF-16 code units, ATLAS.ti and QualCoder
code points, Taguette UTF-8 bytes. Exports therefore write the units of the target tool; imports
detect them from the data (every selection must fall inside its text on a character boundary)
and convert them to code points of the text as the corpus stores it (no BOM, LF, NFC).

Imports read untrusted files: zip entries that are absolute or climb out of the archive are
refused, the uncompressed size and entry count are bounded, XML with a DTD (external entities,
entity expansion) is refused. Everything is read and checked before the first write, so a bad
archive leaves the corpus byte for byte as it was. Documents are added through
:func:`analysis.corpus.ingest.ingest` (verbatim), codes through :func:`analysis.coding.codebook.add_codes`
and codings through the coders' logs.

Codes keep the fields our codebook has and REFI-QDA lacks (inclusion, exclusion, example, and the
path when the label does not give it back) as labelled paragraphs of their ``Description``.

Modules: :mod:`.positions` (position units and their detection), :mod:`.archive` (safe zip and
XML reading, element helpers), :mod:`.codes` (codes and ``.qdc`` files), :mod:`.sources`
(reading a project's text sources), :mod:`.exporting` and :mod:`.importing` (projects).
"""

from .archive import MAX_ENTRIES, MAX_TOTAL_MB
from ..codebook import NEUTRAL_COLOUR
from .codes import CODEBOOK_NS, export_codebook, import_codebook
from .exporting import PROJECT_NS, export_project
from .importing import FALLBACK_CODER, import_project
from ...text.offsets import Units
from .positions import CONVENTION_NAMES, CONVENTIONS, TOOL_POSITIONS, NormalisedText

__all__ = [
    "CODEBOOK_NS", "CONVENTIONS", "CONVENTION_NAMES", "FALLBACK_CODER", "MAX_ENTRIES", "MAX_TOTAL_MB",
    "NEUTRAL_COLOUR", "PROJECT_NS", "TOOL_POSITIONS", "NormalisedText", "Units", "export_codebook",
    "export_project", "import_codebook", "import_project",
]
