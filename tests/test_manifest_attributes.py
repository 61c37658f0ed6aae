"""Manifest columns beyond the known ones reach calls.attributes masked like transcripts, unless allow-listed."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from callintel.settings import load_settings
from callintel.speech.redact import RedactionRules
from callintel.speech.text import mask_attributes


def test_extra_columns_are_masked_unless_allow_listed():
    settings = load_settings()
    rules = RedactionRules.from_settings(settings)
    raw = {"queue": "claims", "customer_phone": "13905710231", "id_card": "330106198503151238",
           "customer_name": "张建国", "notes": "客户王秀兰来电，卡号尾号是5-6-7-1，报案号R2026031500123", "vip": "true"}
    out = mask_attributes(raw, settings["privacy"]["keep_manifest_columns"], rules)
    assert out["queue"] == "claims" and out["vip"] == "true"
    assert out["customer_phone"] == "[手机号]" and out["id_card"] == "[身份证号]" and out["customer_name"] == "[姓名]"
    assert not any(s in out["notes"] for s in ("王秀兰", "5-6-7-1", "R2026")), out["notes"]
    # named in the allow-list: kept as given
    assert mask_attributes(raw, ["customer_phone"], rules)["customer_phone"] == "13905710231"


def test_a_night_stores_extra_columns_masked(tmp_path: Path, night):
    transcript = {"format": "callintel-transcript", "version": 1, "turns": [
        {"speaker": "agent", "text": "您好，请问有什么可以帮您？"},
        {"speaker": "customer", "text": "我想问一下理赔进度。"}]}
    (tmp_path / "T1.json").write_text(json.dumps(transcript, ensure_ascii=False), encoding="utf-8")
    manifest = tmp_path / "night.csv"
    manifest.write_text("call_id,transcript_path,caller_number,agent_id,started_at,queue,customer_phone,id_card,notes\n"
                        "T1,T1.json,13812345678,A001,2026-11-20T12:00:00+08:00,claims,13905710231,"
                        "330106198503151238,车主叫王建国 车架号LSVAU2180N2183294\n", encoding="utf-8")
    db = tmp_path / "night.duckdb"
    result = night.run_night(manifest, overrides={"paths": {"warehouse": str(db), "exports": str(tmp_path / "x")},
                                                  "night": {"steps": []}})
    assert result["calls_ok"] == 1, result
    con = duckdb.connect(str(db), read_only=True)
    stored = json.loads(con.execute("SELECT attributes FROM calls WHERE call_id = 'T1'").fetchone()[0])
    con.close()
    assert stored["queue"] == "claims" and stored["customer_phone"] == "[手机号]" and stored["id_card"] == "[身份证号]"
    assert "王建国" not in stored["notes"] and "LSVAU" not in stored["notes"], stored
