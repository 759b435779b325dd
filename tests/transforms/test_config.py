import textwrap

import pytest

from transforms.config import DATA_DIR_ENV, PROJECT_ROOT, ConfigError, load_config


def write(tmp_path, text: str):
    path = tmp_path / "listener.yml"
    path.write_text(textwrap.dedent(text))
    return path


def test_project_config_is_valid():
    config = load_config()
    assert config.brands.tracked.slug == "nimbus"
    assert len(config.brands.competitors) >= 3
    assert {s.platform for s in config.sources} >= {"x", "reddit", "youtube", "reviews"}
    assert config.data_dir == (PROJECT_ROOT / "data").resolve()


def test_data_dir_can_be_overridden_by_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    assert load_config().data_dir == tmp_path / "elsewhere"


def test_error_names_file_key_and_problem(tmp_path):
    original = (PROJECT_ROOT / "config" / "listener.yml").read_text()
    bad = original.replace('handles: ["@ApexWireless", "@ApexCares"]', 'handles: ["ApexCares"]')
    path = write(tmp_path, bad)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message
    assert "brands.competitors[0].handles" in message
    assert "must start with '@'" in message


def test_unknown_key_is_rejected(tmp_path):
    original = (PROJECT_ROOT / "config" / "listener.yml").read_text()
    path = write(tmp_path, original + "\nbrandz: {}\n")
    with pytest.raises(ConfigError, match="brandz"):
        load_config(path)


def test_duplicate_brand_slugs_are_rejected(tmp_path):
    original = (PROJECT_ROOT / "config" / "listener.yml").read_text()
    path = write(tmp_path, original.replace("slug: pulse", "slug: apex"))
    with pytest.raises(ConfigError, match="repeated: apex"):
        load_config(path)


def test_missing_file_and_bad_yaml_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "brands: [unclosed"))


def test_unknown_source_names_the_configured_ones():
    with pytest.raises(ConfigError, match="configured sources: x, reddit"):
        load_config().source("tiktok")


BILLING = "    billing: [bill, charged, autopay, fee, refund, overcharge]"


@pytest.mark.parametrize(
    ("old", "new", "location", "problem"),
    [
        (BILLING, "    billing: [' ']", "dashboard.themes", "theme 'billing' has no terms"),
        (
            "  headline_model: markov",
            "  headline_model: u_shaped",
            "funnel.headline_model",
            "markov",
        ),
        ("  schema_name: marts", '  schema_name: "marts; drop"', "bi.schema_name", "identifier"),
    ],
)
def test_dashboard_and_bi_settings_are_checked(tmp_path, old, new, location, problem):
    original = (PROJECT_ROOT / "config" / "listener.yml").read_text()
    assert old in original
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, original.replace(old, new, 1)))
    assert location in str(error.value) and problem in str(error.value)


def test_themes_are_lowercased_and_trimmed():
    themes = load_config().dashboard.themes
    assert themes["speed and 5G"][0] == "5g"
    assert all(term == term.strip().lower() for terms in themes.values() for term in terms)
