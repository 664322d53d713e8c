#!/usr/bin/env python3
"""Run odoo-bin's tour tests and save the screenshots their steps ask for.

Usage: python odoo_screenshots.py OUT_DIR ODOO_BIN [odoo-bin options...]

The addons' tours (``static/tests/tours``) mark the screens worth showing with
a step made by ``screenshot(name)`` (``natero_tour_utils.js``).  In an
ordinary test run those steps do nothing.  Under this wrapper, which runs
``odoo-bin`` in the same process as ``odoo_junit.py`` does:

- every browser the tests open (``HttpCase.browser_js``, under
  ``start_tour``) gets the cookie ``natero_screenshots=1``, which wakes the
  screenshot steps up;
- such a step logs ``natero-screenshot <name>`` on the browser's console and
  waits; the console handler of Odoo's ``ChromeBrowser`` then asks Chromium
  for a PNG of the page (``Page.captureScreenshot``, as Odoo's own failure
  screenshots), writes ``OUT_DIR/<name>.png``, and tells the page it may go
  on (``window.nateroScreenshotsTaken``).

Only test support code is wrapped, never Odoo's behaviour: the tours, and
the server they drive, run exactly as in the integration suite.
"""

import base64
import importlib.abc
import importlib.util
import json
import re
import runpy
import sys
from pathlib import Path

MARK = "natero-screenshot "


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Wrap odoo.tests.common when Odoo itself imports it (importing Odoo's
    test framework before Odoo has read its options is refused by 18.0), as
    odoo_junit.py does for odoo.tests.result."""

    name = "odoo.tests.common"

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module
        out_dir = self.out_dir

        def exec_and_install(module):
            exec_module(module)
            install(module, out_dir)

        spec.loader.exec_module = exec_and_install
        return spec


def install(common, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    browser_js = common.HttpCase.browser_js
    handle_console = common.ChromeBrowser._handle_console

    def browser_js_with_cookie(self, *args, cookies=None, **kwargs):
        cookies = {**(cookies or {}), "natero_screenshots": "1"}
        return browser_js(self, *args, cookies=cookies, **kwargs)

    def handle_console_with_shots(self, type, args=None, stackTrace=None, **kw):
        if type == "info" and args:
            text = str(self._from_remoteobject(args[0]))
            if text.startswith(MARK):
                shoot(self, text[len(MARK) :].strip())
        return handle_console(self, type, args, stackTrace, **kw)

    def shoot(browser, name):
        if not re.fullmatch(r"[\w-]+", name):
            browser._logger.error(
                "screenshot name %r: letters, digits, - and _ only", name
            )
            return
        future = browser._websocket_send(
            "Page.captureScreenshot", params={"format": "png"}, with_future=True
        )

        def save(done):
            data = done.result(timeout=0).get("data")
            if data:
                path = out_dir / f"{name}.png"
                path.write_bytes(base64.b64decode(data))
                browser._logger.info("screenshot %s saved", path)
            else:
                browser._logger.error("screenshot %s: Chromium sent no image", name)
            browser._websocket_send(
                "Runtime.evaluate",
                params={
                    "expression": "(window.nateroScreenshotsTaken ||= []).push("
                    f"{json.dumps(name)})"
                },
            )

        future.add_done_callback(save)

    common.HttpCase.browser_js = browser_js_with_cookie
    common.ChromeBrowser._handle_console = handle_console_with_shots


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out_dir = Path(sys.argv[1]).resolve()
    odoo_bin = sys.argv[2]
    sys.argv = [odoo_bin, *sys.argv[3:]]
    sys.path.insert(0, str(Path(odoo_bin).resolve().parent))
    sys.meta_path.insert(0, PatchOnImport(out_dir))
    runpy.run_path(odoo_bin, run_name="__main__")


if __name__ == "__main__":
    main()
