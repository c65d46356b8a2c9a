"""BrainRunner with real child processes: pacing, control, isolation and reporting."""

from __future__ import annotations

import asyncio
import os
import statistics
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable, List

import numpy as np
import pytest

from exercise.brain.events import (
    BrainFailed,
    BrainState,
    ConsoleLine,
    ConsoleStream,
    DigitShown,
    FrequencyMeasured,
    ImageShown,
    InputShown,
    StateChanged,
)
from exercise.brain.family import descendants
from exercise.brain.runner import BrainRunner, default_code
from exercise.exceptions import BrainSyntaxError
from tests.brain.conftest import WAIT, PushedCamera, Recorder, process_alive, wait_gone
from tests.cameras.helpers import OnDemandCamera
from tests.conftest import build_onnx_model

MakeRunner = Callable[..., BrainRunner]


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def stopped(recorder: Recorder, since: int = 0) -> StateChanged:
    return recorder.wait_for(StateChanged, lambda e: e.state is BrainState.STOPPED, since=since)


def measured(recorder: Recorder, count: int, since: int = 0) -> List[float]:
    """The next ``count`` measured frequencies after the first one (which includes start-up)."""
    since = recorder.after(recorder.wait_for(FrequencyMeasured, since=since))
    values: List[float] = []
    for _ in range(count):
        event = recorder.wait_for(FrequencyMeasured, since=since)
        since = recorder.after(event)
        values.append(event.measured_hz)
    return values


# -- pacing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hz", [20.0, 200.0])
def test_holds_the_target_frequency(runner: BrainRunner, recorder: Recorder, hz: float) -> None:
    runner.set_frequency(hz)
    runner.play("import HAL\nwhile True:\n    image = HAL.getImage()\n")
    values = measured(recorder, 2)
    assert runner.state is BrainState.RUNNING
    # Tolerant on purpose (a loaded 2-core machine); benchmarks/bench_brain.py has the figures.
    assert statistics.median(values) == pytest.approx(hz, rel=0.05), values
    assert runner.target_hz == hz
    assert runner.measured_hz > 0


def test_set_frequency_applies_while_running(runner: BrainRunner, recorder: Recorder) -> None:
    runner.set_frequency(10)
    runner.play("while True:\n    pass\n")
    recorder.wait_for(FrequencyMeasured)
    runner.set_frequency(100)
    since = recorder.mark()
    event = recorder.wait_for(FrequencyMeasured, lambda e: e.target_hz == 100, since=since)
    later = recorder.wait_for(FrequencyMeasured, since=recorder.after(event))
    assert later.measured_hz == pytest.approx(100, rel=0.1)
    with pytest.raises(ValueError, match="between 1 and 1000"):
        runner.set_frequency(0)
    with pytest.raises(ValueError):
        runner.set_frequency(1001)
    assert runner.target_hz == 100


def test_break_continue_and_code_after_the_loop(runner: BrainRunner, recorder: Recorder) -> None:
    runner.set_frequency(500)
    runner.play(code("""
        n = 0
        while True:
            n += 1
            if n % 2:
                continue
            print("even", n)
            if n >= 6:
                break
        print("after", n)
    """))
    end = stopped(recorder)
    assert "break" in end.reason
    assert recorder.lines(ConsoleStream.STDOUT) == ["even 2", "even 4", "even 6", "after 6"]
    assert not recorder.of(BrainFailed)


