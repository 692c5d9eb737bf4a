"""Knowledge base matching (starlink_helpdesk/lib/kb.py): codes and ranking."""

from starlink_helpdesk_lib import kb


def candidate(article_id, sequence=10, alerts=(), rules=(), categories=()):
    return kb.Candidate(article_id, sequence, frozenset(alerts), frozenset(rules),
                        frozenset(categories))  # fmt: skip


def test_parse_codes_normalises():
    assert kb.parse_codes(" High_Sky_Obstruction,,high_sky_obstruction ; outage\nusage") == [
        "high_sky_obstruction",
        "outage",
        "usage",
    ]
    assert kb.parse_codes(None) == []
    assert kb.invalid_codes(["ok_1", "not ok", "é"]) == ["not ok", "é"]


def test_rank_terminal_alert_first_then_rule_then_category():
    situation = kb.Situation(
        terminal_alerts=frozenset({"high_sky_obstruction"}),
        rule_types=frozenset({"usage"}),
        category_ids=frozenset({7}),
    )
    articles = [
        candidate(1, categories={7}),
        candidate(2, rules={"usage"}),
        candidate(3, alerts={"high_sky_obstruction"}),
        candidate(4, alerts={"thermal_shutdown"}),
        candidate(5, alerts={"high_sky_obstruction"}, categories={7}),
    ]
    assert kb.rank(articles, situation) == [5, 3, 2, 1]
    assert kb.rank(articles, situation, limit=2) == [5, 3]


def test_rank_ties_by_sequence_and_nothing_without_situation():
    situation = kb.Situation(category_ids=frozenset({1}))
    articles = [candidate(1, 20, categories={1}), candidate(2, 5, categories={1})]
    assert kb.rank(articles, situation) == [2, 1]
    assert kb.rank(articles, kb.Situation()) == []


def test_score_reasons():
    value, reasons = kb.score(
        candidate(1, alerts={"a", "b"}, rules={"outage"}),
        kb.Situation(terminal_alerts=frozenset({"b"}), rule_types=frozenset({"outage"})),
    )
    assert value == kb.SCORE_TERMINAL_ALERT + kb.SCORE_RULE_TYPE
    assert reasons == [("terminal_alert", "b"), ("rule_type", "outage")]
