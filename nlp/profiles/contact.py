"""Preferred contact time: a time of day the caller asks to be called at (下午四点以后打), or says in answer to the
agent's question, or says free after another said busy (白天要上班，晚上七点后可以)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.general_words import pos_tagger
from callintel.mandarin import CLOSING_PARTICLES
from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact, cn_number, text_clauses
from callintel.regex_words import alternation

_HOUR = r"[0-9一二两三四五六七八九十]{1,3}点"


_CLOCK = re.compile(rf"^{_HOUR}(?:半|多)?(?:(?:到|至|-){_HOUR}(?:半)?)?(?:以后|之后|以前|之前|前|后)?")
_CLOCK_AT = re.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})点")


def _period(hour: int, text: str) -> str:
    """The period of a clock hour said without one (六点以后打): 7-11 morning, 12 and 1 noon, 2-5 afternoon, else
    evening."""
    hour = hour - 12 if 13 <= hour <= 23 else hour   # 14点 is 2 o'clock in the afternoon
    return "上午" if 7 <= hour <= 11 else "中午" if hour in (12, 1) and "晚" not in text else \
        "下午" if 2 <= hour <= 5 else "晚上"


def _asks_call(clause: str, cfg: dict, call_me: re.Pattern[str]) -> bool:
    """A clause asking to be called, without a time (你让人明天打给我吧, 给我回个电话吧): the caller the object of a
    verb of calling (`call_me`: 给我 / 打我 / 联系我 / 找我, not 给我老婆), not negated. A time said alone next is
    when."""
    m = call_me.search(clause)
    return m is not None and any(c in clause for c in cfg["call_after"] + cfg["call_nouns"]) and \
        not any(n in clause[:m.start()] for n in cfg["negations"])


def _time_lead(lead: str, cfg: dict) -> bool:
    """The words before a time said alone are time words only (工作日, 明天): not 特别是, 除了, 忙到."""
    words = [w for w in pos_tagger().cut(lead.strip())]
    return all(w.flag in ("t", "m", "q") or w.word.endswith(("日", "天")) or w.word in cfg["time_lead_words"]
               for w in words)


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


def _negated_before(lead: str, cfg: dict) -> bool:
    """A negation ending the words before a time, a few words of place or manner between (别中午打, 别又中午打,
    不要在晚上打, 不用晚上打); not 要不 'how about' (要不中午打吧), nor one inside a word (差不多)."""
    lead = re.sub(rf"(?:{alternation(cfg['not_negations'])})$", "", lead)
    links = alternation(cfg["negation_links"])
    return re.search(rf"(?:{alternation(cfg['negations'])})(?:{links})?$", lead) is not None


def _clock_call(clause: str, cfg: dict, text: str, r: ProfileReader) -> str | None:
    """A clock time with no period word followed by a verb of asking to be called, not negated, said by no one else
    and of no call made (你们六点以后打吧, 六点以后我有空): its period. 一点 only as an hour said with 以后 / 半 / 钟
    (晚一点打 is 'a bit later'); 7-11 with 以后 in a turn saying the day is taken (白天上班，七点以后打) is evening."""
    if any(w in clause for w, _ in cfg["words"]):
        return None
    m = _CLOCK_AT.search(clause)
    if not m:
        return None
    lead = clause[:m.start()]
    if _negated_before(lead, cfg) or any(w in lead for w in cfg["past_before"]):
        return None
    if m.group(1) == "一" and not re.match(rf"(?:{alternation(cfg['hour_marks'])})", clause[m.end():]):
        return None   # 晚一点打, 快一点: a bit, no hour
    if any(w in lead for w in r.third):
        return None   # 我老公六点以后打给你们: someone else calls
    after = _CLOCK.sub("", clause[m.start():])
    me = r.subject   # [person] self but the reflexive
    caller = rf"(?:{me})(?:{alternation(cfg['caller_adverbs'])})?"
    if re.match(rf"{caller}(?:{alternation(cfg['caller_free'])})", after):
        after = re.sub(rf"^{caller}", "", after)   # 六点以后我(才)有空: the caller free then
    after = re.sub(rf"^(?:{alternation(cfg['verb_leads'])})", "", after)   # 六点以后再打, 你六点以后给我打
    verb = next((c for c in cfg["call_after"] if after.startswith(c)), "")
    if not verb and not after.strip(CLOSING_PARTICLES + "".join(cfg["closing"])) and \
            any(c in lead for c in cfg["call_after"]) and not re.search(rf"(?:{me})(?!们)", lead):
        verb = "-"   # 你们回电话还是六点以后啊: the verb of calling before the time that ends the clause
    if not verb:
        return None
    rest = after[len(verb):] if verb != "-" else ""
    free = verb in cfg["caller_free"]   # 有空了 is a state, not a call made
    if (not free and rest.startswith(tuple(cfg["done_marks"])) and not rest.startswith(tuple(cfg["directions"]))) \
            or (not free and "的" in rest) or any(w in rest for w in cfg["unanswered"]):
        return None   # 六点打了没人接, 五点打的那个电话, 三点打过来一直占线: a call made
    if not free and (re.search(rf"(?:{me})(?!们)", lead) or (rest.startswith("给") and not rest.startswith("给我"))):
        return None   # 我两点打给你们, 四点打给我儿子: the caller will call
    hour = cn_number(m.group(1))
    if hour is None:
        return None
    if 7 <= hour <= 11 and re.match(rf"(?:{alternation(cfg['after_marks'])})", clause[m.end():]) and \
            any(w in text for w in cfg["day_taken"]):
        return "晚上"
    return _period(hour, text)


def read_contact_time(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["contact_time"]
    words = sorted(cfg["words"], key=lambda w: len(w[0]), reverse=True)
    time_words = [w for w, _ in words]   # longest first, as `words`
    particles = CLOSING_PARTICLES + "".join(cfg["closing"])
    # a negation after the time governing the verb of calling (中午别打, 晚上不要打): when not to call
    not_then = re.compile(rf"(?:{alternation(cfg['negations'])})(?:要|用|好)?在?(?:{alternation(cfg['call_after'])})")
    # the caller as the object of a verb of calling, not a relative of theirs after it (给我老婆)
    call_me = re.compile(rf"(?:{alternation(cfg['call_me'])})(?!{alternation(r.relation)})")
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
                if _negated_before(lead, cfg) or not_then.match(after):
                    continue  # 别中午打, 不要在晚上打, 中午别打 (not 晚上不忙的时候给我打): when not to call
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
                if verb and (any(w in after for w in cfg["unanswered"]) or
                             re.search(rf"(?:{alternation(cfg['act_before'])})$", after[:call_at])):
                    continue  # 早上八点就开始打, 晚上打了没人接: calls made, not when to call
                if (after.startswith(tuple(cfg["busy_after"])) and not after.startswith(tuple(cfg["call_after"]))) or (
                        any(after.startswith(b) for b in ("就", "再")) \
                        and not any(c in after for c in cfg["call_after"])):
                    continue
                bare = after.lstrip(particles)   # 下午嘛 / 晚上吧 / 下昼啦: a particle alone ends the answer
                answers = (asked and (not bare or bare.startswith(tuple(cfg["answer_after"])))) or \
                    (busy and after.rstrip(CLOSING_PARTICLES + "的了吗？?") in cfg["answer_after"])   # 下午可以 ends it
                if any(c in after[:8] for c in cfg["call_after"]) or answers:
                    hit = value
                    break
                if not after.strip(particles + "，,。") and _time_lead(lead, cfg):
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
            if clock := _clock_call(clause, cfg, text, r):
                hit = clock   # 你们六点以后打吧: a clock time alone, asked to be called then
                break
            busy = busy or any(w in clause for w in cfg["busy_words"])
            requested = _asks_call(clause, cfg, call_me)
        if hit is None and asked and not any(w in text for w in cfg["past_before"]):
            m = _CLOCK_AT.search(text)
            if m:
                h = cn_number(m.group(1))
                if h is not None:
                    hit = _period(h, text)
        if hit:
            add_fact(out, "preferred_contact_time", hit, 0.8, i, text, speaker)
        asked = False
