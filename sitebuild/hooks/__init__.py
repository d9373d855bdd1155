"""MkDocs hook files, one per concern. mkdocs.yml lists each by path under `hooks:`.

- `downloads.py`: each lesson as a notebook and a script, and the versions the site was built with.
"""
