"""rules_templates: `deepcopy` of a flat template of immutable values, found wherever it is called; the
`dict()` fix planned only when this file keeps the template flat (and applied only after a verified run),
refused for nested or changed templates."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from heatlens.analysis.detect import detect
from heatlens.analysis.fixes import ApplyFix


def found(src: str) -> list:
    return [(c.line, c.fix_title is not None, bool(c.data.get("verify_only"))) for c in detect(src)
            if c.rule == "deepcopy-template" or c.data.get("what") == "deepcopy"]


GLOBAL = """import copy
DEFAULTS = {"timeout": 30, "size": 1 << 20, "name": "svc", "tags": ("a", "b"), "proxy": None}

def request_config(overrides):
    cfg = copy.deepcopy(DEFAULTS)
    cfg.update(overrides)
    return cfg

def main(keys):
    return [DEFAULTS[k] for k in keys if k in DEFAULTS]
"""


def test_flat_module_template_outside_a_loop_with_a_verified_fix() -> None:
    assert found(GLOBAL) == [(5, True, True)]
    [c] = [c for c in detect(GLOBAL) if c.rule == "deepcopy-template"]
    assert "dict(DEFAULTS)" in c.advice and c.data["supersedes"] == "quadratic-idiom"


def test_attribute_template_from_copy_import() -> None:
    src = ("from copy import deepcopy\nclass M:\n    def __init__(self):\n        self.headers = {'From': 'a', 'X': f'{1}'}\n"
           "    def render(self, to):\n        h = deepcopy(self.headers)\n        h['To'] = to\n        return h\n")
    assert found(src) == [(6, True, True)]


def test_nested_template_is_not_flat() -> None:
    # a shallow copy would share the nested list: the loop-level deepcopy advice stays, no template finding
    src = "import copy\nT = {'plugins': ['auth'], 'n': 1}\ndef f(xs):\n    for x in xs:\n        p = copy.deepcopy(T)\n"
    assert [(c.line, c.rule) for c in detect(src) if c.data.get("what") == "deepcopy"] == [(5, "quadratic-idiom")]


def test_template_changed_elsewhere_is_advice_only() -> None:
    src = GLOBAL + "\ndef tweak():\n    DEFAULTS['extra'] = [1]\n"
    assert found(src) == [(5, False, False)]
    src = GLOBAL + "\ndef tweak(register):\n    register(DEFAULTS)\n"  # escapes to unknown code
    assert found(src) == [(5, False, False)]
    src = GLOBAL + "\ndef tweak():\n    global DEFAULTS\n    DEFAULTS = {'a': 1}\n"
    assert found(src) == [(5, False, False)]


def test_a_local_of_the_same_name_or_a_computed_value_is_not_a_template() -> None:
    src = "import copy\nT = {'a': 1}\ndef f(x):\n    T = {'a': [x]}\n    return copy.deepcopy(T)\n"
    assert found(src) == []
    src = "import copy\nT = {'a': make()}\ndef f():\n    return copy.deepcopy(T)\n"
    assert found(src) == []


def test_deepcopy_not_from_copy_is_ignored() -> None:
    src = "import mylib as copy\nT = {'a': 1}\ndef f():\n    return copy.deepcopy(T)\n"
    assert found(src) == []


class TestTemplateFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_dict_copy(self) -> None:
        after = GLOBAL.replace("copy.deepcopy(DEFAULTS)", "dict(DEFAULTS)")
        self.assertCodemod(GLOBAL, after, rule="deepcopy-template", line=5)

    def test_refused_when_changed_elsewhere(self) -> None:
        src = GLOBAL + "\ndef tweak():\n    DEFAULTS['extra'] = [1]\n"
        self.assertCodemod(src, src, rule="deepcopy-template", line=5, expected_skip=True)


def test_dict_call_of_constants_is_a_flat_template() -> None:
    src = "import copy\nT = dict(retries=3, name='x')\ndef f():\n    return copy.deepcopy(T)\n"
    assert found(src) == [(4, True, True)]
    assert found(src.replace("name='x'", "names=['x']")) == []
