"""Input checks and normalisation shared by every engine."""

from __future__ import annotations

import numpy as np
import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.embedding.port import MAX_IMAGE_PIXELS, l2_normalise, validate_image, validate_texts


def test_validate_texts_returns_a_list() -> None:
    assert validate_texts(("a", "b")) == ["a", "b"]


def test_validate_texts_rejects_non_strings() -> None:
    with pytest.raises(InvalidInputError, match="text 0 is a int"):
        validate_texts([3])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ([[1, 2]], "not a numpy array"),
        (np.zeros((4, 4, 3), dtype=np.float32), "dtype float32"),
        (np.zeros((4, 4, 2), dtype=np.uint8), "shape"),
        (np.zeros((0, 4, 3), dtype=np.uint8), "empty"),
    ],
)
def test_validate_image_says_what_is_wrong(image: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        validate_image(image, 0)


def test_validate_image_refuses_huge_images_without_allocating_them() -> None:
    huge = np.broadcast_to(np.zeros((1, 1, 3), dtype=np.uint8), (10_000, MAX_IMAGE_PIXELS // 10_000 + 1, 3))
    with pytest.raises(InvalidInputError, match="pixels"):
        validate_image(huge)


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (5, 7, 4)])
def test_validate_image_accepts_grey_bgr_and_bgra(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)
    assert validate_image(image) is image


def test_l2_normalise_leaves_zero_rows_at_zero() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
