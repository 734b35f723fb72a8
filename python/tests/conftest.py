"""A real headless rtviewer for the client's tests: RTV_VIEWER names the binary (ctest sets it),
else `rtviewer` on PATH."""

import json
import os
import shutil
import signal
import subprocess
import threading

import pytest


class Viewer:
    """rtviewer --headless with a zmq producer that stops after `messages` messages."""

    def __init__(self, binary, tmp_path, messages, settings="", extra=()):
        self.stats = tmp_path / "stats.json"
        self.process = subprocess.Popen(
            [binary, "--headless", "--exit-when-done", "--duration", "120", "--producer",
             f"zmq:bind=tcp://127.0.0.1:*,iterations={messages}{settings}",
             "--stats-json", str(self.stats), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = []
        self.endpoint = None
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith("rtviewer: zmq: listening on "):
                # The endpoint, then maybe "(CURVE, N allowed keys)" or "(insecure: ...)".
                self.endpoint = line.split("listening on ", 1)[1].split()[0]
                break
        # The rest of its output, read on a thread so that the viewer never blocks on the pipe.
        self._drain = threading.Thread(target=lambda: self.output.extend(self.process.stdout))
        self._drain.start()
        assert self.endpoint, "".join(self.output)

    def finish(self, timeout=120):
        """Waits for the viewer to exit; its exit code."""
        code = self.process.wait(timeout=timeout)
        self._drain.join()
        return code

    def stop(self):
        """Stops the viewer (every thread of it: it reads nothing) until resume()."""
        os.kill(self.process.pid, signal.SIGSTOP)
        _, status = os.waitpid(self.process.pid, os.WUNTRACED)  # stopped now
        assert os.WIFSTOPPED(status)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def streams(self):
        with open(self.stats) as f:
            return {s["name"]: s for s in json.load(f)["streams"]}

    def kill(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # a test that failed while it was stopped
            self.process.kill()
            self.process.wait()
        self._drain.join()


@pytest.fixture
def viewer_binary():
    binary = os.environ.get("RTV_VIEWER") or shutil.which("rtviewer")
    if not binary:
        pytest.fail("no viewer: set RTV_VIEWER to the rtviewer binary (ctest does)")
    return binary


@pytest.fixture
def start_viewer(viewer_binary, tmp_path):
    started = []

    def start(messages, settings="", extra=()):
        v = Viewer(viewer_binary, tmp_path, messages, settings, extra)
        started.append(v)
        return v

    yield start
    for v in started:
        v.kill()
