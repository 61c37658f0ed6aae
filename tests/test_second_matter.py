"""A call whose caller opens a second matter (还有个事) on a real warehouse: the call's topic is why they called, the
second matter's questions keep theirs, and a second matter about buying still makes the caller a lead."""

from __future__ import annotations

from callintel.evaluation.calls import land, run_steps
from callintel.warehouse.db import connect

TURNS = [("agent", "您好，安心保险客服，请问有什么可以帮您？"),
         ("customer", "我的保单上个月没交上费，停效了，现在还能恢复吗？"),
         ("agent", "可以的，停效两年内可以申请复效，补交保费和利息就行，我帮您提交复效申请。"),
         ("customer", "好的，那就麻烦你了。"),
         ("agent", "已经帮您提交了，三个工作日内会有结果。"),
         ("customer", "哦对了，还有个事，我想给我妈买个医疗险，她六十二了，能投保吗？一年保费多少钱？"),
         ("agent", "六十二岁可以投保我们的百万医疗，一年保费一千二左右，我把投保链接发给您。"),
         ("customer", "这个医疗险怎么买？能在手机上投保吗？"),
         ("agent", "可以的，点开链接填写信息就能投保，几分钟就好。"),
         ("customer", "那我自己也想买一份医疗险，三十五岁买多少钱？"),
         ("agent", "三十五岁一年三百多，链接里可以一起投保。"),
         ("customer", "行，你发过来吧，我今天就给她买。"),
         ("agent", "好的，已经发送，感谢您的来电，再见。")]


def test_the_first_matter_is_the_calls_topic_and_the_second_a_lead(settings):
    call = {"call_id": "SM-1", "started_at": "2026-12-01T10:00:00+08:00", "caller_number": "13800001111",
            "agent_id": "A1", "turns": [{"speaker": s, "text": t} for s, t in TURNS]}
    con = connect(settings.path("warehouse"))
    try:
        run_steps(con, land(con, [call], settings), settings)
        slug = con.execute("SELECT t.slug FROM call_topics JOIN topics t USING (topic_id)").fetchone()[0]
        assert slug == "renewal_lapse"
        # the call_topics step stores the second matter beside the main topic: where it opens, its own topic and
        # the question that decided it (the leads step reads these, not the question topics again)
        at, second, asked = con.execute(
            """SELECT c.second_matter_seq, s.slug, u.text FROM call_topics c
               JOIN topics s ON s.topic_id = c.second_topic_id JOIN questions q ON q.question_id = c.second_question_id
               JOIN utterances u ON u.call_id = q.call_id AND u.seq = q.seq""").fetchone()
        assert TURNS[at][1].startswith("哦对了，还有个事")
        assert second in ("purchase", "purchase_medical") and "医疗险" in asked, (second, asked)
        later = {s for (s,) in con.execute("""SELECT t.slug FROM v_question_topics qt JOIN questions q
                                               USING (question_id) JOIN topics t USING (topic_id) WHERE q.seq >= 5""")
                 .fetchall()}
        assert later and later <= {"purchase", "purchase_medical"}, later
        cues = con.execute("SELECT cues FROM call_intent").fetchone()[0]
        assert "topic:purchase" in str(cues), cues
    finally:
        con.close()
