"""French text processing with no corpus knowledge: tokenisation and vectorizer, names of persons."""
