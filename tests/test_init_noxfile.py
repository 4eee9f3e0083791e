"""The noxfile `signoff init` writes installs signoff from where the running one came from
(PEP 610 `direct_url.json`), not by a name an index may not hold."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from signoff.init import init, install_args, installed_from
from tests.conftest import ROOT

DOCUMENT = {"openapi": "3.1.0", "info": {"title": "t"}, "paths": {"/items": {"get": {}}}}


def test_this_editable_install_is_installed_from_its_folder() -> None:
    """The test environments of this repository install it with `pip install -e .`."""
    assert installed_from() == ["-e", f"{ROOT}[layers]"]


def test_the_noxfile_installs_signoff_from_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "openapi.json").write_text(json.dumps(DOCUMENT), encoding="utf-8")
    init(tmp_path, str(tmp_path / "openapi.json"), None, False)
    capsys.readouterr()
    text = (tmp_path / "noxfile.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    [value] = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "SIGNOFF"
    ]
    assert ast.literal_eval(value) == ["-e", f"{ROOT}[layers]"]
    assert text.count("session.install(*SIGNOFF)") == 2
    assert '"signoff[layers]"' not in text


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, ["signoff[layers]"]),  # from an index: no direct_url.json
        ("not json", ["signoff[layers]"]),
        ('{"dir_info": {}}', ["signoff[layers]"]),  # no url: nothing to point at
        (
            '{"url": "file:///src/my%20signoff", "dir_info": {"editable": true}}',
            ["-e", "/src/my signoff[layers]"],
        ),
        (
            '{"url": "file:///src/signoff", "dir_info": {}}',
            ["signoff[layers] @ file:///src/signoff"],
        ),
        (
            '{"url": "https://example.org/signoff-1.0.tar.gz", "archive_info": {}}',
            ["signoff[layers] @ https://example.org/signoff-1.0.tar.gz"],
        ),
        (
            '{"url": "https://github.com/o/signoff.git", "vcs_info": {"vcs": "git", '
            '"requested_revision": "v1.2", "commit_id": "abc123"}}',
            ["signoff[layers] @ git+https://github.com/o/signoff.git@v1.2"],
        ),
        (
            '{"url": "https://github.com/o/mono.git", "subdirectory": "tools/signoff", '
            '"vcs_info": {"vcs": "git", "commit_id": "abc123"}}',
            ["signoff[layers] @ git+https://github.com/o/mono.git#subdirectory=tools/signoff"],
        ),
    ],
)
def test_install_args_follow_direct_url_json(direct_url: str | None, expected: list[str]) -> None:
    assert install_args(direct_url) == expected
