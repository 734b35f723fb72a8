"""The HDF5 tests' real processes: a headless rtviewer (RTV_VIEWER; the Python client's test
fixture, python/tests/conftest.py, reused), rtviewer-convert (RTV_CONVERT), and h5py writers."""

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
_CLIENT_TESTS = _HERE.parent.parent / "python" / "tests"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


client_fixtures = _load("rtv_client_fixtures", _CLIENT_TESTS / "conftest.py")
client_tests = _load("rtv_client_tests", _CLIENT_TESTS / "test_publisher.py")


@pytest.fixture
def viewer_binary():
    binary = os.environ.get("RTV_VIEWER")
    if not binary:
        pytest.fail("set RTV_VIEWER to the rtviewer binary (ctest does)")
    return binary


@pytest.fixture
def start_viewer(viewer_binary, tmp_path):
    """A headless viewer fed by a zmq producer, as the client's tests start it."""
    started = []

    def start(messages, settings="", extra=()):
        v = client_fixtures.Viewer(viewer_binary, tmp_path, messages, settings, extra)
        started.append(v)
        return v

    yield start
    for v in started:
        v.kill()


@pytest.fixture
def run_viewer(viewer_binary):
    """Runs the viewer to its end (headless, --exit-when-done): (exit code, output)."""

    def run(*args, timeout=120, env=None):
        p = subprocess.run([viewer_binary, "--headless", "--exit-when-done", "--duration", "60",
                            *args], capture_output=True, text=True, timeout=timeout,
                           env=env)
        return p.returncode, p.stdout + p.stderr

    return run
