"""Build code for the site: run snippet files and turn their results into page content.

`runner` knows nothing of MkDocs; `hook` is the thin MkDocs adapter that uses it.
"""
