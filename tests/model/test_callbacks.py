"""mmm.model.callbacks: the data header the C callbacks read, and what they return to Python."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from mmm.model.callbacks import InputType, pack_inputs


def test_header_holds_each_input_address_then_shape() -> None:
    spend = np.arange(6.0).reshape(2, 3)
    index = np.array([0, 2], dtype="int64")
    n_geos = np.array(4, dtype="int64")
    header, held = pack_inputs(
        [spend, index, n_geos],
        [InputType("float64", 2), InputType("int64", 1), InputType("int64", 0)],
    )
    assert header.dtype == np.int64
    assert list(header) == [spend.ctypes.data, 2, 3, index.ctypes.data, 2, n_geos.ctypes.data]
    assert held[2].shape == ()  # a 0-d input stays 0-d (no shape entries)


def test_inputs_are_converted_to_the_compiled_dtype_and_order() -> None:
    transposed = np.arange(6.0).reshape(3, 2).T  # not C-contiguous
    index = np.array([1, 0], dtype="int64")
    header, held = pack_inputs(
        [transposed, index], [InputType("float64", 2), InputType("int32", 1)]
    )
    assert held[0].flags.c_contiguous
    np.testing.assert_array_equal(held[0], transposed)
    assert held[1].dtype == np.int32
    # the header points at the converted copies, which hold the same values
    first = ctypes.cast(int(header[0]), ctypes.POINTER(ctypes.c_double))
    assert [first[i] for i in range(6)] == list(held[0].ravel())


def test_an_input_of_the_wrong_rank_is_refused() -> None:
    refused = "data input 1 has 2 dimensions; the compiled model takes 1"
    with pytest.raises(ValueError, match=refused):
        pack_inputs(
            [np.zeros(3), np.zeros((2, 2))], [InputType("float64", 1), InputType("float64", 1)]
        )


def test_no_inputs_still_give_a_header_to_point_at() -> None:
    header, held = pack_inputs([], [])
    assert header.size == 1 and held == []
