"""Short answers to the agent's profile questions (您是做什么工作的？ -> 老师。): the question names the field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact


def read_answers(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    """Short answers to the agent's profile questions (您是做什么工作的？ -> 老师。): the question names the field."""
    cfg = r.lex["answers"]
    nouns = sorted(r.lex["occupation"]["nouns"], key=len, reverse=True)
    for i in range(1, len(turns)):
        (asp, ask), (sp, text) = turns[i - 1], turns[i]
        if asp != "agent" or sp != "customer" or len(text) > cfg["max_chars"] or any(w in text for w in r.third):
            continue
        if any(w in ask for w in cfg["occupation"]):
            job = next((n for n in nouns if n in text), None)
            if job and job not in r.lex["occupation"]["not_occupation"]:
                add_fact(out, "occupation", job, 0.7, i, text, sp)
        if any(w in ask for w in cfg["city"]):
            city = next((c for _, _, c in r.lex.places(text)), None)
            if city:
                add_fact(out, "city", city, 0.7, i, text, sp)
        if any(w in ask for w in cfg["marital"]):
            if re.match(r"^(?:嗯|对|是的|是)?[，,]?(?:结了|结婚了|已婚|成家了)", text):
                add_fact(out, "marital_status", "已婚", 0.7, i, text, sp)
            elif re.match(r"^(?:还)?(?:没有|没呢|还没|没结|单身)", text):
                add_fact(out, "marital_status", "未婚", 0.7, i, text, sp)
        if any(w in ask for w in cfg["children"]):
            m = re.search(r"(?:^|有)(一|两|俩|二|三|仨|[1-4])个", text)
            if m:
                add_fact(out, "children", str(r.lex["children"]["counts"][m.group(1)]), 0.7, i, text, sp)
            elif re.match(r"^(?:还)?(?:没有|没呢|还没)", text):
                add_fact(out, "children", "0", 0.65, i, text, sp)
