"""Profiles read wording the development calls never used: a maintained gazetteer for places, ages from any
stated number, occupations said in any construction (nlp/profiles.py, nlp/places.py). Pure functions."""

from __future__ import annotations

from callintel.nlp.places import city_names, find_places
from callintel.nlp.profiles import extract
from callintel.nlp.profiles import lexicon_from_settings as profile_lexicon
from callintel.settings import load_settings

LEX = profile_lexicon(load_settings())


def facts(*turns: tuple[str, str]) -> dict[str, str]:
    return {f.field: f.value for f in extract(list(turns), LEX) if f.field != "existing_policies"}


def test_gazetteer_names_every_prefecture_and_maps_districts():
    names = city_names()
    assert len({v for v in names.values()}) > 600  # prefecture cities and county-level cities, not a hand list
    assert names["延边朝鲜族自治州"] == names["延边"] == "延边"  # nationality words dropped
    assert names["南关区"] == "长春" and names["渝中区"] == "重庆"  # a district names its city
    assert "朝阳区" not in names  # in Beijing and in Changchun: says no city
    assert names["昆山"] == "昆山" and "吉林" in names and "广东" not in names  # provinces are not cities
    assert [c for _, _, c in find_places("我在丽江住，老家是延边朝鲜族自治州的")] == ["丽江", "延边"]


def test_cities_the_old_hand_list_lacked():
    assert facts(("customer", "俺就住长春南关区这边。"))["city"] == "长春"
    assert facts(("customer", "我住渝中区，离你们网点远不远？"))["city"] == "重庆"
    assert facts(("customer", "我现在在丽江开客栈。"))["city"] == "丽江"


def test_city_here_and_we():
    assert facts(("customer", "社保的话杭州这边能交，下个月就续上。"))["city"] == "杭州"
    assert facts(("customer", "我跟我老公在重庆那边开了个店。"))["city"] == "重庆"
    assert facts(("customer", "我跟老伴儿从天津去海南住了两个月。"))["city"] == "天津"
    assert "city" not in facts(("customer", "我老公在重庆上班，我在老家带孩子。"))
