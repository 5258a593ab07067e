"""Scale: several devices and processes give the one-device report; exhaustive float32 counts.

The multi-device and multi-process runs happen in subprocesses (JAX reads XLA_FLAGS and
joins a process group only at start-up); each costs a JAX start, a few seconds.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from bce_check import verify
from bce_check.check import exhaustive, run
from bce_check.check.exhaustive import bounds, check, ordered, ulp32
from bce_check.cli import main
from bce_check.verify import verify_exhaustive

SAMPLES = 3_000  # over two chunks of 1,024 per device: the merge across steps is exercised
TWO_DEVICES = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "BCE_CHECK_CACHE": "off"}


def _python(code: str, env: dict, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _results(report_json: dict) -> list:
    return report_json["results"]


def test_all_finite_float32_and_the_unit_octave_are_counted_exactly():
    assert bounds()[1] == 2**32 - 2**24 == 4_278_190_080  # both zeros, no inf or NaN
    assert bounds(1, 2)[1] == 2**23 + 1
    assert bounds(-0.0, 0.0)[1] == 2  # −0 and +0 are two float32 values
    first, n = bounds(0.1, 0.2)  # ends rounded inward to float32 values inside [0.1, 0.2]
    assert exhaustive._floats_host(first) >= 0.1 and exhaustive._floats_host(first + n - 1) <= 0.2
    values = np.sort(np.random.default_rng(0).standard_normal(1000).astype(np.float32))
    keys = [ordered(v) for v in values]
    assert keys == sorted(keys) and ordered(np.float32(-0.0)) == ordered(np.float32(0.0)) - 1


@pytest.mark.parametrize(
    "lo, hi, message",
    [
        (2.0, 1.0, r"LO ≤ HI, got \[2.0, 1.0\]"),
        (float("nan"), 1.0, "finite float32 values, got nan"),
        (0.0, 1e39, "got 1e\\+39"),
        (0.1, 0.1, "no float32 value lies in"),  # 0.1 is not a float32
    ],
)
def test_bad_ranges_are_refused_with_the_value(lo, hi, message):
    with pytest.raises(exhaustive.DomainError, match=message):
        bounds(lo, hi)


def test_ulp_is_mullers_in_float32():
    import jax.numpy as jnp

    from bce_check.check import enable_x64

    enable_x64()
    r = jnp.array([1.0, 1.5, 1.9999999, 2.0, 0.0, 2.0**-130, -3.0])
    expected = [2.0**-23, 2.0**-23, 2.0**-23, 2.0**-22, 2.0**-149, 2.0**-149, 2.0**-22]
    assert ulp32(r).tolist() == expected


def test_exhaustive_counts_every_value_and_passes_the_emitted_form():
    report = verify_exhaustive(["sigmoid_derivative"], 1.0, 1.001)
    ulps, reference = report.results
    assert report.ok and ulps.points == reference.points == bounds(1.0, 1.001)[1] == 8389
    assert 0 < ulps.max_error < 16  # float32 σ(z)σ(−z): a few ulps, within the 16-ulp budget


def test_exhaustive_catches_a_form_off_by_one_part_in_ten_thousand():
    import jax
    problem = verify.problem("sigmoid_derivative")
    wrong = replace(problem, grad=lambda z: jax.nn.sigmoid(z) * jax.nn.sigmoid(-z) * 1.0001)
    report = check(wrong, 1.0, 1.001, domains={"z": "Reals"})
    ulps, autodiff = report.results
    # the ulps row measures float32 rounding of the form (its float64 value is the
    # reference), so it passes; the formula itself is judged against jax.grad in float64:
    # off by 1e-4·σ' ≈ 2e-5·(|r| + s) at every point, far over 16·ε₆₄·(|r| + s) = 3.6e-15
    assert ulps.verdict == "pass" and autodiff.verdict == "fail" and not report.ok
    assert autodiff.note.startswith(f"{autodiff.points:,} points out of tolerance")


def test_exhaustive_walks_every_u_at_each_p_of_the_grid():
    report = verify_exhaustive(["bce_logit_gradient"], 0.5, 0.5001)
    n = bounds(0.5, 0.5001)[1]
    assert report.ok and report.results[0].points == n * len(exhaustive.GRIDS["Interval(0, 1)"])


def test_the_plan_is_made_once_per_run(monkeypatch):
    planned = verify.jobs(["bce_logit_gradient"], SAMPLES, 9)

    def again(*args, **kwargs):
        raise AssertionError("the plan was made again")

    monkeypatch.setattr(verify, "jobs", again)
    report = verify.verify_many(["bce_logit_gradient"], SAMPLES, 9, planned=planned)
    assert report.ok and {r.name for r in report.results} == {"bce_logit_gradient"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--range", "1", "2"], "--range LO HI goes with --exhaustive"),
        (["--exhaustive", "--dtype", "float64"], "float32"),
        (["--num-processes", "2"], "--coordinator"),
        (["--devices", "99"], "got 99"),
        (["--devices", "two"], "got 'two'"),
    ],
)
def test_bad_scale_options_exit_2_with_one_line(argv, message, capsys):
    assert main(["verify", "sigmoid_derivative", "--samples", "10", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_two_devices_give_the_one_device_report():
    out = _python(
        f"""
        import json, jax
        from bce_check.verify import verify
        from bce_check.verify import verify_exhaustive
        assert len(jax.local_devices()) == 2, jax.local_devices()
        same = {{}}
        for name in ["bce_logit_gradient", "batch_gradient"]:
            one = verify(name, {SAMPLES}, seed=7).to_dict()
            two = verify(name, {SAMPLES}, seed=7, devices="all").to_dict()
            same[name] = one == two and len(one["results"]) >= 4
        import contextlib, io
        from bce_check.cli import main
        out = io.StringIO()
        argv = ["verify", "bce_logit_gradient", "--samples", "{SAMPLES}", "--seed", "7", "--json"]
        with contextlib.redirect_stdout(out):
            code = main([*argv, "--devices", "all"])
        one = verify("bce_logit_gradient", {SAMPLES}, seed=7).to_dict()
        same["cli"] = code == 0 and json.loads(out.getvalue())["results"] == one["results"]
        one = verify_exhaustive(["sigmoid_derivative"], -2.0, -1.999).to_dict()
        two = verify_exhaustive(["sigmoid_derivative"], -2.0, -1.999, devices=2).to_dict()
        same["exhaustive"] = one == two
        print(json.dumps(same))
        """,
        TWO_DEVICES,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.splitlines()[-1]) == {
        "bce_logit_gradient": True,
        "batch_gradient": True,
        "cli": True,
        "exhaustive": True,
    }


def test_totals_of_two_shares_merge_to_the_whole_run(monkeypatch):
    """The cross-process merge without processes: the gather returns both shares' bytes."""
    from bce_check.check import _distributed, local_sweep

    captured = {}

    def sweep(job, start, stop, progress=None):
        middle = 1_500  # not a chunk boundary
        jobs = [replace(job, disputed=replace(job.disputed, rows=[], seen=0)) for _ in "ab"]
        shares = [local_sweep(jobs[0], start, middle), local_sweep(jobs[1], middle, stop)]
        blobs = iter([[bytes(_distributed._encode(t)) for t in shares],
                      [bytes(_distributed.encode_disputed(j.disputed)) for j in jobs]])
        monkeypatch.setattr(_distributed, "_gather", lambda _: next(blobs))
        captured["merged"] = _distributed.merge(shares[0])
        _distributed.merge_disputed(job.disputed)  # both shares' points, as two processes
        return captured["merged"]

    problem = verify.problem("bce_logit_gradient")
    merged = run(problem, SAMPLES, 9, sweep=sweep)
    whole = run(problem, SAMPLES, 9)
    assert merged.results == whole.results and whole.results[0].points == SAMPLES
    assert merged.oracle == whole.oracle and whole.oracle[0]["judged"] >= 256  # the audit


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_give_the_one_process_report():
    argv = ["bce_logit_gradient", "--samples", str(SAMPLES), "--seed", "3", "--json"]
    env = {
        **os.environ,
        "BCE_CHECK_CACHE": "off",
        "BCE_CHECK_COORDINATOR": f"127.0.0.1:{_free_port()}",
        "BCE_CHECK_NUM_PROCESSES": "2",
    }
    command = [sys.executable, "-m", "bce_check.cli", "verify", *argv]
    runs = [
        subprocess.Popen(
            command,
            env={**env, "BCE_CHECK_PROCESS_ID": str(i)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (0, 1)
    ]
    (out0, err0), (out1, _) = (run.communicate(timeout=240) for run in runs)
    assert [run.returncode for run in runs] == [0, 0], err0[-2000:]
    assert out1 == ""  # process 1 checks its share and prints nothing
    single = verify.verify("bce_logit_gradient", SAMPLES, seed=3)
    assert _results(json.loads(out0)) == _results(json.loads(single.to_json()))
