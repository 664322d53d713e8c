# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The trigger addon in its users' languages (issue 13), as natero_mail_log:
every term Odoo's own export finds in the addon is translated in each shipped
.po file, and the translations show at runtime once the language is loaded."""

import re
import warnings

import polib

from odoo.exceptions import ValidationError
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

MODULE = "natero_mail_trigger"
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
        self.assertIn("Properties must be a JSON object.", live)
        self.assertIn("Daily schedule", live)
        self.assertIn("Product role", live)
        for lang in LANGS:
            with self.subTest(lang=lang):
                self.assertEqual(self._missing(lang, live), [])

    def test_every_template_term_is_translated(self):
        """Every msgid of i18n/natero_mail_trigger.pot has a non-fuzzy,
        non-empty msgstr in each language, with the same placeholders
        (``%s``, ``%(name)s``, ``{{ }}``) and HTML/QWeb tags."""
        pot = [e.msgid for e in _po(f"{MODULE}.pot") if e.msgid]
        self.assertGreater(len(pot), 400)
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
                Partner = self.env["res.partner"].with_context(lang=lang)
                fields = Partner.fields_get(["natero_role", "natero_lifecycle_stage"])
                self.assertEqual(
                    fields["natero_role"]["string"], self._t(lang, "Product role")
                )
                self.assertIn(
                    ("trial", self._t(lang, "Trial")),
                    [tuple(s) for s in fields["natero_lifecycle_stage"]["selection"]],
                )
                Trigger = self.env["natero.trigger"].with_context(lang=lang)
                arch = Trigger.get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertIn(f'string="{self._t(lang, "Daily schedule")}"', arch)
                self.assertNotIn('string="Daily schedule"', arch)

                Event = self.env["natero.usage.event"].with_context(lang=lang)
                with self.assertRaises(ValidationError) as caught:
                    Event.create({"name": "login", "properties_text": "[1]"})
                self.assertEqual(
                    str(caught.exception),
                    self._t(lang, "Properties must be a JSON object."),
                )
