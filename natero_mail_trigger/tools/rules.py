# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Trigger rules as data (SPEC T3), pure Python.

A rule (``user_domain``, ``account_domain``) is an Odoo domain written with
literals only, read with ``ast.literal_eval`` as Odoo's mass mailing reads its
``mailing_domain``: no name, no call, no attribute, so nothing in a rule is ever
executed. Time-relative conditions go through searchable fields ("days since
signup", "days since last login"...) and the usage rules, never through
``context_today()`` or ``relativedelta``.

``parse_domain`` returns the domain as a list of ``'&'``/``'|'``/``'!'`` and
``(path, operator, value)`` tuples, or raises ``RuleError`` whose ``code`` says
what is wrong (the addon turns it into a translated message) and ``detail``
the offending part. ``field_paths`` lists the field paths of a parsed domain,
with the sub-domains of ``any``/``not any``, for the addon to check them
against the models as the acting user.
"""

import ast

MAX_LENGTH = 100_000
LOGICAL = ("&", "|", "!")
OPERATORS = (
    "=",
    "!=",
    "<>",
    "<=",
    "<",
    ">",
    ">=",
    "=?",
    "=like",
    "=ilike",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
    "any",
    "not any",
)
SUBDOMAIN_OPERATORS = ("any", "not any")
# Odoo's constant leaves
CONSTANT_LEAVES = ((1, "=", 1), (0, "=", 1))
PLAIN_TYPES = (str, int, float, bool, type(None))

# RuleError codes
TOO_LONG = "too_long"
NOT_LITERAL = "not_literal"
NOT_A_LIST = "not_a_list"
BAD_ITEM = "bad_item"
BAD_FIELD = "bad_field"
BAD_OPERATOR = "bad_operator"
BAD_VALUE = "bad_value"


class RuleError(ValueError):
    """A rule that is not a domain of literals; ``code`` is one of the codes
    above, ``detail`` the part of the rule at fault (as text)."""

    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def parse_domain(text):
    """The domain written in ``text`` (empty means ``[]``), literals only."""
    text = (text or "").strip() or "[]"
    if len(text) > MAX_LENGTH:
        raise RuleError(TOO_LONG, str(MAX_LENGTH))
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as error:
        raise RuleError(NOT_LITERAL, _excerpt(text)) from error
    return _check_domain(value)


def _check_domain(value):
    if not isinstance(value, (list, tuple)):
        raise RuleError(NOT_A_LIST, _excerpt(repr(value)))
    domain = []
    for item in value:
        if isinstance(item, str):
            if item not in LOGICAL:
                raise RuleError(BAD_ITEM, _excerpt(repr(item)))
            domain.append(item)
            continue
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            raise RuleError(BAD_ITEM, _excerpt(repr(item)))
        leaf = tuple(item)
        if leaf in CONSTANT_LEAVES and not isinstance(leaf[0], bool):
            domain.append(leaf)
            continue
        path, operator, operand = leaf
        if not isinstance(path, str) or not path or not all(path.split(".")):
            raise RuleError(BAD_FIELD, _excerpt(repr(path)))
        if not isinstance(operator, str) or operator.lower() not in OPERATORS:
            raise RuleError(BAD_OPERATOR, _excerpt(repr(operator)))
        operator = operator.lower()
        if operator in SUBDOMAIN_OPERATORS:
            operand = _check_domain(operand)
        else:
            operand = _check_value(operand)
        domain.append((path, operator, operand))
    return domain


def _check_value(value):
    if isinstance(value, PLAIN_TYPES):
        return value
    if isinstance(value, (list, tuple)) and all(
        isinstance(element, PLAIN_TYPES) for element in value
    ):
        return list(value)
    raise RuleError(BAD_VALUE, _excerpt(repr(value)))


def field_paths(domain):
    """``[(path, sub_paths)]`` of the leaves of a parsed domain, where
    ``sub_paths`` is the same list for the sub-domain of ``any``/``not any``
    (on the model the path leads to), else None."""
    result = []
    for item in domain:
        if isinstance(item, str) or item in CONSTANT_LEAVES:
            continue
        path, operator, operand = item
        sub = field_paths(operand) if operator in SUBDOMAIN_OPERATORS else None
        result.append((path, sub))
    return result


def _excerpt(text, size=80):
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1] + "…"
