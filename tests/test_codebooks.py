"""The questionnaire codebooks in data/codebooks load and are internally consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tevredenheidsrapport.codebook import Codebook, load_codebooks

CODEBOOK_DIR = Path(__file__).resolve().parents[1] / "data" / "codebooks"
EXPECTED = {
    "arbeid-2019",
    "arbeid-2024",
    "inburgeren-2019",
    "inburgeren-2024",
    "opdrachtgevers-2019",
}


@pytest.fixture(scope="module")
def books() -> dict[str, Codebook]:
    return load_codebooks(CODEBOOK_DIR)


def _ids(cb: Codebook) -> set[str]:
    return {it.id for it in cb.items}


def _role_refs(value: object) -> list[str]:
    """A role is one reference or a list of references."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, list) and value, f"role must be an id or a non-empty list: {value!r}"
    return [str(v) for v in value]


def test_all_codebooks_load(books):
    assert EXPECTED <= set(books)


def test_routing_targets_exist(books):
    for cb in books.values():
        ids = _ids(cb)
        for it in cb.items:
            if it.when:
                assert it.when.item in ids, f"{cb.id}: {it.id} routes on unknown {it.when.item}"
                target = cb.item(it.when.item)
                assert target.type in ("single", "multi", "scale"), (
                    f"{cb.id}: {it.id} routes on {target.type}"
                )
                assert set(it.when.values) <= set(target.options), (
                    f"{cb.id}: {it.id} routes on codes {it.when.values} not in {target.id}"
                )
            if it.other_text:
                other = cb.item(it.other_text)
                assert other.type == "open"
                assert other.when is not None and other.when.item == it.id


def test_roles_point_at_existing_items(books):
    """Roles name an item id, or a response column (a matrix row ``<matrix>_<row>``)."""
    for cb in books.values():
        ids = _ids(cb)
        columns = set(cb.columns())
        assert cb.roles.get("recommend") in ids, f"{cb.id}: roles.recommend"
        for role, value in cb.roles.items():
            for ref in _role_refs(value):
                assert ref in ids or ref in columns, (
                    f"{cb.id}: roles.{role} -> {ref} does not exist"
                )


def test_client_roles_for_cover(books):
    for cb in books.values():
        if cb.group != "client":
            continue
        for role in ("recommend", "overall", "staff_aspects", "aspects"):
            assert role in cb.roles, f"{cb.id}: roles.{role} missing"
        assert set(cb.roles["staff_aspects"]) <= set(cb.roles["aspects"])
        assert cb.item(cb.roles["overall"]).type == "scale"


def test_opdrachtgever_roles(books):
    cb = books["opdrachtgevers-2019"]
    assert cb.item(cb.roles["purchased"]).type == "multi"
    assert cb.item(cb.roles["aspect_grades"]).type == "matrix"
    assert cb.grade.decimals


def test_every_section_has_an_item(books):
    for cb in books.values():
        used = {it.section for it in cb.items}
        for section in cb.sections:
            assert section.id in used, f"{cb.id}: section {section.id} has no items"


def test_arbeid_codebooks_share_grade_item(books):
    arbeid = [cb for cb in books.values() if cb.questionnaire == "arbeid"]
    assert len(arbeid) >= 2
    assert {cb.grade_item for cb in arbeid} == {"cijfer"}
    assert {cb.roles["recommend"] for cb in arbeid} == {"aanbevolen"}


def test_grade_counts_toward_completion(books):
    for cb in books.values():
        assert cb.grade_item in cb.complete_when


def test_provider_placeholder_only(books):
    """Texts may use {provider} and no other placeholder."""
    for cb in books.values():
        texts = [it.text for it in cb.items] + [s.intro for s in cb.sections]
        for text in texts:
            assert "{" not in text.replace("{provider}", ""), f"{cb.id}: {text!r}"
