"""setup/: a bad ODOO_SRC is refused with a message that says what to fix."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fake_odoo(root, version):
    (root / "odoo").mkdir(parents=True)
    (root / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (root / "odoo" / "release.py").write_text(
        f"version_info = ({version[0]}, {version[1]}, 0, 'final', 0, '')\n"
    )
    for addon in ("base", "web", "mail", "crm", "contacts", "link_tracker"):
        (root / "odoo" / "addons" / addon).mkdir(parents=True)
    return root


def check(path):
    return subprocess.run(
        ["python3", str(REPO / "setup" / "odoo_source.py"), "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def run_with(odoo_src, tmp_path):
    env = dict(os.environ, ODOO_SRC=str(odoo_src), NATERO_STATE=str(tmp_path / "s"))
    return subprocess.run(
        [str(REPO / "setup" / "run"), "--no-serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_good_tree_gives_addons_path(tmp_path):
    result = check(fake_odoo(tmp_path / "odoo18", (18, 0)))
    assert result.returncode == 0
    assert result.stdout.strip().endswith("odoo/addons")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "does not exist"),
        (
            lambda p: fake_odoo(p / "odoo17", (17, 0)),
            "is Odoo 17.0; this project needs",
        ),
        (lambda p: p, "has no odoo-bin"),
    ],
)
def test_bad_tree_refused(tmp_path, make, message):
    result = check(make(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr


def test_run_refuses_bad_odoo_src_before_installing(tmp_path):
    result = run_with(fake_odoo(tmp_path / "odoo16", (16, 0)), tmp_path)
    assert result.returncode == 1
    assert "ODOO_SRC is not usable" in result.stderr
    assert "Odoo 16.0" in result.stderr
    assert not (tmp_path / "s" / "pg").exists()


def test_missing_addons_refused(tmp_path):
    root = fake_odoo(tmp_path / "partial", (18, 0))
    (root / "odoo" / "addons" / "crm").rmdir()
    result = check(root)
    assert result.returncode == 2
    assert "lacks the addons crm" in result.stderr
