"""The shorter interpreter switch interval of the telemetry pipeline: set while inside, shared
by nested and concurrent uses, restored by the last one out, never longer than before."""

import sys
import threading

import pytest
from starlink_telemetry_lib.switch_interval import short_switch_interval


def approx(seconds):
    return pytest.approx(seconds, abs=2e-6)  # CPython keeps it in whole microseconds


def test_set_inside_and_restored_after_nested_uses():
    before = sys.getswitchinterval()
    with short_switch_interval(0.0005):
        assert sys.getswitchinterval() == approx(0.0005)
        with short_switch_interval(0.002):
            assert sys.getswitchinterval() == approx(0.0005)  # the first one in sets it
        assert sys.getswitchinterval() == approx(0.0005)
    assert sys.getswitchinterval() == approx(before)


def test_restored_when_the_block_raises():
    before = sys.getswitchinterval()
    try:
        with short_switch_interval():
            raise RuntimeError("decoding failed")
    except RuntimeError:
        pass
    assert sys.getswitchinterval() == approx(before)


def test_concurrent_uses_restore_the_original_once_all_are_out():
    before = sys.getswitchinterval()
    inside, release, seen = threading.Barrier(3), threading.Event(), []

    def user():
        with short_switch_interval():
            inside.wait(timeout=5)
            release.wait(timeout=5)
            seen.append(sys.getswitchinterval())

    threads = [threading.Thread(target=user) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait(timeout=5)  # both are inside
    assert sys.getswitchinterval() == approx(0.0005)
    release.set()
    for thread in threads:
        thread.join(timeout=5)
    assert seen == [approx(0.0005)] * 2
    assert sys.getswitchinterval() == approx(before)


def test_never_longer_than_the_interval_already_set():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        with short_switch_interval(0.0005):
            assert sys.getswitchinterval() == approx(0.0001)
        assert sys.getswitchinterval() == approx(0.0001)
    finally:
        sys.setswitchinterval(before)
