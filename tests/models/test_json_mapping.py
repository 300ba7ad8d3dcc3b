"""The models' dataclasses-json methods give what they gave as ``DataClassJsonMixin``
subclasses (``tests/data/json_mapping.json``, see :mod:`tests.models.json_samples`).
"""

import json
from typing import Any, Dict

import pytest

import ailoop.models
from tests.models.json_samples import mapping_of, samples
from tests.models.support import REPO_ROOT

RECORDED: Dict[str, Dict[str, Any]] = json.loads(
    (REPO_ROOT / "tests" / "data" / "json_mapping.json").read_text(encoding="utf-8")
)
SAMPLES = dict(samples())


def test_every_public_model_has_a_sample() -> None:
    sampled = {type(instance).__name__ for instance in SAMPLES.values()}
    public = {
        name
        for name in ailoop.models.__all__
        if isinstance(getattr(ailoop.models, name), type)
        and hasattr(getattr(ailoop.models, name), "to_dict")
    }
    assert public <= sampled
    assert set(RECORDED) == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_mapping_is_the_recorded_one(name: str) -> None:
    assert mapping_of(SAMPLES[name]) == RECORDED[name]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_from_dict_and_from_json_rebuild_the_instance(name: str) -> None:
    instance = SAMPLES[name]
    model = type(instance)
    as_dict = instance.to_dict()
    assert model.from_dict(as_dict) == instance
    assert model.from_json(json.dumps(as_dict)) == instance
    assert model.from_dict(instance.to_dict(encode_json=True)) == instance
