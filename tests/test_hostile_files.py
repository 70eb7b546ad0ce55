"""Hostile files (issue 9) under a memory limit, and the safe YAML loader on its own.

The corpus (``tests/test_hostile_inputs.py``) checks that every broken delivery gives its one
problem; the cases here are the ones that used to take gigabytes or never end — alias bombs,
zip bombs, FIFOs, links to ``/dev/zero`` — plus the settings files given with ``--params``
or ``--set``, which the corpus format cannot hold. They run in one child process with its
address space limited (``RLIMIT_AS``) and a timeout, so that a regression fails here instead
of taking the machine or the test run with it: every command must exit non-zero within
seconds, print its one Dutch message naming the file, print no traceback and write nothing.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_hostile_inputs import BASE, CASES, build, snapshot

from tevredenheidsrapport import yamlsafe

#: The child's address space. Without the checks the bombs needed 2-3 GB; with them a
#: refusal needs about 0.8 GB of address space (RSS about 0.25 GB).
ADDRESS_SPACE = 1536 * 1024 * 1024
#: Generous bounds: a refusal takes well under a second once the libraries are imported.
SECONDS_PER_COMMAND = 20
SECONDS_IN_ALL = 180

#: Corpus cases that used to exhaust memory or hang.
DANGEROUS = (
    "yaml-alias-bomb-period",
    "yaml-alias-bomb-codebook",
    "xlsx-zip-bomb",
    "xlsx-shared-strings-bomb",
    "fifo-response",
    "fifo-stray",
    "link-dev-zero",
    "link-outside",
)

# Runs each command line in this process and reports status, stderr, time and peak memory.
_DRIVER = """
import contextlib, io, json, resource, sys, time, traceback
from tevredenheidsrapport.cli import main
results = []
for argv in json.loads(sys.stdin.read()):
    err, out = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = main(argv)
    except BaseException:
        status = None
        err.write(traceback.format_exc())
    results.append(
        {"argv": argv, "status": status, "stderr": err.getvalue(),
         "seconds": time.perf_counter() - start}
    )
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"results": results, "peak": peak}))
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _run_limited(argvs: list[list[str]], cwd: Path) -> dict:
    """Run the command lines ``argvs`` in one child under the memory limit."""
    env = dict(os.environ)
    # pyarrow's default allocator reserves address space it never uses; RLIMIT_AS counts it.
    env.update(ARROW_DEFAULT_MEMORY_POOL="system", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER],
        input=json.dumps(argvs),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        preexec_fn=_limit_memory,
        timeout=SECONDS_IN_ALL,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def _commands(data: Path, period: Path, out: Path, work: Path, extra: list[str]) -> list:
    common = ["--out", str(out), "--format", "html", *extra]
    return [
        ["render", "P1", "--data", str(period), *common],
        ["batch", "--data", str(data), "--quiet", "--work", str(work), *common],
    ]


