"""Tags on a monitor's definition: bare names take a colour, one name is one tag whatever its
case, and a bad tag is refused naming the tags field."""

import pytest
from pydantic import ValidationError

from shared.monitor import MonitorSpec
from shared.tags import MAX_TAGS, PALETTE, check_tags, default_colour, parse_tag_names


def spec(**fields: object) -> MonitorSpec:
    return MonitorSpec.model_validate({"name": "Shop", "url": "https://shop.example", **fields})


def test_tags_given_as_bare_names_take_their_default_colour() -> None:
    tags = spec(tags=["prod", "shop"]).tags
    assert tags == [
        {"name": "prod", "color": default_colour("prod")},
        {"name": "shop", "color": default_colour("shop")},
    ]
    assert all(tag["color"] in PALETTE for tag in tags)


def test_tags_differing_only_in_case_or_spaces_are_one_tag_kept_as_first_written() -> None:
    assert [t["name"] for t in spec(tags=["Prod", " prod ", "PROD", "db"]).tags] == ["Prod", "db"]


def test_tags_keep_a_chosen_colour_in_lower_case() -> None:
    assert spec(tags=[{"name": "db", "color": "#AABBCC"}]).tags == [
        {"name": "db", "color": "#aabbcc"}
    ]


def test_tags_default_to_none() -> None:
    assert spec().tags == []


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        (["a,b"], "comma"),
        (["tab\there"], "control character"),
        (["nul\x00"], "NUL"),
        ([""], "at least 1"),
        (["x" * 33], "at most 32"),
        ([{"name": "db", "color": "red"}], "#1a2b3c"),
        ([{"name": "db", "color": "#12345g"}], "#1a2b3c"),
        ([f"t{i}" for i in range(MAX_TAGS + 1)], "at most 20"),
        ("prod", "list"),
    ],
)
def test_tags_that_are_bad_are_refused_naming_the_field(tags: object, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(tags=tags)
    [error] = caught.value.errors()
    assert error["loc"][0] == "tags"
    assert reason in str(error["msg"])
    with pytest.raises(ValueError, match=r"^tags: "):
        check_tags(tags)


def test_tags_typed_as_text_split_on_commas() -> None:
    assert parse_tag_names(" prod, shop ,,db ") == ["prod", "shop", "db"]
    assert parse_tag_names("") == []


def test_tags_default_colour_is_the_same_for_the_same_name_everywhere() -> None:
    assert default_colour("Prod") == default_colour(" prod")
