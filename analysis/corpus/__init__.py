"""The corpus: documents read from their sources, cleaned, ingested and segmented; their metadata and the literature review."""
