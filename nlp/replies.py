"""Which agent reply resolved the customer's issue? The picker behind the script library (优秀话术).

Each agent turn gets a reply-quality score from cues a QA lead would name: it answers a
customer question, it is specific (length, numbers, concrete steps), the customer's next turn
accepts it (谢谢, 明白了) rather than rejecting it, it is an answer rather than a deferral, a
request for details or a pleasantry. Weights live in `[script_cues]` of
`configs/resolution_lexicon.toml`; phrases are shared with the resolution rules so the two
never disagree on what "thanks" or "a deferral" sounds like. Text in, scores out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from callintel.nlp.outcomes import Lexicon, Turn, is_question

_SPECIFIC = re.compile(r"\d{2,}|www\.|https?://|\.com|热线|APP|app|官网|公众号|营业厅")


@dataclass(frozen=True)
class ReplyScore:
    turn: int  # index into the call's turns
    score: float
    reasons: tuple[str, ...]


def _phrases(lex: Lexicon, cue: str, text: str) -> list[str]:
    try:
        return [p for p in lex.cue(cue).phrases if p in text]
    except KeyError:
        return []


def score_replies(turns: Sequence[Turn], lex: Lexicon) -> list[ReplyScore]:
    """One score per agent turn, in order, with the reasons that moved it."""
    w = lex.script_cues
    agent = [i for i, t in enumerate(turns) if t.speaker == "agent"]
    substantive = [i for i in agent if turns[i].text and not _pleasantry_only(turns[i].text, lex)]
    out = []
    for i in agent:
        text = turns[i].text
        if not text:
            out.append(ReplyScore(i, w.get("empty_penalty", -5.0), ("empty",)))
            continue
        score, why = 0.0, []

        def add(name: str, times: float = 1.0, _why: list[str] = why) -> None:
            nonlocal score
            score += w.get(name, 0.0) * times
            _why.append(name)

        before = next((turns[j] for j in range(i - 1, -1, -1) if turns[j].text), None)
        if before is not None and before.speaker == "customer" and is_question(before.text, lex):
            add("answers_question")
        after = next((turns[j] for j in range(i + 1, len(turns)) if turns[j].text), None)
        if after is not None and after.speaker == "customer":
            if _phrases(lex, "customer_positive_close", after.text):
                add("followed_by_thanks")
            if _phrases(lex, "customer_negative_close", after.text):
                add("followed_by_rejection")
        for name, cue in (("solution", "agent_solution"), ("defer", "agent_defer")):
            found = _phrases(lex, cue, text)
            if found:
                add(name, min(3, len(found)))
        if _phrases(lex, "agent_ask_details", text):
            add("ask_details")
        if _pleasantry_only(text, lex):
            add("thanks_only")
        add("length_per_100_chars", min(300, len(text)) / 100)
        if _SPECIFIC.search(text):
            add("digits_or_links")
        if substantive and i == substantive[-1]:
            add("last_agent_turn")
        if substantive and i == substantive[0]:
            add("first_agent_turn")
        out.append(ReplyScore(i, round(score, 4), tuple(why)))
    return out


def _pleasantry_only(text: str, lex: Lexicon) -> bool:
    return len(text) <= 30 and bool(_phrases(lex, "agent_thanks_praise", text))


def best_reply(turns: Sequence[Turn], lex: Lexicon) -> ReplyScore | None:
    """The agent turn most likely to be the resolving reply (ties: the later turn); None without one."""
    scored = [s for s in score_replies(turns, lex) if "empty" not in s.reasons]
    if not scored:
        return None
    return max(scored, key=lambda s: (s.score, s.turn))
