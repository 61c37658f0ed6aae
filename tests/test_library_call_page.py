"""`callintel library serve`'s call page over HTTP (Starlette's test client, no browser): a stored call's masked
utterances with its start, agent and topic from v_calls; a call the warehouse lacks is a 404 saying so."""

from __future__ import annotations

import html
from urllib.parse import quote

import duckdb
from starlette.testclient import TestClient

from callintel.flows.library_app import create_app


def test_the_call_page_shows_the_stored_utterances_and_404s_an_unknown_call(sample_warehouse):
    path, settings = sample_warehouse
    con = duckdb.connect(str(path), read_only=True)
    try:
        call_id, agent = con.execute("SELECT call_id, agent_id FROM calls ORDER BY call_id LIMIT 1").fetchone()
        texts = [t for (t,) in con.execute("SELECT text FROM utterances WHERE call_id = ? ORDER BY seq",
                                            [call_id]).fetchall()]
    finally:
        con.close()
    client = TestClient(create_app(settings, "质检甲"))
    page = client.get(f"/call/{quote(call_id)}?turn=1")
    assert page.status_code == 200 and texts
    assert all(html.escape(t) in page.text for t in texts)
    assert f"坐席 {agent}" in page.text and "class=hl" in page.text
    missing = client.get("/call/" + quote("no-such-call"))
    assert missing.status_code == 404 and "no-such-call" in missing.text
