"""Configuration: the only place environment variables are read.

`env.py` holds the typed parsers, `site.py` is the Django settings module built from them.
"""
