"""tools/make_env.py reads the same environment.yml a conda user would use."""
from __future__ import annotations

import importlib.util

from tests.conftest import REPO


def _module():
    spec = importlib.util.spec_from_file_location("make_env", REPO / "tools" / "make_env.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parse_environment_yml():
    python, pip = _module().parse_environment(REPO / "environment.yml")
    assert python == "3.11"
    assert pip == ["-e .[dev]"]


def test_parse_handles_comments_and_nesting(tmp_path):
    f = tmp_path / "environment.yml"
    f.write_text("name: x\ndependencies:\n  - python=3.12  # pinned\n  - pip\n  - pip:\n      - foo>=1\n"
                 "      - -e .[dev]\n  - numpy\n")
    assert _module().parse_environment(f) == ("3.12", ["foo>=1", "-e .[dev]"])
