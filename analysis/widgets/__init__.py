"""What a person works with in JupyterLab or in a room: annotator, matrix editor, presentation."""
