"""Pure tests of natero_mail_trigger/tools/rules.py (SPEC T3, issue 10): rules
are data, read as literals, never run."""

import pytest
from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

rules = TRIGGER_TOOLS.rules

ADMIN_PAYLOAD = (
    "[('id','=', user.sudo().write({'groups_id':"
    "[(4, user.env.ref('base.group_system').id)]}) and 0)]"
)


@pytest.mark.parametrize(
    "text, domain",
    [
        ("", []),
        ("  []  ", []),
        (None, []),
        ("[('natero_role', '=', 'admin')]", [("natero_role", "=", "admin")]),
        (
            "['|', ('natero_arr', '>', 10000), ('natero_churned', '=', True)]",
            ["|", ("natero_arr", ">", 10000), ("natero_churned", "=", True)],
        ),
        ('[["id", "in", (1, 2, 3)]]', [("id", "in", [1, 2, 3])]),
        ("[('email', '=ilike', '%@x.com')]", [("email", "=ilike", "%@x.com")]),
        (
            "[('natero_days_since_login', '>=', -1.5)]",
            [("natero_days_since_login", ">=", -1.5)],
        ),
        (
            "[('parent_id', '=', False), ('ref', '!=', None)]",
            [("parent_id", "=", False), ("ref", "!=", None)],
        ),
        ("[('name', 'NOT ILIKE', 'x')]", [("name", "not ilike", "x")]),
        ("[(1, '=', 1)]", [(1, "=", 1)]),
        (
            "[('commercial_partner_id', 'any', [('natero_arr', '>', 5)])]",
            [("commercial_partner_id", "any", [("natero_arr", ">", 5)])],
        ),
    ],
)
def test_literal_domains(text, domain):
    assert rules.parse_domain(text) == domain


@pytest.mark.parametrize(
    "text, code",
    [
        (ADMIN_PAYLOAD, rules.NOT_LITERAL),
        ("[('id', '=', uid)]", rules.NOT_LITERAL),
        (
            "[('natero_signup_date', '>=', (context_today() - relativedelta(days=10))"
            ".strftime('%Y-%m-%d'))]",
            rules.NOT_LITERAL,
        ),
        ("__import__('os').system('id')", rules.NOT_LITERAL),
        ("[('a', '=', 1)] + [('b', '=', 2)]", rules.NOT_LITERAL),
        ("[('name', '=', ", rules.NOT_LITERAL),
        ("[" * 500 + "]" * 500, rules.NOT_LITERAL),
        ("{'a': 1}", rules.NOT_A_LIST),
        ("'x'", rules.NOT_A_LIST),
        ("['x']", rules.BAD_ITEM),
        ("[('a', '=')]", rules.BAD_ITEM),
        ("[42]", rules.BAD_ITEM),
        ("[(1, '=', 2)]", rules.BAD_FIELD),
        ("[(True, '=', 1)]", rules.BAD_FIELD),
        ("[('a..b', '=', 1)]", rules.BAD_FIELD),
        ("[('', '=', 1)]", rules.BAD_FIELD),
        ("[('a', 'like like', 1)]", rules.BAD_OPERATOR),
        ("[('a', 1, 1)]", rules.BAD_OPERATOR),
        ("[('a', '=', {'b': 1})]", rules.BAD_VALUE),
        ("[('a', '=', {1, 2})]", rules.BAD_VALUE),
        ("[('a', '=', b'x')]", rules.BAD_VALUE),
        ("[('a', '=', 1j)]", rules.BAD_VALUE),
        ("[('a', 'in', [[1]])]", rules.BAD_VALUE),
        ("[('a', 'any', [('b', '=', x)])]", rules.NOT_LITERAL),
        ("[('a', 'any', [('b', '=', {})])]", rules.BAD_VALUE),
        ("[('a', 'any', 'b')]", rules.NOT_A_LIST),
    ],
)
def test_refused_rules(text, code):
    with pytest.raises(rules.RuleError) as caught:
        rules.parse_domain(text)
    assert caught.value.code == code


def test_too_long():
    text = "[('id', 'in', [%s])]" % ", ".join(["1"] * 40_000)
    with pytest.raises(rules.RuleError) as caught:
        rules.parse_domain(text)
    assert caught.value.code == rules.TOO_LONG


def test_detail_names_the_fault():
    with pytest.raises(rules.RuleError) as caught:
        rules.parse_domain("[('natero_role', '=', {'a': 1})]")
    assert caught.value.detail == "{'a': 1}"


def test_field_paths():
    domain = rules.parse_domain(
        "['|', ('natero_role', '=', 'a'), ('parent_id', 'any', "
        "[('natero_arr', '>', 1), ('child_ids', 'not any', [('ref', '=', 'x')])]), "
        "(1, '=', 1)]"
    )
    assert rules.field_paths(domain) == [
        ("natero_role", None),
        ("parent_id", [("natero_arr", None), ("child_ids", [("ref", None)])]),
    ]


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused(text):
    try:
        domain = rules.parse_domain(text)
    except rules.RuleError:
        return
    assert isinstance(domain, list)
