"""The rules: one check per file, registered in `registry.py`."""
