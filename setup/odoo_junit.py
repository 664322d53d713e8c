#!/usr/bin/env python3
"""Run odoo-bin and write the outcome of every test it runs as JUnit XML.

Usage: python odoo_junit.py JUNIT_XML ODOO_BIN [odoo-bin options...]

Odoo's test runner reports in its log only (``odoo.tests.result: N failed,
N error(s) of N tests``, where a skipped test counts as run).  This wrapper runs
``odoo-bin`` in the same process and records, through Odoo's own
``OdooTestResult`` (``odoo/tests/result.py``, the same in 18.0 and 19.0), each
test as it ends: passed, failed, error or skipped with its reason; an error
outside any test (``setUpClass``, a module's set-up) is one errored entry.  The
file is written when Odoo exits, in the layout pytest's ``--junitxml`` uses, so
setup/test reads both runners' results the same way (``junit_summary.py``).
A failure that Odoo does not count (a retried flaky test's first run) is not
recorded either.
"""

import atexit
import importlib.abc
import importlib.util
import re
import runpy
import sys
import time
import traceback
from pathlib import Path
from xml.etree import ElementTree as ET

COUNTER = {"failure": "failures", "error": "errors", "skipped": "skipped"}


class Recorder:
    """The outcome of each test, keyed by test id, in the order they ran."""

    def __init__(self):
        self.cases = {}

    def _case(self, test):
        parent = getattr(test, "test_case", None)  # a subTest: its test
        key = (parent or test).id()
        case = self.cases.get(key)
        if case is None:
            case = self.cases[key] = {
                "id": key,
                "outcome": "passed",
                "start": time.time(),
                "time": 0.0,
                "details": [],
            }
        return case

    def start(self, test):
        self._case(test)["start"] = time.time()

    def stop(self, test):
        case = self._case(test)
        case["time"] = time.time() - case["start"]

    def problem(self, test, outcome, err):
        case = self._case(test)
        # failure over error over skipped over passed, as one test may have several
        rank = ("passed", "skipped", "error", "failure")
        if rank.index(outcome) > rank.index(case["outcome"]):
            case["outcome"] = outcome
        if isinstance(err, str):
            case["details"].append((outcome, err, err))
        else:
            text = "".join(traceback.format_exception(*err))
            case["details"].append((outcome, f"{err[0].__name__}: {err[1]}", text))

    def write(self, path):
        suites = {}
        for case in self.cases.values():
            holder = re.fullmatch(r"(\w+) \((.+)\)", case["id"])
            if holder:  # an error outside a test: "setUpClass (module.Class)"
                name, classname = holder.groups()
            else:
                classname, _, name = case["id"].rpartition(".")
            suites.setdefault(classname, []).append((name, case))
        root = ET.Element("testsuites", name="odoo")
        totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
        for classname, cases in suites.items():
            suite = ET.SubElement(root, "testsuite", name=classname)
            counts = dict.fromkeys(totals, 0)
            for name, case in cases:
                element = ET.SubElement(
                    suite,
                    "testcase",
                    classname=classname,
                    name=name,
                    time=f"{case['time']:.3f}",
                )
                counts["tests"] += 1
                outcome = case["outcome"]
                if outcome != "passed":
                    counts[COUNTER[outcome]] += 1
                for kind, message, text in case["details"]:
                    child = ET.SubElement(element, kind, message=message[:500])
                    if kind != "skipped":
                        child.text = text
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
        for key, value in totals.items():
            root.set(key, str(value))
        tmp = Path(str(path) + ".part")
        ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
        tmp.replace(path)


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Wrap OdooTestResult when Odoo itself imports odoo.tests.result: importing
    Odoo's test framework before Odoo has read its options is refused by 18.0
    with a warning ("Importing test framework...")."""

    name = "odoo.tests.result"

    def __init__(self, recorder):
        self.recorder = recorder

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module
        recorder = self.recorder

        def exec_and_install(module):
            exec_module(module)
            install(recorder, module.OdooTestResult)

        spec.loader.exec_module = exec_and_install
        return spec


def install(recorder, OdooTestResult):
    """Wrap OdooTestResult's methods to feed the recorder."""
    original = {
        name: getattr(OdooTestResult, name)
        for name in ("startTest", "stopTest", "addError", "addFailure", "addSkip")
    }

    def startTest(self, test):
        recorder.start(test)
        return original["startTest"](self, test)

    def stopTest(self, test):
        recorder.stop(test)
        return original["stopTest"](self, test)

    def counted(name, outcome):
        def method(self, test, err):
            before = (self.errors_count, self.failures_count, self.skipped)
            result = original[name](self, test, err)
            if (self.errors_count, self.failures_count, self.skipped) != before:
                recorder.problem(test, outcome, err)
            return result

        method.__name__ = name
        return method

    OdooTestResult.startTest = startTest
    OdooTestResult.stopTest = stopTest
    OdooTestResult.addError = counted("addError", "error")
    OdooTestResult.addFailure = counted("addFailure", "failure")
    OdooTestResult.addSkip = counted("addSkip", "skipped")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    junit, odoo_bin = Path(argv[1]), Path(argv[2]).resolve()
    sys.path[0] = str(odoo_bin.parent)  # as when odoo-bin runs as a script
    recorder = Recorder()
    sys.meta_path.insert(0, PatchOnImport(recorder))
    atexit.register(recorder.write, junit)
    sys.argv = [str(odoo_bin), *argv[3:]]
    runpy.run_path(str(odoo_bin), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv)
