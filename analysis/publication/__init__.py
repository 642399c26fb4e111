"""The book: privacy and its gate, quotations, tables and chapters, the Sphinx extensions."""
