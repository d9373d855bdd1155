"""The site's MkDocs hooks, one module per concern, listed in mkdocs.yml under `hooks:` in lifecycle order."""
