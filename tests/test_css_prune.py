"""The pruning of the notebook page's inlined JupyterLab stylesheet."""

from sitebuild.css_prune import classes_in, prune, prune_page_styles


def test_rules_for_classes_the_page_never_uses_are_dropped():
    css = (
        ".w .used{color:red}"
        ".w .unused{color:blue}"
        ".w .used,.w .unused{margin:0}"  # a list keeps only the selectors that can match
        "p{line-height:1}"  # no class: kept
        "@media (max-width:10px){.w .used{a:b}.w .gone{c:d}}"
        "@media print{.gone{e:f}}"  # emptied: dropped whole
        "@font-face{font-family:x;src:url(a.woff)}"
        ":is(.used,.gone) b{g:h}"  # classes inside :is() and :not() are not required
        ".w:not(.gone){i:j}"
        ".gone:not(.used){k:l}"
        '.used::after{content:"{not a block}"}'
    )
    assert prune(css, {"w", "used"}) == (
        ".w .used{color:red}"
        ".w .used{margin:0}"
        "p{line-height:1}"
        "@media (max-width:10px){.w .used{a:b}}"
        "@font-face{font-family:x;src:url(a.woff)}"
        ":is(.used,.gone) b{g:h}"
        ".w:not(.gone){i:j}"
        '.used::after{content:"{not a block}"}'
    )


def test_only_large_inline_styles_of_a_page_are_pruned():
    big = ".a{x:y}" + ".zzz{x:y}" * 10_000
    page = f'<style>.small-unused{{x:y}}</style><style>{big}</style><div class="a"></div>'
    assert classes_in(page) == {"a"}
    assert prune_page_styles(page) == '<style>.small-unused{x:y}</style><style>.a{x:y}</style><div class="a"></div>'


def test_strings_with_escaped_quotes_and_braces_end_where_a_browser_ends_them():
    css = '.y{content:"\\"}"} .z{color:red} .gone{a:b} /* .z{x:y} */ .used{c:d}'
    assert prune(css, {"y", "z", "used"}) == '.y{content:"\\"}"}.z{color:red}.used{c:d}'


def test_a_memo_folder_gives_the_same_result_and_prunes_once(tmp_path, monkeypatch):
    from sitebuild import css_prune

    page = '<style>' + ".a{x:y}.b{x:z}" * 5000 + '</style><div class="a"></div>'
    first = prune_page_styles(page, memo=tmp_path)
    assert first == prune_page_styles(page) and len(list(tmp_path.glob("*.css"))) == 1
    monkeypatch.setattr(css_prune, "prune", lambda css, used: "never called")
    assert prune_page_styles(page, memo=tmp_path) == first  # read back, not pruned again
    assert prune_page_styles(page.replace('class="a"', 'class="b"'), memo=tmp_path).count("never called") == 1
