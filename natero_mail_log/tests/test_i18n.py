# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The addon in its users' languages (issue 13): every term Odoo's own export
finds in the addon is translated in each shipped .po file, and the
translations show at runtime once the language is loaded."""

import re
import warnings

import polib

from odoo.exceptions import ValidationError
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

MODULE = "natero_mail_log"
# Language codes of res.lang; Odoo loads i18n/<code>.po for each.
LANGS = ("nb_NO", "pt_BR")
PLACEHOLDERS = re.compile(r"%\(\w+\)s|%s|<[^>]+>|\{\{.*?\}\}|\{\w*\}")


def _po(name):
    return polib.pofile(f"{get_module_path(MODULE)}/i18n/{name}")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in LANGS:
            cls.env["res.lang"]._activate_lang(lang)
        module = cls.env["ir.module.module"].search([("name", "=", MODULE)])
        module._update_translations(filter_lang=list(LANGS), overwrite=True)
        cls.po = {lang: {e.msgid: e for e in _po(f"{lang}.po")} for lang in LANGS}

    def _t(self, lang, source):
        """The shipped translation of ``source``, checked to be a real one."""
        value = self.po[lang][source].msgstr
        self.assertTrue(value, f"{lang}: {source!r} has no translation")
        return value

    def _missing(self, lang, sources):
        entries = self.po[lang]
        return sorted(
            source
            for source in sources
            if source not in entries
            or not entries[source].msgstr
            or "fuzzy" in entries[source].flags
            or entries[source].obsolete
        )

    def test_every_exported_term_is_translated(self):
        """Odoo's own export of the addon, run now on this database, yields
        no term that a shipped language lacks (catches a stale .pot too)."""
        with warnings.catch_warnings():
            # Babel's extractor imports pkg_resources, deprecated by setuptools.
            warnings.filterwarnings("ignore", "pkg_resources", UserWarning)
            reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        live = {src for module, _t, _n, _r, src, _v, _c in reader if module == MODULE}
        # Terms of the Python code, the views and the models were all found.
        self.assertIn("Only its sender or a manager can link it.", live)
        self.assertIn("Processing", live)
        self.assertIn("Received at", live)
        for lang in LANGS:
            with self.subTest(lang=lang):
                self.assertEqual(self._missing(lang, live), [])

    def test_every_template_term_is_translated(self):
        """Every msgid of i18n/natero_mail_log.pot has a non-fuzzy, non-empty
        msgstr in each language, with the same placeholders and HTML tags."""
        pot = [e.msgid for e in _po(f"{MODULE}.pot") if e.msgid]
        self.assertGreater(len(pot), 100)
        for lang in LANGS:
            with self.subTest(lang=lang):
                self.assertEqual(self._missing(lang, pot), [])
                for source in pot:
                    entry = self.po[lang].get(source)
                    if entry and entry.msgstr:
                        self.assertEqual(
                            sorted(PLACEHOLDERS.findall(entry.msgstr)),
                            sorted(PLACEHOLDERS.findall(source)),
                            f"{lang}: placeholders differ in {source!r}",
                        )

    def test_translations_at_runtime(self):
        """A field label, a selection label, a view label and a Python message
        come out in each language."""
        for lang in LANGS:
            with self.subTest(lang=lang):
                Log = self.env["natero.mail.log"].with_context(lang=lang)
                fields = Log.fields_get(["envelope_to", "state"])
                self.assertEqual(
                    fields["envelope_to"]["string"], self._t(lang, "Received at")
                )
                self.assertIn(
                    ("unassigned", self._t(lang, "Unassigned")),
                    [tuple(s) for s in fields["state"]["selection"]],
                )
                arch = Log.get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertIn(f'string="{self._t(lang, "Processing")}"', arch)
                self.assertNotIn('string="Processing"', arch)

                Exclusion = self.env["natero.mail.log.exclusion"].with_context(
                    lang=lang
                )
                message = self._t(
                    lang,
                    "'%(value)s' is neither an email address nor a domain: "
                    "enter someone@example.com or example.com.",
                )
                with self.assertRaises(ValidationError) as caught:
                    Exclusion.create({"name": "not an address"})
                self.assertEqual(
                    str(caught.exception), message % {"value": "not an address"}
                )