def _params_cases(tmp: Path) -> dict[str, tuple[list[str], str, str]]:
    """``--params``/``--set`` cases: name -> (extra arguments, file named, message part)."""
    bomb = tmp / "bom.yml"
    bomb.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
            for a, b in zip("abcdef", "bcdefg", strict=True)
        ),
        encoding="utf-8",
    )
    twice = tmp / "dubbel.yml"
    twice.write_text("privacy:\n  min_answers: 5\nprivacy:\n  min_answers: 10\n", "utf-8")
    big = tmp / "groot.yml"
    with big.open("wb") as fh:
        fh.truncate(yamlsafe.MAX_YAML_BYTES + 1)
    fifo = tmp / "pijp.yml"
    os.mkfifo(fifo)
    zero = tmp / "nul.yml"
    zero.symlink_to("/dev/zero")
    alias_value = "[&a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]" + "".join(
        f", &{b} [{', '.join([f'*{a}'] * 10)}]" for a, b in zip("abcde", "bcdef", strict=True)
    )
    return {
        "params-dev-zero": (["--params", "/dev/zero"], "/dev/zero", "geen gewoon bestand"),
        "params-fifo": (["--params", str(fifo)], str(fifo), "geen gewoon bestand"),
        "params-link-dev-zero": (["--params", str(zero)], str(zero), "geen gewoon bestand"),
        "params-alias-bomb": (["--params", str(bomb)], str(bomb), "alias-bom"),
        "params-duplicate-key": (
            ["--params", str(twice)],
            str(twice),
            "sleutel 'privacy' komt twee keer voor (eerst op regel 1, dan op regel 3)",
        ),
        "params-too-big": (["--params", str(big)], str(big), "te groot om in te lezen"),
        "set-alias-bomb": (
            ["--set", f"privacy.min_answers={alias_value}]"],
            "--set privacy.min_answers",
            "geen geldige YAML",
        ),
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and RLIMIT_AS need POSIX")
def test_hostile_files_are_refused_within_bounded_time_and_memory(tmp_path, monkeypatch):
    expected: list[tuple[str, str, str]] = []  # (case, file named, message part)
    argvs: list[list[str]] = []
    for case in DANGEROUS:
        root = build(case, tmp_path / case, monkeypatch)
        file, _, _, _, message = CASES[case]["expect"]
        out, work = tmp_path / f"uit-{case}", tmp_path / f"werk-{case}"
        runs = [["validate", str(root)], *_commands(root, root / "2025", out, work, [])]
        argvs += runs
        expected += [(case, str(root / file), message)] * len(runs)
    settings = tmp_path / "instellingen"
    settings.mkdir()
    for case, (extra, named, message) in _params_cases(settings).items():
        out, work = tmp_path / f"uit-{case}", tmp_path / f"werk-{case}"
        runs = _commands(BASE, BASE / "2025", out, work, extra)
        argvs += runs
        expected += [(case, named, message)] * len(runs)
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    # What is under the scratch working directory counts, not its own time: render makes
    # and removes its work dir there (as in the corpus test, whose cwd is tmp_path itself).
    before = snapshot(tmp_path)
    del before["cwd"]

    report = _run_limited(argvs, scratch)

    assert report["peak"] < 1024 * 1024 * 1024, f"{report['peak'] / 2**20:.0f} MB"
    for (case, named, message), result in zip(expected, report["results"], strict=True):
        command = f"{case}: tevreden {result['argv'][0]}"
        err = result["stderr"]
        assert result["status"] not in (None, 0), f"{command}:\n{err}"
        assert "Traceback" not in err, f"{command}:\n{err}"
        assert named in err and message in err, f"{command}:\n{err}"
        assert "root:x:0" not in err, f"{command} quoted a file outside the delivery"
        assert result["seconds"] < SECONDS_PER_COMMAND, command
    after = snapshot(tmp_path)
    del after["cwd"]
    assert after == before  # no output, no work dir left, nothing in the delivery


# --------------------------------------------------------------------------- yamlsafe


def _refusal(text: str) -> tuple[str, int | None]:
    with pytest.raises(yaml.YAMLError) as err:
        yamlsafe.load_text(text)
    return yamlsafe.describe(err.value)


def test_aliases_within_the_budget_still_load():
    """A document PyYAML itself writes for shared objects (anchors and a few aliases) and a
    merge key that overrides what it merges are ordinary YAML, and still read."""
    shared = {"label": "Tevreden", "codes": [1, 2, 3]}
    text = yaml.safe_dump({"a": shared, "b": shared, "c": [shared] * 20})
    assert "&id001" in text and "*id001" in text
    assert yamlsafe.load_text(text)["c"][19] == shared
    merged = yamlsafe.load_text("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n")
    assert merged["item"] == {"x": 1, "y": 3}


def test_alias_bomb_is_refused_at_the_line_it_explodes():
    levels = ["l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    reason, line = _refusal("\n".join(levels) + "\n")
    assert "alias-bom" in reason and "100.000" in reason
    assert line == 5  # l0 to l4 hold 11 + 111 + 1.111 + 11.111 + 111.111 values


@pytest.mark.parametrize(
    ("text", "part", "line"),
    [
        ("items: &i [*i]\n", "alias *i verwijst naar de lijst of mapping waarin hij zelf staat", 1),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", "sleutel 'b' komt twee keer voor (eerst op regel 2", 4),
        ("- {1: een, 1.0: twee}\n", "sleutel '1.0' komt twee keer voor", 1),
        ("[" * 100 + "]" * 100, "te diep genest", 1),
    ],
    ids=["recursive", "duplicate", "duplicate-equal", "deep"],
)
def test_unsafe_documents_are_refused_with_their_line(text, part, line):
    reason, at = _refusal(text)
    assert part in reason
    assert at == line


def test_files_are_checked_before_they_are_read(tmp_path):
    """Not UTF-8 (with its line), a directory, a link (unless followed) and a BOM."""
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("a: 1\nb: caf\xe9\n".encode("cp1252"))
    with pytest.raises(yaml.YAMLError) as err:
        yamlsafe.load_file(latin)
    assert yamlsafe.describe(err.value) == (
        "tekst is geen UTF-8 (byte 0xE9); sla het bestand op als UTF-8",
        2,
    )
    with pytest.raises(yaml.YAMLError, match="pad is een map"):
        yamlsafe.load_file(tmp_path)
    good = tmp_path / "goed.yaml"
    good.write_bytes(b"\xef\xbb\xbfa: 1\n")
    link = tmp_path / "koppeling.yaml"
    link.symlink_to(good)
    with pytest.raises(yaml.YAMLError, match="symbolische koppeling"):
        yamlsafe.load_file(link)
    assert yamlsafe.load_file(link, follow_symlinks=True) == {"a": 1}


def test_a_fifo_is_refused_without_blocking(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: it must never be opened."""
    fifo = tmp_path / "pijp.csv"
    os.mkfifo(fifo)
    with pytest.raises(yamlsafe.RefusedFile) as err:
        yamlsafe.read_regular(fifo, max_bytes=100)
    assert err.value.reason == "bestand is een named pipe (FIFO), geen gewoon bestand"
