"""Preferred contact time: a time of day the caller asks to be called at (下午四点以后打), or says in answer to the
agent's question, or says free after another said busy (白天要上班，晚上七点后可以)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.mandarin import CLOSING_PARTICLES
from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact, cn_number, text_clauses

_HOUR = r"[0-9一二两三四五六七八九十]{1,3}点"


_CLOCK = re.compile(rf"^{_HOUR}(?:半|多)?(?:(?:到|至|-){_HOUR}(?:半)?)?(?:以后|之后|以前|之前|前|后)?")
_CLOCK_AT = re.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})点")


def _period(hour: int, text: str) -> str:
    """The period of a clock hour said without one (六点以后打): 7-11 morning, 12 and 1 noon, 2-5 afternoon, else
    evening."""
    return "上午" if 7 <= hour <= 11 else "中午" if hour in (12, 1) and "晚" not in text else \
        "下午" if 2 <= hour <= 5 else "晚上"


def _asks_call(clause: str, cfg: dict) -> bool:
    """A clause asking to be called, without a time (你让人明天打给我吧): a time said alone next is when."""
    k = min((j for j in (clause.find(c) for c in cfg["call_after"]) if j >= 0), default=-1)
    return k >= 0 and "我" in clause[k:] and not any(n in clause[:k] for n in cfg["negations"])


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


def _clock_call(clause: str, cfg: dict, text: str) -> str | None:
    """A clock time with no period word followed by a verb of calling, not negated (你们六点以后打吧): its period."""
    if any(w in clause for w, _ in cfg["words"]):
        return None
    m = _CLOCK_AT.search(clause)
    if not m or any(n in clause[:m.start()] for n in cfg["negations"] + cfg["past_before"]):
        return None
    after = _CLOCK.sub("", clause[m.start():])
    verb = next((c for c in cfg["call_after"] if after.startswith(c)), "")
    rest = after[len(verb):]
    if rest.startswith(tuple(cfg["done_marks"])) and not rest.startswith(tuple(cfg["directions"])):
        return None   # 六点打了没人接: a call made
    if not after.startswith(tuple(cfg["call_after"])) and not after.startswith(("再打", "给我打", "打给我")):
        return None
    hour = cn_number(m.group(1))
    return _period(hour, text) if hour is not None else None


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
        requested = False   # the clause before asked to be called: a time said alone next is when
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
                if re.search(rf"(?:{'|'.join(cfg['negations'])})[又再要]?$", lead):
                    continue  # 别中午打: when not to call
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
                if not after.strip(CLOSING_PARTICLES + "，,。") and len(lead.strip()) <= cfg["alone_lead"]:
                    if requested:
                        hit = value   # 你让人明天打给我吧，下午: the time of the call just asked for
                        break
                    alone = value   # a time said alone (晚上七点以后，白天我在干活): when, if a busy clause follows
            if hit:
                break
            if pending and any(w in clause for w in cfg["busy_words"]) and \
                    not any(w in clause for w, v in words if v == pending):
                hit = pending   # 晚上七点以后，白天我在干活: busy at another time than the one said alone
                break
            if clock := _clock_call(clause, cfg, text):
                hit = clock   # 你们六点以后打吧: a clock time alone, asked to be called then
                break
            busy = busy or any(w in clause for w in cfg["busy_words"])
            requested = _asks_call(clause, cfg)
        if hit is None and asked and not any(w in text for w in cfg["past_before"]):
            m = re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})点", text)
            if m:
                h = cn_number(m.group(1))
                if h is not None:
                    hit = _period(h, text)
        if hit:
            add_fact(out, "preferred_contact_time", hit, 0.8, i, text, speaker)
        asked = False
