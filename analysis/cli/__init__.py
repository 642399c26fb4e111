"""The ``atelier`` command: argument parsing and printing; the logic lives in the domain packages."""
