"""The site's MkDocs hooks, one module per concern, listed in mkdocs.yml under `hooks:` in lifecycle order.

- `reproducibility.py`: SOURCE_DATE_EPOCH; a failed build leaves no site.
- `snippets.py`: @snippet directives (code, output, figures) and the build report.
- `math.py`: TeX to MathML.
- `lab.py`: the lab notebook, run through our own runner.
- `downloads.py`: each lesson as a notebook and a script, and the versions the site was built with.
"""
