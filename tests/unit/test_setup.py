"""setup/: Odoo trees of both series are found, a bad one is refused with a
message that says what to fix, and test results are counted from JUnit XML."""

import ast
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fake_odoo(root, version, official_layout=False):
    """A tree shaped like Odoo's: 18.0 here has every addon under odoo/addons,
    19.0's official layout has addons/ beside odoo/addons (base only)."""
    (root / "odoo").mkdir(parents=True)
    (root / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (root / "odoo" / "release.py").write_text(
        f"version_info = ({version[0]}, {version[1]}, 0, 'final', 0, '')\n"
    )
    for addon in ("base", "web", "mail", "crm", "contacts", "link_tracker"):
        top = "odoo/addons" if addon == "base" or not official_layout else "addons"
        (root / top / addon).mkdir(parents=True)
    return root


def check(path, *args):
    return subprocess.run(
        ["python3", str(REPO / "setup" / "odoo_source.py"), "check", str(path), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def lib(script, tmp_path, **env):
    """Run bash `script` after sourcing setup/_lib.sh, with a clean Odoo env."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("ODOO_SRC", "NATERO_"))
    }
    base.update(NATERO_STATE=str(tmp_path / "s"), NATERO_CACHE=str(tmp_path / "c"))
    base.update({k: str(v) for k, v in env.items()})
    return subprocess.run(
        ["bash", "-c", f'source "{REPO}/setup/_lib.sh"; {script}'],
        capture_output=True,
        text=True,
        env=base,
        timeout=60,
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


def test_19_official_layout_gives_both_addons_dirs(tmp_path):
    root = fake_odoo(tmp_path / "odoo19", (19, 0), official_layout=True)
    result = check(root, "19.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(",") == [
        str((root / "addons").resolve()),
        str((root / "odoo" / "addons").resolve()),
    ]


@pytest.mark.parametrize(("version", "series"), [((18, 0), "18.0"), ((19, 0), "19.0")])
def test_series_detected_from_release(tmp_path, version, series):
    result = subprocess.run(
        ["python3", str(REPO / "setup" / "odoo_source.py"), "series"]
        + [str(fake_odoo(tmp_path / "odoo", version))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, series)


def test_tree_of_the_other_series_refused(tmp_path):
    result = check(fake_odoo(tmp_path / "odoo19", (19, 0)), "18.0")
    assert result.returncode == 2
    assert "is Odoo 19.0, not 18.0" in result.stderr


def test_unknown_series_refused(tmp_path):
    result = check(fake_odoo(tmp_path / "odoo18", (18, 0)), "17.0")
    assert result.returncode == 2
    assert "unknown series '17.0'" in result.stderr


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "does not exist"),
        (
            lambda p: fake_odoo(p / "odoo17", (17, 0)),
            "is Odoo 17.0; this project needs Odoo 18.0 or 19.0",
        ),
        (
            lambda p: fake_odoo(p / "odoo20", (20, 0)),
            "is Odoo 20.0; this project needs Odoo 18.0 or 19.0",
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


def test_missing_addons_refused_in_19_layout(tmp_path):
    root = fake_odoo(tmp_path / "partial", (19, 0), official_layout=True)
    (root / "addons" / "link_tracker").rmdir()
    result = check(root, "19.0")
    assert result.returncode == 2
    assert "lacks the addons link_tracker" in result.stderr


FIND = 'find_series {} {} && echo "$ODOO_SERIES $ODOO_DIR $VENV" || echo "WHY $WHY"'


def test_each_series_from_its_own_place(tmp_path):
    """ODOO_SRC serves its own series; the cache the other; ODOO_SRC_19 wins."""
    odoo18 = fake_odoo(tmp_path / "c" / "odoo-18.0", (18, 0))
    src19 = fake_odoo(tmp_path / "src19", (19, 0), official_layout=True)
    other19 = fake_odoo(tmp_path / "other19", (19, 0), official_layout=True)
    script = FIND.format("18.0", "") + "; " + FIND.format("19.0", "")
    result = lib(script, tmp_path, ODOO_SRC=src19)
    assert result.stdout.splitlines() == [
        f"18.0 {odoo18} {REPO}/.venv-18.0",
        f"19.0 {src19} {REPO}/.venv-19.0",
    ], result.stderr
    result = lib(FIND.format("19.0", ""), tmp_path, ODOO_SRC=src19, ODOO_SRC_19=other19)
    assert result.stdout.split()[:2] == ["19.0", str(other19)]


def test_missing_series_gives_reason_without_cloning(tmp_path):
    """By default only 18.0 is cloned: a missing 19.0 is a reason, not a clone."""
    result = lib(FIND.format("19.0", "clone"), tmp_path, ODOO_REPO_URL=tmp_path / "x")
    assert result.returncode == 0
    assert "Cloning" not in result.stderr
    why = result.stdout.strip()
    assert why.startswith("WHY no ODOO_SRC_19 and no Odoo 19.0 in ")
    assert "NATERO_CLONE=19.0" in why
    assert not (tmp_path / "c" / "odoo-19.0").exists()


def test_clone_failure_of_18_is_a_reason(tmp_path):
    """18.0 is cloned when missing; offline, that is a reason to skip."""
    result = lib(FIND.format("18.0", "clone"), tmp_path, ODOO_REPO_URL=tmp_path / "x")
    assert "Cloning Odoo 18.0" in result.stderr
    assert "cloning" in result.stdout and "failed (offline?)" in result.stdout
    assert not (tmp_path / "c" / "odoo-18.0").exists()
    assert not (tmp_path / "c" / "odoo-18.0.part").exists()


def test_series_var_of_the_wrong_series_refused(tmp_path):
    src19 = fake_odoo(tmp_path / "src19", (19, 0), official_layout=True)
    result = lib(FIND.format("18.0", ""), tmp_path, ODOO_SRC_18=src19)
    assert result.returncode == 1
    assert "ODOO_SRC_18 is not usable" in result.stderr
    assert "is Odoo 19.0, not 18.0" in result.stderr


def test_unknown_natero_series_refused(tmp_path):
    result = lib("series_list", tmp_path, NATERO_SERIES="17.0")
    assert result.returncode == 1
    assert "unknown Odoo series '17.0'" in result.stderr
    result = lib("series_list", tmp_path, NATERO_SERIES="19.0,18.0")
    assert result.stdout.split() == ["19.0", "18.0"]
    assert lib("series_list", tmp_path).stdout.split() == ["18.0", "19.0"]


def test_find_odoo_takes_series_of_odoo_src(tmp_path):
    """setup/run with ODOO_SRC at a 19.0 tree runs 19.0, though 18.0 is cached."""
    fake_odoo(tmp_path / "c" / "odoo-18.0", (18, 0))
    src19 = fake_odoo(tmp_path / "src19", (19, 0), official_layout=True)
    script = 'find_odoo && echo "$ODOO_SERIES"'
    assert lib(script, tmp_path, ODOO_SRC=src19).stdout.strip() == "19.0"
    assert lib(script, tmp_path).stdout.strip() == "18.0"
    result = lib(script, tmp_path, NATERO_SERIES="19.0")
    assert result.stdout.strip() == ""
    assert (
        "no ODOO_SRC_19"
        in lib(script + ' || echo "$WHY"', tmp_path, NATERO_SERIES="19.0").stdout
    )


# --- test results ---------------------------------------------------------------


def summary(*paths):
    return subprocess.run(
        [sys.executable, str(REPO / "setup" / "junit_summary.py"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_junit_summary_counts_each_test_once(tmp_path):
    """pytest's layout: a test failing in its call and erroring in teardown is
    one failed test; skipped tests are skipped, not passed."""
    xml = tmp_path / "r.xml"
    xml.write_text(
        textwrap.dedent(
            """\
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites><testsuite name="pytest" tests="6" failures="1" errors="2">
              <testcase classname="a.T" name="ok"/>
              <testcase classname="a.T" name="ok2"/>
              <testcase classname="a.T" name="bad"><failure message="boom"/>
                <error message="teardown"/></testcase>
              <testcase classname="a.T" name="broken"><error message="E"/></testcase>
              <testcase classname="a.T" name="tour">
                <skipped message="Chrome"/></testcase>
            </testsuite></testsuites>
            """
        )
    )
    result = summary(xml)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "2 1 1 1 5"
    assert lines[1:] == ["FAILED: a.T.bad: boom", "ERROR: a.T.broken: E"]


def test_junit_summary_unreadable_file(tmp_path):
    result = summary(tmp_path / "missing.xml")
    assert result.returncode == 2
    assert "cannot read the test results" in result.stderr


FAKE_ODOO_BIN = """\
import sys
import unittest

from odoo.tests.result import OdooTestResult


class T(unittest.TestCase):
    def test_pass(self):
        pass

    def test_fail(self):
        self.assertEqual(1, 2)

    def test_error(self):
        raise ValueError("bad")

    def test_tour(self):
        raise unittest.SkipTest("Chrome executable not found")

    def test_sub(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 1)


class Broken(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("no set-up")

    def test_never(self):
        pass


result = OdooTestResult()
# read by unittest's TestSuite and subTest (Odoo's OdooSuite and BaseCase do
# without them, but need a registry)
result.failfast = result.shouldStop = False
suite = unittest.TestSuite()
for case in (T, Broken):
    suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
suite.run(result)
print("odoo", result)
sys.exit(0)
"""


def test_odoo_runner_results_as_junit(tmp_path):
    """setup/odoo_junit.py records, through Odoo's own OdooTestResult, every
    outcome: a skip (a tour without Chrome) is skipped, not passed, and a
    set-up error is one error."""
    if importlib.util.find_spec("odoo") is None:
        pytest.skip("no Odoo in this venv (setup/ installs one per series)")
    (tmp_path / "odoo-bin").write_text(FAKE_ODOO_BIN)
    xml = tmp_path / "odoo.xml"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "setup" / "odoo_junit.py"),
            str(xml),
            str(tmp_path / "odoo-bin"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # Odoo's own line counts the skipped test as run, and each failed subtest
    assert "odoo 3 failed, 2 error(s) of 5 tests" in run.stdout
    lines = summary(xml).stdout.splitlines()
    assert lines[0] == "1 2 2 1 6"  # passed failed errors skipped total
    assert sorted(lines[1:]) == [
        "ERROR: __main__.Broken.setUpClass: RuntimeError: no set-up",
        "ERROR: __main__.T.test_error: ValueError: bad",
        "FAILED: __main__.T.test_fail: AssertionError: 1 != 2",
        "FAILED: __main__.T.test_sub: AssertionError: 1 not less than 1",
    ]


# --- one environment, no conflicts ------------------------------------------------


def test_static_tools_apart_from_odoo_runtime():
    """The static-check tools (oca-odoo-pre-commit-hooks pins polib 1.2, Odoo
    1.1.1) are in requirements-tools.txt (.venv-tools), not in requirements.txt
    (installed with Odoo's requirements into each series' venv)."""
    runtime = (REPO / "requirements.txt").read_text()
    tools = (REPO / "requirements-tools.txt").read_text()
    for tool in ("ruff", "pylint-odoo", "oca-odoo-pre-commit-hooks", "pre-commit"):
        assert re.search(rf"^{tool}\b", tools, re.M), tool
        assert not re.search(rf"^{tool}\b", runtime, re.M), tool


def test_pre_commit_runs_the_tools_of_setup_test():
    """Every hook runs a binary of .venv-tools, and setup/test's static stage
    runs the same binaries."""
    config = (REPO / ".pre-commit-config.yaml").read_text()
    entries = re.findall(r"^\s+entry: (\S+)", config, re.M)
    prettier = ".venv-tools/node/node_modules/.bin/prettier"
    assert entries.count(prettier) == 1
    entries.remove(prettier)
    assert len(entries) == 5
    static = (REPO / "setup" / "test").read_text()
    for entry in entries:
        assert entry.startswith(".venv-tools/bin/"), entry
        assert f'"$bin/{entry.rsplit("/", 1)[1]}"' in static, entry
    # prettier: the binary setup/_lib.sh installs, run by the static stage.
    lib_sh = (REPO / "setup" / "_lib.sh").read_text()
    assert "PRETTIER=$TOOLS_VENV/node/node_modules/.bin/prettier" in lib_sh
    assert '"$PRETTIER" --check' in static


def test_prettier_check_fails_loudly_without_node(tmp_path):
    """Without node and npm the XML check fails with a reason, never passes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "cat", "mkdir", "sha256sum", "cut", "dirname"):
        found = subprocess.run(
            ["bash", "-c", f"command -v {tool}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if found:
            (bin_dir / tool).symlink_to(found)
    result = lib(
        'TOOLS_VENV="$NATERO_STATE/tools"; PRETTIER="$TOOLS_VENV/none"; '
        'ensure_node_tools || echo "rc=$? why=$WHY"',
        tmp_path,
        PATH=str(bin_dir),
    )
    assert "rc=1 why=node and npm are needed for prettier" in result.stdout, (
        result.stdout + result.stderr
    )


def load_stage_addon():
    spec = importlib.util.spec_from_file_location(
        "stage_addon", REPO / "setup" / "stage_addon.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("series", ["18.0", "19.0"])
def test_manifests_are_three_part_and_staged_per_series(series):
    """Odoo prefixes x.y.z with the running series; the wheel of each series
    is built from a copy whose manifest says <series>.x.y.z."""
    stage_addon = load_stage_addon()
    for addon in ("natero_mail_log", "natero_mail_trigger"):
        text = (REPO / addon / "__manifest__.py").read_text()
        version = ast.literal_eval(text)["version"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
        staged = stage_addon.series_manifest(text, series)
        assert f'"version": "{series}.{version}"' in staged
        assert staged.replace(f"{series}.{version}", version) == text


def test_staging_refuses_a_version_with_a_series():
    stage_addon = load_stage_addon()
    with pytest.raises(ValueError, match="expected x.y.z"):
        stage_addon.series_manifest('{"name": "x", "version": "18.0.1.0.0"}', "19.0")


def test_staged_copy_outside_git(tmp_path):
    stage_addon = load_stage_addon()
    addon = tmp_path / "src" / "my_addon"
    (addon / "models").mkdir(parents=True)
    (addon / "__manifest__.py").write_text('{"name": "A", "version": "2.3.4"}\n')
    (addon / "models" / "a.py").write_text("x = 1\n")
    staged = stage_addon.stage(addon, "19.0", tmp_path / "out")
    assert (staged / "models" / "a.py").read_text() == "x = 1\n"
    assert '"19.0.2.3.4"' in (staged / "__manifest__.py").read_text()


# --- browser tours -----------------------------------------------------------------


def setup_test_functions(names, script, tmp_path, **env):
    """Run ``script`` with the functions ``names`` of setup/test defined."""
    pattern = "; ".join(f"/^{name}()/,/^}}/p" for name in names)
    return lib(
        f'loud() {{ echo "LOUD $*"; }}; '
        f"source <(sed -n '{pattern}' \"$ROOT/setup/test\"); {script}",
        tmp_path,
        **env,
    )


def test_tours_skipped_loudly_without_websocket_client(tmp_path):
    """Odoo skips every tour without the websocket-client package as surely as
    without Chromium: setup/test says so in its loud line, and the stage is
    skipped, not passed."""
    root = tmp_path / "repo"
    (root / ".venv-18.0" / "bin").mkdir(parents=True)
    (root / ".venv-18.0" / "bin" / "python").write_text(
        "#!/bin/sh\nexec python3 -c 'import sys; sys.exit(1)'\n"
    )
    (root / ".venv-18.0" / "bin" / "python").chmod(0o755)
    result = setup_test_functions(
        ["find_browser", "tour_client", "browser"],
        f'ROOT={root}; FOUND=(18.0); browser && rc=0 || rc=$?; echo "rc=$rc $NOTE"',
        tmp_path,
    )
    assert "LOUD BROWSER TOURS SKIPPED: the Python package websocket-client" in (
        result.stdout
    ), result.stderr
    assert "rc=3" in result.stdout


def test_idle_connection_timeouts_are_not_errors(tmp_path):
    """werkzeug's "Request timed out" for a connection Chromium opened and
    never used (Odoo's 5 s test-mode timeout) does not fail the suite; any
    other ERROR line does."""
    log = tmp_path / "odoo.log"
    log.write_text(
        "2026-12-02 02:03:00,904 24019 ERROR ? werkzeug: 127.0.0.1 - - "
        "[02/Dec/2026 02:03:00] Request timed out: TimeoutError('timed out') - - -\n"
        "2026-12-02 02:03:01,000 24019 ERROR db odoo.http: Exception during request\n"
    )
    result = setup_test_functions(
        ["error_lines"], f"grep -E ' (ERROR|CRITICAL) ' {log} | error_lines", tmp_path
    )
    assert result.stdout.splitlines() == [
        "2026-12-02 02:03:01,000 24019 ERROR db odoo.http: Exception during request"
    ]
