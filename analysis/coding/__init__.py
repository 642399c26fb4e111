"""The researchers' coding: codebook, per-coder logs, anchoring to texts, queries, agreement, REFI-QDA exchange."""
