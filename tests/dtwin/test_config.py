from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from dtwin.config import apply_overrides, load_config, load_mapping, parse_override
from dtwin.errors import ConfigError


class Station(BaseModel):
    name: str
    machines: int = Field(ge=1)


class Factory(BaseModel):
    stations: list[Station]


@pytest.mark.parametrize(
    ("text", "suffix", "match"),
    [
        ("stations: [", ".yaml", "not valid YAML"),
        ("- a\n- b\n", ".yaml", "top level must be a mapping"),
        ("{bad json", ".json", "not valid JSON"),
    ],
    ids=["truncated-yaml", "list-at-top", "bad-json"],
)
def test_load_mapping_rejects_bad_files(tmp_path: Path, text: str, suffix: str, match: str):
    path = tmp_path / f"f{suffix}"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        load_mapping(path)
    assert str(path) in str(info.value)


def test_missing_file_is_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="nope.yaml: file not found"):
        load_mapping(tmp_path / "nope.yaml")


def test_validation_error_names_file_field_and_value(tmp_path: Path):
    path = tmp_path / "factory.yaml"
    path.write_text("stations:\n  - {name: press, machines: 0}\n")
    with pytest.raises(ConfigError) as info:
        load_config(Factory, path)
    message = str(info.value)
    assert str(path) in message
    assert "stations.0.machines" in message
    assert "(got 0)" in message


def test_overrides_address_keys_indices_and_named_items():
    data = {
        "stations": [{"name": "press", "machines": 2}, {"name": "paint", "machines": 1}],
        "days": 1,
    }
    out = apply_overrides(data, {"stations.press.machines": 3, "stations.1.machines": 4, "days": 5})
    assert out["stations"][0]["machines"] == 3
    assert out["stations"][1]["machines"] == 4
    assert out["days"] == 5
    assert data["stations"][0]["machines"] == 2, "the input must not be changed"


@pytest.mark.parametrize(
    ("path", "match"),
    [
        ("stations.weld.machines", "no item named 'weld'.*press, paint"),
        ("stations.7.machines", "out of range"),
        ("plant.size", "no field 'plant'"),
        ("days.value", "is a value, not a section"),
    ],
    ids=["unknown-name", "bad-index", "unknown-key", "into-scalar"],
)
def test_bad_overrides_name_the_path(path: str, match: str):
    data = {"stations": [{"name": "press"}, {"name": "paint"}], "days": 1}
    with pytest.raises(ConfigError, match=match):
        apply_overrides(data, {path: 1})


def test_parse_override_reads_yaml_values():
    assert parse_override("stations.press.machines=3") == ("stations.press.machines", 3)
    assert parse_override("policy=none") == ("policy", "none")
    assert parse_override("rate=0.5") == ("rate", 0.5)
    with pytest.raises(ConfigError, match="expected PATH=VALUE"):
        parse_override("stations.press.machines")


@pytest.mark.parametrize(
    "content,expected",
    [(b"\xef\xbb\xbfa: 1\n", {"a": 1}), (b"a: 1\r\n", {"a": 1})],
    ids=["utf8-bom", "crlf"],
)
def test_load_mapping_reads_a_bom_and_crlf(tmp_path, content, expected):
    from dtwin.config import load_mapping

    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    assert load_mapping(path) == expected


def test_read_text_names_a_non_utf8_byte(tmp_path):
    from dtwin.config import read_text
    from dtwin.errors import ConfigError

    path = tmp_path / "f.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"f.yaml: not UTF-8 text \(byte 0xe9 at offset 9\)"):
        read_text(path)