def test_code_without_a_loop_runs_once(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("import HAL\nprint('shape', HAL.getImage().shape)\n")
    end = stopped(recorder)
    assert "ran to its end" in end.reason
    assert recorder.lines(ConsoleStream.STDOUT) == ["shape (48, 64, 3)"]
    assert runner.state is BrainState.STOPPED


# -- control ------------------------------------------------------------------------------------


def test_stop_ends_a_tight_loop_even_if_sigterm_is_ignored(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play(code("""
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("spinning")
        while True:
            while True:
                pass
    """))
    recorder.wait_line("spinning")
    pid = runner.pid
    assert pid is not None and process_alive(pid)
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 2.0
    assert not process_alive(pid)
    assert runner.state is BrainState.STOPPED and runner.pid is None
    assert stopped(recorder).reason == ""  # stopped by the user, not by a failure
    assert not recorder.of(BrainFailed)


@pytest.mark.parametrize("call", ["time.sleep(1000)", "threading.Event().wait()"])
def test_stop_ends_a_blocked_call(runner: BrainRunner, recorder: Recorder, call: str) -> None:
    runner.play(f"import threading, time\nprint('blocking')\n{call}\n")
    recorder.wait_line("blocking")
    pid = runner.pid
    assert pid is not None
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 2.0
    assert not process_alive(pid)


def test_a_late_exit_notice_of_a_stopped_run_lands_nowhere(
    runner: BrainRunner, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each child's waiter thread writes a wake-up byte when the child exits. On a loaded
    machine that write can come after Stop has closed the run's pipes, when their numbers
    belong to new pipes (CI saw the next child's pipe get it, and that child killed)."""
    real_write = os.write

    def late_waiter_write(fd: int, data: bytes) -> int:
        if threading.current_thread().name.endswith(" waiter"):
            time.sleep(0.5)  # the waiter loses the CPU between noticing the exit and writing
        return real_write(fd, data)

    runner.play("import time\nprint('blocking')\ntime.sleep(1000)\n")
    recorder.wait_line("blocking")
    monkeypatch.setattr(os, "write", late_waiter_write)
    runner.stop()
    # New pipes take the lowest free numbers, so these reuse every number Stop freed.
    pipes = [os.pipe() for _ in range(32)]
    try:
        time.sleep(1.0)  # the late write has happened by now
        for read_end, _ in pipes:
            os.set_blocking(read_end, False)
            with pytest.raises(BlockingIOError):
                os.read(read_end, 1)
    finally:
        for pair in pipes:
            for fd in pair:
                os.close(fd)
    _assert_usable(runner, recorder)


def test_input_reads_end_of_file_instead_of_hanging(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("name = input()\n")
    failure = recorder.wait_for(BrainFailed)
    assert failure.message.startswith("EOFError")
    assert failure.line == 1


def test_pause_blocks_the_loop_and_resume_restarts_it(runner: BrainRunner, recorder: Recorder) -> None:
    runner.set_frequency(50)
    runner.play("n = 0\nwhile True:\n    n += 1\n    print(n)\n")
    recorder.wait_line("10")
    runner.pause()
    assert runner.state in (BrainState.PAUSING, BrainState.PAUSED)
    recorder.wait_for(StateChanged, lambda e: e.state is BrainState.PAUSED)  # the tick under way returned
    before = recorder.lines(ConsoleStream.STDOUT)
    time.sleep(0.5)
    assert recorder.lines(ConsoleStream.STDOUT) == before
    since = recorder.mark()
    runner.resume()
    assert runner.state is BrainState.RUNNING
    line = recorder.wait_for(ConsoleLine, lambda e: e.stream is ConsoleStream.STDOUT, since=since)
    assert int(line.text) == int(before[-1]) + 1  # the loop carried on where it was


def test_a_pause_inside_a_tick_that_never_returns_is_pausing(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("import time\nwhile True:\n    print('in the tick')\n    time.sleep(3600)\n")
    recorder.wait_line("in the tick")
    runner.pause()
    recorder.wait_for(StateChanged, lambda e: e.state is BrainState.PAUSING)
    time.sleep(0.5)
    assert runner.state is BrainState.PAUSING  # not "paused": the code is still inside its tick
    assert not [e for e in recorder.events if isinstance(e, StateChanged) and e.state is BrainState.PAUSED]
    runner.resume()
    assert runner.state is BrainState.RUNNING
    runner.stop()
    assert runner.state is BrainState.STOPPED


def test_the_brain_takes_frames_from_an_on_demand_camera_only_while_it_runs(recorder: Recorder) -> None:
    camera = OnDemandCamera()
    camera.start()
    runner = BrainRunner(camera, None, recorder, frequency_hz=50)
    try:
        runner.play("import HAL\nwhile True:\n    print('level', HAL.getImage()[0, 0, 0])\n")
        recorder.wait_line("level 5")  # the camera renders for the brain, no reader needed
        runner.pause()
        time.sleep(0.1)  # a frame under way when pause arrived
        rendered = camera.level
        time.sleep(0.3)  # ~30 frame periods
        assert camera.level - rendered <= 1
        since = recorder.mark()
        runner.resume()
        recorder.wait_line(f"level {(rendered + 5) % 256}", since=since)
        runner.stop()
        time.sleep(0.1)
        rendered = camera.level
        time.sleep(0.3)
        assert camera.level - rendered <= 1
    finally:
        runner.close()
        camera.stop()


def test_play_while_running_restarts_with_the_new_code(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("print('first')\nwhile True:\n    pass\n")
    recorder.wait_line("first")
    old = runner.pid
    runner.play("print('second')\nwhile True:\n    pass\n")
    recorder.wait_line("second")
    assert old is not None and not process_alive(old)
    assert runner.pid != old and runner.state is BrainState.RUNNING


def test_switching_camera_while_running(runner: BrainRunner, recorder: Recorder) -> None:
    runner.set_frequency(20)
    runner.play("import HAL\nwhile True:\n    print('red', HAL.getImage()[0, 0, 2])\n")
    recorder.wait_line("red 200")
    other = PushedCamera("other")
    frame = np.zeros((10, 10, 3), np.uint8)
    frame[:, :, 2] = 17
    other.publish(frame)
    runner.set_camera(other)
    recorder.wait_line("red 17")


# -- what the code shows ------------------------------------------------------------------------


def test_gui_calls_become_events(runner: BrainRunner, recorder: Recorder, camera: PushedCamera) -> None:
    runner.play(code("""
        import numpy as np
        import GUI, HAL
        image = HAL.getImage()
        GUI.showDigit(3, [0.0] * 3 + [1.0] + [0.0] * 6, (1, 2, 30, 40))
        GUI.showInput(np.linspace(-1, 1, 784, dtype=np.float32).reshape(1, 1, 28, 28))
        GUI.showImage(image[:, :, ::-1])
    """))
    stopped(recorder)
    digit = recorder.wait_for(DigitShown)
    assert digit.digit == 3 and digit.box == (1, 2, 30, 40)
    assert digit.probabilities is not None and digit.probabilities[3] == 1.0
    shown_input = recorder.wait_for(InputShown)
    assert shown_input.image.shape == (28, 28) and shown_input.image.dtype == np.uint8
    assert shown_input.image[0, 0] == 0 and shown_input.image[-1, -1] == 255
    image = recorder.wait_for(ImageShown)
    latest = camera.latest()
    assert latest is not None
    assert np.array_equal(image.image, latest.image[:, :, ::-1])
    assert image.frame_seq == latest.seq and image.timestamp == latest.timestamp


def test_gui_rate_keeps_the_newest_result(runner: BrainRunner, recorder: Recorder) -> None:
    runner.set_gui_rate(2)
    runner.set_frequency(200)
    runner.play(code("""
        import GUI
        n = 0
        while True:
            n += 1
            GUI.showDigit(n % 10, None)
            if n == 200:
                break
    """))
    stopped(recorder)
    digits = [e.digit for e in recorder.of(DigitShown)]
    assert 1 <= len(digits) <= 6, digits  # 200 calls in about 1 s, at 2 per second
    assert digits[-1] == 0  # the last call (n == 200) is never lost


def test_default_template_reads_a_digit(
    make_runner: MakeRunner, recorder: Recorder, camera: PushedCamera, digit_model_path: Path
) -> None:
    from tests.conftest import draw_digit

    camera.publish(draw_digit(4))
    runner = make_runner(digit_model_path)
    runner.play(default_code())
    shown = recorder.wait_for(DigitShown, lambda e: e.digit is not None)
    assert shown.digit == 4
    assert shown.box is not None and shown.probabilities is not None
    assert recorder.wait_for(InputShown).image.shape == (28, 28)
    assert not recorder.of(BrainFailed)


def test_model_swap_while_running(
    make_runner: MakeRunner, recorder: Recorder, tmp_path: Path
) -> None:
    def always(digit: int) -> Path:
        path = tmp_path / f"always{digit}.onnx"
        # Input-dependent (the model check insists), but a blank input reads as ``digit``.
        path.write_bytes(build_onnx_model(bias=np.eye(10)[digit] * 10))
        return path

    runner = make_runner(always(3), frequency_hz=20)
    runner.play(code("""
        import numpy as np
        import HAL
        while True:
            print("read", int(HAL.predict(np.zeros((1, 1, 28, 28), np.float32)).argmax()))
    """))
    recorder.wait_line("read 3")
    runner.set_model(always(7))
    since = recorder.mark()
    recorder.wait_line("read 7", since=since)
    assert recorder.wait_line("now using model", since=since).stream is ConsoleStream.SYSTEM


# -- failures, and a runner that survives them --------------------------------------------------


def test_syntax_error_is_reported_before_start(runner: BrainRunner, recorder: Recorder) -> None:
    with pytest.raises(BrainSyntaxError) as caught:
        runner.play("import HAL\n\nwhile True\n    pass\n")
    assert caught.value.line == 3
    with pytest.raises(BrainSyntaxError) as caught:
        runner.check("x = 1\nbreak\n")
    assert caught.value.line == 2
    assert runner.state is BrainState.STOPPED and runner.pid is None
    assert recorder.events == []


def test_runtime_error_has_the_students_line_numbers(runner: BrainRunner, recorder: Recorder) -> None:
    runner.set_frequency(100)
    runner.play(code("""
        import HAL

        def ratio(a, b):
            return a / b

        n = 0
        while True:
            n += 1
            if n == 5:
                print(ratio(1, 0))
    """))
    failure = recorder.wait_for(BrainFailed)
    assert failure.message == "ZeroDivisionError: division by zero"
    assert failure.line == 4
    assert 'File "brain.py", line 10, in <module>' in failure.traceback
    assert 'File "brain.py", line 4, in ratio' in failure.traceback
    assert "return a / b" in failure.traceback
    assert "exercise" not in failure.traceback and "runpy" not in failure.traceback
    stderr = recorder.lines(ConsoleStream.STDERR)
    assert "ZeroDivisionError: division by zero" in stderr
    end = stopped(recorder)
    assert end.reason == failure.message
    _assert_usable(runner, recorder)


def test_bad_gui_argument_points_at_the_students_line(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("import GUI\n\nGUI.showDigit(12, None)\n")
    failure = recorder.wait_for(BrainFailed)
    assert failure.line == 3 and "0 to 9" in failure.message


def test_memory_cap(make_runner: MakeRunner, recorder: Recorder) -> None:
    runner = make_runner(memory_limit_mb=200)
    runner.play("print('grabbing')\nblob = bytearray(400 * 1024 * 1024)\n")
    failure = recorder.wait_for(BrainFailed)
    assert failure.message.startswith("memory limit of 200 MB hit")
    assert failure.line == 2
    _assert_usable(runner, recorder)


def test_print_flood_is_limited_and_keeps_the_last_lines(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("for i in range(200000):\n    print(i)\nprint('the end')\n")
    stopped(recorder)
    lines = recorder.lines()
    assert len(lines) < 2000
    assert any("lines dropped" in line for line in recorder.lines(ConsoleStream.SYSTEM))
    stdout = recorder.lines(ConsoleStream.STDOUT)
    assert stdout[:3] == ["0", "1", "2"]
    assert stdout[-2:] == ["199999", "the end"]
    _assert_usable(runner, recorder)


@pytest.mark.parametrize("exit_call", ["sys.exit()", "sys.exit(0)"])
def test_sys_exit_zero_is_a_normal_end(runner: BrainRunner, recorder: Recorder, exit_call: str) -> None:
    runner.play(f"import sys\nprint('bye')\n{exit_call}\nprint('never')\n")
    end = stopped(recorder)
    assert "sys.exit" in end.reason
    assert recorder.lines(ConsoleStream.STDOUT) == ["bye"]
    assert not recorder.of(BrainFailed)


def test_sys_exit_nonzero_and_os_exit_are_failures(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("import sys\n\nsys.exit(3)\n")
    failure = recorder.wait_for(BrainFailed)
    assert failure.message == "the code called sys.exit(3)" and failure.line == 3
    since = recorder.mark()
    runner.play("import os\nos._exit(5)\n")
    failure = recorder.wait_for(BrainFailed, since=since)
    assert failure.message == "the brain process exited with status 5" and failure.line is None
    _assert_usable(runner, recorder)


def test_a_crash_is_reported(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    failure = recorder.wait_for(BrainFailed)
    assert "SIGSEGV" in failure.message
    _assert_usable(runner, recorder)


def test_stop_also_ends_what_the_code_forked(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play(code("""
        import os, time
        pid = os.fork()
        if pid == 0:
            time.sleep(1000)
            os._exit(0)
        escaped = os.fork()
        if escaped == 0:
            os.setsid()  # leaves the process group
            time.sleep(1000)
            os._exit(0)
        print("children", pid, escaped)
        while True:
            pass
    """))
    recorder.wait_line("children")
    assert runner.pid is not None
    family = descendants(runner.pid)  # as the server sees them (the code's ids may be a namespace's)
    assert len(family) >= 2
    runner.stop()
    assert all(wait_gone(pid) for pid in family), [process_alive(p) for p in family]
    _assert_usable(runner, recorder)


def test_a_forked_grandchild_dies_when_the_code_fails(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play(code("""
        import os, time
        pid = os.fork()
        if pid == 0:
            time.sleep(1000)
            os._exit(0)
        print("child", pid)
        time.sleep(1.0)  # while the test looks at the family
        raise RuntimeError("parent gives up")
    """))
    recorder.wait_line("child ")
    assert runner.pid is not None
    family = descendants(runner.pid)
    failure = recorder.wait_for(BrainFailed)
    assert failure.message == "RuntimeError: parent gives up"
    stopped(recorder)
    assert family and all(wait_gone(pid) for pid in family)


def test_close_is_idempotent_and_stops(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play("while True:\n    pass\n")
    pid = runner.pid
    runner.close()
    runner.close()
    assert pid is not None and not process_alive(pid)
    assert runner.state is BrainState.STOPPED


def _assert_usable(runner: BrainRunner, recorder: Recorder) -> None:
    """The runner plays the next code normally after whatever happened before."""
    since = recorder.mark()
    runner.play("print('again', 6 * 7)\n")
    recorder.wait_line("again 42", since=since)
    stopped(recorder, since)
    assert not recorder.of(BrainFailed, since)
    assert os.path.exists("/proc/self")  # the test process itself is untouched


def test_the_child_ends_when_the_server_dies_without_stopping_it() -> None:
    import subprocess
    import sys

    script = code("""
        import os, threading
        import numpy as np
        from exercise.brain.events import ConsoleLine
        from exercise.cameras.base import CameraSource

        from exercise.brain.runner import BrainRunner

        class Camera(CameraSource):
            def start(self): pass
            def stop(self): pass

        ready = threading.Event()
        def on_event(event):
            if isinstance(event, ConsoleLine) and event.text == "looping":
                ready.set()
        runner = BrainRunner(Camera("x"), None, on_event)
        runner.play("print('looping')\\nwhile True:\\n    pass\\n")
        ready.wait(30)
        print(runner.pid, flush=True)
        os._exit(0)  # the server dies: no stop(), no close()
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    child = int(result.stdout.strip())
    assert wait_gone(child, timeout=5.0)


def test_gui_rate_range(runner: BrainRunner) -> None:
    runner.set_gui_rate(60)
    for bad in (0, 61, float("nan")):
        with pytest.raises(ValueError, match="between 1 and 60"):
            runner.set_gui_rate(bad)


def test_a_huge_shown_image_is_refused_with_its_line(runner: BrainRunner, recorder: Recorder) -> None:
    runner.play(code("""
        import numpy as np
        import GUI

        huge = np.zeros((5000, 5000, 3), np.uint8)
        while True:
            GUI.showImage(huge)
    """))
    failure = recorder.wait_for(BrainFailed)
    assert failure.message.startswith("ValueError: GUI.showImage: a 5000x5000 image is over the 16.8 Mpx")
    assert failure.line == 6 and "garbage" not in failure.message
    stopped(recorder)
    _assert_usable(runner, recorder)


def test_a_run_read_on_a_loop_that_stopped_still_stops_with_its_last_lines(
    camera: PushedCamera, recorder: Recorder
) -> None:
    """The server's loop stops (a shutdown) while the brain runs: Stop, from another thread,
    drains and closes the pipes itself rather than wait for the loop."""
    loop = asyncio.new_event_loop()
    running = threading.Event()
    loop.call_soon(running.set)
    thread = threading.Thread(target=loop.run_forever, name="test loop", daemon=True)
    thread.start()
    runner = BrainRunner(camera, None, recorder)
    try:
        assert running.wait(WAIT)
        runner.read_on(loop)
        runner.play(code("""
            import time
            print("up")
            time.sleep(0.3)
            print("late")
            while True:
                pass
        """))
        recorder.wait_line("up")
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT)
        time.sleep(1.0)  # "late" waits in the pipe
        started = time.monotonic()
        runner.stop()
        assert time.monotonic() - started < 1.0
        end = stopped(recorder)
        assert recorder.after(recorder.wait_line("late")) < recorder.after(end)
    finally:
        runner.close()
        loop.close()
