"""The threefry2x32 primitive: Random123's known-answer vectors (Salmon et al. 2011), its
broadcasting, batching and IR; and the uniformity of the raw bits."""
import numpy as np
import pytest
from scipy import stats

import fungrad
import fungrad.random as random
from fungrad.prims.random_bits import threefry2x32

U = np.uint32


@pytest.mark.parametrize("key,counter,expected", [
    ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
])
def test_threefry2x32_known_answers(key, counter, expected):
    out = threefry2x32(U(key[0]), U(key[1]), U(counter[0]), U(counter[1]))
    assert [int(v) for v in out] == list(expected)
    assert all(v.dtype == np.uint32 for v in out)


def test_threefry2x32_broadcasts_batches_and_traces():
    k0 = np.array([0, 0x13198A2E], U)
    k1 = np.array([0, 0x03707344], U)
    x0 = np.array([0, 0x243F6A88], U)
    x1 = np.array([0, 0x85A308D3], U)
    y0, y1 = threefry2x32(k0, k1, x0, x1)
    np.testing.assert_array_equal(y0, [0x6B200159, 0xC4923A9C])
    np.testing.assert_array_equal(y1, [0x99BA4EFE, 0x483DF7A0])
    # one key against many counters broadcasts; vmap over keys lines the ranks up
    counters = np.arange(6, dtype=U).reshape(2, 3)
    b0, b1 = threefry2x32(U(1), U(2), counters, counters)
    assert b0.shape == (2, 3)
    batched = fungrad.vmap(lambda a, b: threefry2x32(a, b, counters, counters))(k0, k1)
    for i in range(2):
        single = threefry2x32(k0[i], k1[i], counters, counters)
        np.testing.assert_array_equal(batched[0][i], single[0])
        np.testing.assert_array_equal(batched[1][i], single[1])
    jitted = fungrad.jit(threefry2x32)(k0, k1, x0, x1)
    np.testing.assert_array_equal(jitted[0], y0)
    with pytest.raises(TypeError, match="uint32"):
        threefry2x32(np.zeros(2), k1, x0, x1)
    with pytest.raises(ValueError, match="broadcast"):
        threefry2x32(k0, k1, np.zeros(3, U), x1)


def test_bits_are_uniform():
    for dtype, width in ((np.uint8, 8), (np.uint32, 32), (np.uint64, 64)):
        b = random.bits(random.PRNGKey(9), (40000,), dtype)
        assert b.dtype == dtype
        top = (b >> np.array(width - 4, dtype)).astype(np.int64)  # the top four bits
        counts = np.bincount(top, minlength=16)
        assert stats.chisquare(counts).pvalue > 1e-3
        low = (b & np.array(15, dtype)).astype(np.int64)  # and the bottom four
        assert stats.chisquare(np.bincount(low, minlength=16)).pvalue > 1e-3


def test_key_primitives_refuse_bad_key_data_eagerly():
    from fungrad.prims import random_bits as rb
    for call in (lambda: rb.random_bits(np.zeros(2), 32, (2,)),
                 lambda: rb.random_split(np.zeros(3, U), (2,)),
                 lambda: rb.random_fold_in(np.zeros(2, np.int64), np.uint32(1)),
                 lambda: rb.random_bits(np.zeros(2, U), 12, (2,)),
                 lambda: rb.random_seed(np.float64(1.0))):
        with pytest.raises(TypeError):
            call()


@pytest.mark.parametrize("n", [1, 7, 32768, 32769, 100_000])
def test_equal_blocks_give_the_bits_and_normals_of_one_pass(n, monkeypatch):
    """Bits and erf_inv are computed in equal blocks (random_bits._block_size): the same
    values as one pass over the whole array, for sizes on and across block boundaries."""
    import fungrad.prims.random_bits as rb
    import fungrad.prims.special as special
    size = rb._block_size(n)
    assert size <= rb._BLOCK and -(-n // size) == -(-n // rb._BLOCK)  # no more blocks
    key = np.array([3, 17], U)
    counters = np.arange(n, dtype=U)
    u = np.linspace(-1.0, 1.0, n)

    def compute():
        return ([rb.random_bits_p.impl(key, bit_width=w, shape=(n,)) for w in (32, 64)]
                + threefry2x32(U(3), U(17), counters, counters[::-1].copy())
                + [special._erf_inv_impl(u.astype(d)) for d in (np.float64, np.float32)])

    blocked = compute()
    monkeypatch.setattr(rb, "_BLOCK", 1 << 30)
    monkeypatch.setattr(special, "_ERF_INV_CHUNK", 1 << 30)
    for a, b in zip(blocked, compute()):
        assert a.dtype == b.dtype and a.shape == b.shape == (n,)
        np.testing.assert_array_equal(a, b)
