"""Preferred contact time: a time of day the caller asks to be called at (下午四点以后打), or says in answer to the
agent's question, or says free after another said busy (白天要上班，晚上七点后可以)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.mandarin import CLOSING_PARTICLES
from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact, cn_number, text_clauses

_HOUR = r"[0-9一二两三四五六七八九十]{1,3}点"


_CLOCK = re.compile(rf"^{_HOUR}(?:半|多)?(?:(?:到|至|-){_HOUR}(?:半)?)?(?:以后|之后|以前|之前|前|后)?")


def _called_then(clause: str, cfg: dict) -> bool:
    """A clause that points back to a time said before it and asks to be called then (那时候打, 那两天打我电话), not
    told not to (那会儿别打)."""
    clause = clause.strip()
    anaphor = next((a for a in cfg["anaphora"] if clause.startswith(a)), None)
    if anaphor is None:
        return False
    rest = clause[len(anaphor):]
    k = min((j for j in (rest.find(c) for c in cfg["call_after"]) if j >= 0), default=-1)
    return k >= 0 and not any(n in rest[:k] for n in cfg["negations"])


def read_contact_time(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["contact_time"]
    words = sorted(cfg["words"], key=lambda w: len(w[0]), reverse=True)
    time_words = [w for w, _ in words]   # longest first, as `words`
    asked = False
    for i, (speaker, text) in enumerate(turns):
        if speaker == "agent":
            # asked when to call: a time question about calling (几点方便, 哪个时间段接电话), not an event (几点撞的)
            asked = any(w in text for w in cfg["agent_asks"]) and any(c in text for c in cfg["call_after"])
            continue
        if speaker != "customer":
            continue
        hit: str | None = None
        busy = False   # a time said busy earlier in the turn: another said free after it answers (白天上班，晚上可以)
        said: str | None = None   # the last time said in the turn: a later clause may point back to it (那时候打)
        alone: str | None = None   # a clause that is only a time: a busy clause may come after it
        for _, clause in text_clauses(text):
            pending, alone = alone, None
            if said and _called_then(clause, cfg):
                hit = said
                break
            for word, value in words:
                j = clause.find(word)
                if j < 0:
                    continue
                after = _CLOCK.sub("", clause[j + len(word):])  # 下午四点以后打: the clock time is part of it
                while together := next((w for w in time_words if after.startswith(w)), ""):
                    after = _CLOCK.sub("", after[len(together):])   # 礼拜六礼拜天都可以: times said together
                lead = clause[:j]
                if any(w in lead for w in cfg["past_before"]) or "说" in lead or \
                        (any(w in lead for w in cfg["other_subject"]) and "让" not in lead and "我" not in clause[j:]
                         and not any(c in lead for c in cfg["call_after"])
                         and not (after.startswith(tuple(cfg["call_after"]))   # 你们最好下午打过来: asked to call
                                  and not any(n in lead for n in cfg["negations"]))):   # (not 你们别早上打)
                    continue
                said = value
                call_at = min((k for k in (after.find(c) for c in cfg["call_after"]) if k >= 0), default=-1)
                if call_at > 0 and any(w in after[:call_at] for w in r.third):
                    continue  # 晚上我给他打电话: the caller calling someone else
                verb = next((c for c in cfg["call_after"] if after.startswith(c, call_at)), "") if call_at >= 0 else ""
                rest = after[call_at + len(verb):] if verb else ""
                if verb and rest.startswith(tuple(r.third)):
                    continue  # 让你们周末联系她: when to call someone else
                if rest.startswith(tuple(cfg["done_marks"])) and not rest.startswith(tuple(cfg["directions"])):
                    continue  # 我上午已经打过一次了: a call made, not when to call (打过来 is a direction)
                if after.startswith(tuple(cfg["busy_after"])) or (any(after.startswith(b) for b in ("就", "再")) \
                        and not any(c in after for c in cfg["call_after"])):
                    continue
                bare = after.lstrip(CLOSING_PARTICLES)   # 下午嘛 / 晚上吧: a particle alone ends the answer
                answers = (asked and (not bare or bare.startswith(tuple(cfg["answer_after"])))) or \
                    (busy and after.rstrip(CLOSING_PARTICLES + "的了吗？?") in cfg["answer_after"])   # 下午可以 ends it
                if any(c in after[:8] for c in cfg["call_after"]) or answers:
                    hit = value
                    break
                if not after.strip(CLOSING_PARTICLES + "，,。") and not lead.strip():
                    alone = value   # a time said alone (晚上七点以后，白天我在干活): when, if a busy clause follows
            if hit:
                break
            if pending and any(w in clause for w in cfg["busy_words"]) and \
                    not any(w in clause for w, v in words if v == pending):
                hit = pending   # 晚上七点以后，白天我在干活: busy at another time than the one said alone
                break
            busy = busy or any(w in clause for w in cfg["busy_words"])
        if hit is None and asked and not any(w in text for w in cfg["past_before"]):
            m = re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})点", text)
            if m:
                h = cn_number(m.group(1))
                if h is not None:
                    hit = "上午" if 7 <= h <= 11 else "中午" if h in (12, 1) and "晚" not in text else \
                        "下午" if 2 <= h <= 5 else "晚上"
        if hit:
            add_fact(out, "preferred_contact_time", hit, 0.8, i, text, speaker)
        asked = False
