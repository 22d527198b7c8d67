"""Rules profiles: every built-in loads and round-trips; edited files are validated by key."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from perf_xlsx.model import Grade
from perf_xlsx.rules import SCHEMA, RulesError, builtin_names, load_profile, profile_text


def test_at_least_three_builtin_profiles() -> None:
    names = builtin_names()
    assert "national_2020" in names and len(names) >= 3


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_profile_loads_and_round_trips(tmp_path: Path, name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert set(profile.data) == set(SCHEMA)
    copy = tmp_path / f"{name}-copy.toml"
    copy.write_text(profile_text(name), encoding="utf-8")
    assert load_profile(str(copy)).data == profile.data


def _plain(value: Any) -> Any:
    """Tuples as lists, mappings as dicts: how the TOML file gives a value."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k.value if hasattr(k, "value") else k): _plain(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("name", builtin_names())
def test_typed_sections_are_the_schema_and_hold_the_file_values(name: str) -> None:
    """Every key of SCHEMA is a field of its typed section (and nothing else), holding the
    value the file gives (as a tuple where the file has a list, keyed by Grade where by name)."""
    profile = load_profile(name)
    for section, keys in SCHEMA.items():
        typed = getattr(profile, section)
        assert [f.name for f in dataclasses.fields(typed)] == list(keys), section
        for key in keys:
            value, raw = getattr(typed, key), profile.data[section][key]
            assert _plain(value) == _plain(raw), (section, key)
            if not isinstance(raw, (list, dict)):
                assert type(value) is type(raw), (section, key)  # 50 stays 50: findings quote it


def test_typed_sections_survive_pickling() -> None:
    """Batch workers receive the profile pickled; the sections come along unchanged."""
    profile = load_profile("provincial_strict")
    copy = pickle.loads(pickle.dumps(profile))
    assert copy == profile and copy.funds == profile.funds and copy.qualitative == profile.qualitative


def test_profiles_differ_in_the_options_they_exercise() -> None:
    national, strict = load_profile("national_2020"), load_profile("provincial_strict")
    assert strict.data["funds"]["total_caps"] == [[0.8, 89], [0.7, 79], [0.6, 69], [0.5, 59]]
    assert strict.data["overachievement"]["deduction"] == "fixed"
    assert strict.data["indicators"]["reverse_formula"] == "linear_deviation"
    assert strict.data["qualitative"]["bands"]["PARTIAL"] == [0.5, 0.8]
    assert national.data["funds"]["total_caps"] == []
    assert load_profile("sichuan_2023").data["funds"]["explain_below_rate"] == 0.9
    assert strict.funds.total_caps == ((0.8, 89), (0.7, 79), (0.6, 69), (0.5, 59))
    assert strict.overachievement.deduction == "fixed" and national.overachievement.deduction != "fixed"
    assert strict.qualitative.bands[Grade.PARTIAL] == (0.5, 0.8)
    assert load_profile("sichuan_2023").funds.explain_below_rate == 0.9


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('name = "x"\nbase = "national_2020"\n[funds]\nweigth = 10\n', "funds.weigth"),
        ('name = "x"\nbase = "national_2020"\n[funds]\nweight = "ten"\n', "funds.weight"),
        ('name = "x"\nbase = "national_2020"\n[fund]\nweight = 10\n', "[fund]"),
        ('name = "x"\nbase = "national_2020"\n[indicators]\nreverse_formula = "inverse"\n',
         "indicators.reverse_formula"),
        ('name = "x"\nbase = "national_2020"\n[qualitative]\nbands = { ACHIEVED = [0.8, 1.0] }\n',
         "qualitative.bands"),
        ('name = "x"\nbase = "national_2020"\n[grades]\nbands = [[60, "中"], [90, "优"], [0, "差"]]\n',
         "grades.bands"),
        ('name = "x"\n[funds]\nweight = 10\n', "缺少键"),
        ('name = "x"\nbase = "national_2020"\n[weights]\nexpected = { "产出指标" = 70, "效益指标" = 30 }\n',
         "weights.expected"),
        ('name = "x"\nbase = "national_2020"\n[funds\n', "不是有效的 TOML"),
    ],
)
def test_malformed_profile_message_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_profile(str(path))
    assert key in str(exc.value)


def test_unknown_profile_name_lists_builtins() -> None:
    with pytest.raises(RulesError) as exc:
        load_profile("guangdong_2099")
    assert "national_2020" in str(exc.value)


def test_base_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('name = "mine"\nbase = "national_2020"\n[funds]\nweight = 20\n'
                                        '[weights]\nexpected = { "产出指标" = 40, "效益指标" = 30, "满意度指标" = 10 }\n',
                                        encoding="utf-8")
    (tmp_path / "child.toml").write_text('name = "child"\nbase = "mine.toml"\n', encoding="utf-8")
    assert load_profile(str(tmp_path / "child.toml")).funds_weight == 20


def test_edited_export_does_not_pass_for_the_builtin(tmp_path: Path) -> None:
    """`perf-xlsx rules -o` writes name = "national_2020"; a user edits a value and keeps the
    name. The results must not claim the built-in rules."""
    text = profile_text("national_2020")
    path = tmp_path / "本省规则.toml"
    path.write_text(text, encoding="utf-8")
    assert load_profile(str(path)).name == "national_2020"  # unchanged: the same rules
    path.write_text(text.replace("explain_threshold = 1.3", "explain_threshold = 1.6"), encoding="utf-8")
    edited = load_profile(str(path))
    assert edited.name == "national_2020（已修改：本省规则.toml）"
    assert edited.data["overachievement"]["explain_threshold"] == 1.6
