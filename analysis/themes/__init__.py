"""Themes found in the corpus: Reinert classification, topic models, the corpus pipeline and its figures."""
