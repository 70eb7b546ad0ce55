"""Hostile use of the command line: settings, settings files, paths and runs at once (issue 9).

Every case ends in one Dutch message that names the setting or the file, a non-zero exit
status, no traceback and nothing written: no output folder, no work folder, the delivery as
it was. A refusal comes before any work: the tests that expect one make loading the data an
error, so a refusal that came too late fails them.

A small generated period (two providers) keeps the few renders fast: a full disk (a write
that fails with ENOSPC), ``ulimit -f`` (a real subprocess with RLIMIT_FSIZE) and two runs of
one report at once (two threads, the first held halfway so that the second would overwrite
its files if it did not wait).
"""

from __future__ import annotations

import errno
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import yaml

from tevredenheidsrapport import batch, cli, config, dataset, demo, fsutil, render
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.errors import OutputPathError

SPEC = demo.DEFAULT_PERIODS[0]  # 2025
PROVIDER = "werkpad-noord"
OTHER = "taalkade-oost"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Codebooks and a generated period side by side (as in test_batch)."""
    root = tmp_path_factory.mktemp("hostile_cli")
    shutil.copytree(config.CODEBOOKS, root / "codebooks")
    demo.generate(root / "data", n_providers=2, periods=[SPEC], codebooks_dir=root / "codebooks")
    return root / "data"


@pytest.fixture(scope="module")
def period(data):
    return data / SPEC.period


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for a folder)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def here(tmp_path, monkeypatch, data):
    """Run in an empty folder; afterwards the delivery must be exactly as it was."""
    before = _tree(data)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert _tree(data) == before, "the delivery was changed"


def _forbidden(*_args, **_kwargs):
    raise AssertionError("work was started before the refusal")


@pytest.fixture
def no_loading(monkeypatch):
    """Make planning a batch or loading a period fail the test (``tevreden render`` may
    still find its period folder: render_report checks the folders it is given)."""
    monkeypatch.setattr(batch, "plan_batch", _forbidden)
    monkeypatch.setattr(render, "load_survey", _forbidden)


@pytest.fixture
def no_work(no_loading, monkeypatch):
    """Make any work, even looking for the period, fail the test."""
    monkeypatch.setattr(dataset, "find_periods", _forbidden)


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text
    return code, text


def _render(period: Path, *extra) -> list:
    return ["render", PROVIDER, "--data", period, "--out", "uit", "--work", "werk", *extra]


def _batch(data: Path, *extra) -> list:
    return ["batch", "--data", data, "--out", "uit", "--work", "werk", "--quiet", *extra]


def _nothing_written(folder: Path) -> None:
    assert not (folder / "uit").exists()
    assert not (folder / "werk").exists()


# --------------------------------------------------------------------------- settings

_WHOLE_3 = "een geheel getal van minstens 3"
#: (setting, value as on the command line, the allowed values the message must give)
BAD_SETTINGS = [
    ("privacy.min_answers", "0", _WHOLE_3),
    ("privacy.min_answers", "-1", _WHOLE_3),
    ("privacy.min_answers", "2", _WHOLE_3),
    ("privacy.min_answers", "true", _WHOLE_3),
    ("privacy.min_answers", "2.5", _WHOLE_3),
    ("privacy.min_answers", "3.0", _WHOLE_3),
    ("privacy.min_answers", "drie", _WHOLE_3),
    ("privacy.min_answers", "", _WHOLE_3),
    ("privacy.min_answers", "[3]", _WHOLE_3),
    ("privacy.background_min_answers", "2", _WHOLE_3),
    ("privacy.background_min_answers", "tien", _WHOLE_3),
    ("privacy.benchmark_min_providers", "2", _WHOLE_3),
    ("privacy.benchmark_min_providers", "false", _WHOLE_3),
    ("privacy.protection_grade", "0.4", "een getal van 0.5 tot en met 9"),
    ("privacy.protection_grade", "9.5", "een getal van 0.5 tot en met 9"),
    ("privacy.protection_grade", ".nan", "een getal van 0.5 tot en met 9"),
    ("privacy.protection_grade", "true", "een getal van 0.5 tot en met 9"),
    ("privacy.show_open_answers", "1", "true of false"),
    ("privacy.show_open_answers", "ja", "true of false"),
    ("norm.total_min", "zes", "een getal van 1 tot en met 10"),
    ("norm.service_min", "11", "een getal van 1 tot en met 10"),
    ("publication.service_requires_total", "nee", "true of false"),
    ("bureau.hearing_weeks", "drie", "een geheel getal van 0 tot en met 52"),
    ("report.title", "", "tekst (niet leeg)"),
    ("output.formats", "html", "een lijst met een of meer van html, pdf, docx"),
    ("output.formats", "[html, xls]", "een lijst met een of meer van html, pdf, docx"),
    ("output.formats", "[]", "een lijst met een of meer van html, pdf, docx"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_SETTINGS)
def test_a_bad_setting_on_the_command_line_is_refused_before_any_work(
    key, value, allowed, period, here, no_work, capsys
):
    code, text = _run(_render(period, "--set", f"{key}={value}"), capsys)
    assert code == 2
    assert f"instelling {key}: " in text and f"toegestaan: {allowed}" in text
    _nothing_written(here)


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [case for case in BAD_SETTINGS if case[0].startswith("privacy.")],
)
def test_a_bad_setting_in_a_params_file_is_refused_before_any_work(
    key, value, allowed, data, here, no_work, capsys
):
    group, name = key.split(".")
    params = here / "mijn.yml"
    params.write_text(yaml.safe_dump({group: {name: yaml.safe_load(value)}}), encoding="utf-8")
    code, text = _run(_batch(data, "--params", params), capsys)
    assert code == 2
    assert f"instelling {key}: " in text and f"toegestaan: {allowed}" in text
    _nothing_written(here)


def test_a_higher_min_answers_raises_the_background_threshold_with_it():
    from tevredenheidsrapport.config import load_settings

    privacy = load_settings(overrides=["privacy.min_answers=40"]).privacy
    assert privacy.background_min_answers == 10 and privacy.background_threshold == 40


def test_publication_tiers_are_checked(period, here, no_work, capsys):
    tiers = "[{netto_max: null, min_response: 50}, {netto_max: 99, min_response: 150}]"
    code, text = _run(_render(period, "--set", f"publication.tiers={tiers}"), capsys)
    assert code == 2
    assert "2 problemen in de instellingen" in text
    assert "publication.tiers[1].netto_max: leeg (null, geen bovengrens)" in text
    assert "publication.tiers[2].min_response: 150 is niet toegestaan" in text
    _nothing_written(here)


def test_the_lowest_allowed_values_are_accepted():
    settings = config.load_settings(
        overrides=[
            "privacy.min_answers=3",
            "privacy.background_min_answers=3",
            "privacy.benchmark_min_providers=3",
            "privacy.protection_grade=0.5",
            "privacy.show_open_answers=true",
        ]
    )
    p = settings.privacy
    assert (p.min_answers, p.background_min_answers, p.benchmark_min_providers) == (3, 3, 3)
    assert (p.protection_grade, p.show_open_answers) == (0.5, True)
    assert isinstance(p.protection_grade, float)


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "privasy:\n  min_answers: 10\n",
            "onbekende instelling 'privasy'; bedoelt u 'privacy'?",
        ),
        (
            "privacy:\n  min_answer: 10\n",
            "onbekende instelling 'privacy.min_answer'; bedoelt u 'privacy.min_answers'?",
        ),
        (
            "privacy:\n  kleur: rood\n",
            "onbekende instelling 'privacy.kleur'; bekend onder 'privacy': min_answers,",
        ),
        (
            "publication:\n  tiers:\n    - {netto_max: null, min_respons: 20}\n",
            "onbekende instelling 'publication.tiers[1].min_respons'; "
            "bedoelt u 'publication.tiers[1].min_response'?",
        ),
        (
            "output:\n  formats: [html]\n  formaten: [pdf]\n",
            "onbekende instelling 'output.formaten'; bedoelt u 'output.formats'?",
        ),
    ],
)
def test_an_unknown_key_in_a_params_file_is_refused_with_the_closest_known_key(
    content, expected, period, here, no_work, capsys
):
    params = here / "mijn.yml"
    params.write_text(content, encoding="utf-8")
    code, text = _run(_render(period, "--params", params), capsys)
    assert code == 2
    assert f"instellingenbestand {params}: {expected}" in text
    _nothing_written(here)


def test_every_unknown_key_is_listed_at_once(data, here, no_work, capsys):
    params = here / "mijn.yml"
    params.write_text("privasy: {min_answers: 10}\nnorm: {totaal_min: 7}\n", encoding="utf-8")
    code, text = _run(_batch(data, "--params", params), capsys)
    assert code == 2
    assert "2 problemen in de instellingen" in text
    assert "'privasy'; bedoelt u 'privacy'?" in text
    assert "'norm.totaal_min'; bedoelt u 'norm.total_min'?" in text
    _nothing_written(here)


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("privacy.min_answer=5", "bedoelt u 'privacy.min_answers'?"),
        ("privasy.min_answers=5", "bedoelt u 'privacy.min_answers'?"),
        ("privacy.min_answers.x=5", "privacy.min_answers is zelf een instelling"),
        ("privacy={min_answers: 5, kleur: rood}", "onbekende instelling 'privacy.kleur'"),
    ],
)
def test_an_unknown_key_on_the_command_line_is_refused(
    assignment, expected, period, here, no_work, capsys
):
    code, text = _run(_render(period, "--set", assignment), capsys)
    assert code == 2
    assert "--set: onbekende instelling" in text and expected in text
    _nothing_written(here)


def test_a_value_that_is_not_yaml_on_the_command_line_is_refused(period, here, no_work, capsys):
    code, text = _run(_render(period, "--set", "privacy.min_answers=[3"), capsys)
    assert code == 2
    assert "--set privacy.min_answers: de waarde is geen geldige YAML" in text
    _nothing_written(here)


# --------------------------------------------------------------------------- not a settings file

#: Lines as in /etc/shadow (made up): a settings file they are not, and never to be shown.
SHADOW = (
    "root:$6$Qx8pZ2rT$kL3vN9wQm4yB7cD1eF5gH8jK2lM6nP0qR3sT7uV9wX1yZ4aB6cD8eF0gH2jK4lM6:19700:0:99999:7:::\n"
    "daemon:*:19700:0:99999:7:::\n"
    "postgres:!:19700::::::\n"
)
SECRETS = ("root:", "$6$", "Qx8pZ2rT", "daemon", "postgres", "geheim", "Wachtwoord", "Gebruiker")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (SHADOW, "dit is geen instellingenbestand"),
        ("Gebruiker: jan\nWachtwoord: geheim123\n", "dit is geen instellingenbestand"),
        ("privacy:\n  min_answers: 5\n" + SHADOW, "een sleutel is geen instellingsnaam"),
        ("wachtwoord: geheim: nog meer\n", "niet te lezen (regel 1)"),
        ("- geheim\n- nog een\n", "YAML-mapping"),
        ("geheim wachtwoord\n", "YAML-mapping"),
    ],
    ids=["shadow", "text", "settings-and-shadow", "broken-yaml", "list", "scalar"],
)
def test_a_file_that_is_not_a_settings_file_is_refused_without_showing_it(
    content, expected, period, here, no_work, capsys
):
    params = here / "bestand"
    params.write_text(content, encoding="utf-8")
    code, text = _run(_render(period, "--params", params), capsys)
    assert code == 2
    assert str(params) in text and expected in text
    shown = text.replace(str(params), "")
    for secret in SECRETS:
        assert secret not in shown
    _nothing_written(here)


def test_a_binary_file_is_refused(period, here, no_work, capsys):
    params = here / "programma"
    params.write_bytes(bytes(range(256)) * 4)
    code, text = _run(_render(period, "--params", params), capsys)
    assert code == 2
    assert str(params) in text and "UTF-8" in text
    _nothing_written(here)


@pytest.mark.parametrize("command", ["render", "batch"])
def test_a_folder_as_params_file_is_refused_before_any_work(
    command, data, period, here, no_work, capsys
):
    argv = _render(period) if command == "render" else _batch(data)
    code, text = _run([*argv, "--params", "."], capsys)
    assert code == 2
    assert "instellingenbestand . is een map, geen bestand met instellingen" in text
    _nothing_written(here)


def test_a_missing_or_special_params_file_is_refused(period, here, no_work, capsys):
    code, text = _run(_render(period, "--params", "bestaat-niet.yml"), capsys)
    assert code == 2 and "instellingenbestand bestaat-niet.yml bestaat niet" in text
    os.mkfifo(here / "pijp")  # reading it would wait forever
    code, text = _run(_render(period, "--params", "pijp"), capsys)
    assert code == 2 and "instellingenbestand pijp is geen gewoon bestand" in text
    _nothing_written(here)


# --------------------------------------------------------------------------- output folders


@pytest.mark.parametrize(
    "out", ["data", "data/2025/uit", "data/2025"], ids=["the-data", "inside", "the-period"]
)
def test_render_refuses_an_output_folder_in_the_delivery(
    out, data, period, here, no_loading, capsys
):
    out = str(data.parent / out)
    code, text = _run(_render(period, "--out", out), capsys)
    assert code == 2
    assert "uitvoermap (--out)" in text and f"ligt in de datamap {period}" in text
    assert not (here / "werk").exists()


@pytest.mark.parametrize(
    ("data_arg", "out", "where"),
    [
        ("DATA", "DATA/uit", "DATA"),
        ("DATA", "DATA", "DATA"),
        ("DATA/2025", "DATA", "DATA/2025"),  # the period's output folder is the period
    ],
    ids=["inside", "the-data", "period-output-is-the-period"],
)
def test_batch_refuses_an_output_folder_in_the_delivery(
    data_arg, out, where, data, here, monkeypatch, capsys
):
    """Planning only reads; the refusal comes before anything is loaded or written."""
    monkeypatch.setattr(batch, "load_surveys", _forbidden)
    data_arg, out, where = (v.replace("DATA", str(data)) for v in (data_arg, out, where))
    code, text = _run(
        ["batch", "--data", data_arg, "--out", out, "--work", "werk", "--quiet"], capsys
    )
    assert code == 2
    assert "uitvoermap (--out)" in text and f"ligt in de datamap {where}" in text
    assert "er is niets gerenderd" in text
    _nothing_written(here)


@pytest.mark.parametrize("option", ["--out", "--work"])
@pytest.mark.parametrize("command", ["render", "batch"])
def test_a_file_where_a_folder_belongs_is_refused_before_any_work(
    option, command, data, period, here, no_loading, capsys
):
    (here / "bestand").write_text("blijft staan\n", encoding="utf-8")
    argv = _render(period) if command == "render" else _batch(data)
    argv[argv.index(option) + 1] = "bestand"
    code, text = _run(argv, capsys)
    assert code == 2
    what = "uitvoermap (--out)" if option == "--out" else "werkmap (--work)"
    assert what in text and f"{here / 'bestand'} is een bestand, geen map" in text
    assert (here / "bestand").read_text(encoding="utf-8") == "blijft staan\n"
    _nothing_written(here)


def _unwritable(folder: Path, code: int, monkeypatch) -> None:
    """Make creating a file in ``folder`` fail with ``code``, as a read-only folder or disk
    does (a chmod is no obstacle to root, who may run these tests in a container)."""
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and fsutil.is_within(dir, folder):
            raise OSError(code, os.strerror(code), str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(fsutil.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EACCES, "geen toegang: schrijf- of leesrechten ontbreken"),
        (errno.EROFS, "het bestandssysteem is alleen-lezen"),
    ],
)
@pytest.mark.parametrize("option", ["--out", "--work"])
@pytest.mark.parametrize("command", ["render", "batch"])
def test_a_read_only_folder_is_refused_before_any_work(
    command, option, code, reason, data, period, here, no_loading, monkeypatch, capsys
):
    (here / "alleen-lezen").mkdir()
    _unwritable(here / "alleen-lezen", code, monkeypatch)
    argv = _render(period) if command == "render" else _batch(data)
    argv[argv.index(option) + 1] = "alleen-lezen/map"
    status, text = _run(argv, capsys)
    assert status == 2
    what = "uitvoermap (--out)" if option == "--out" else "werkmap (--work)"
    assert f"{what} " in text and " is niet te gebruiken: " in text
    assert f"{here / 'alleen-lezen'}: {reason}; er is niets gerenderd" in text
    assert list((here / "alleen-lezen").iterdir()) == []
    _nothing_written(here)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_really_read_only_output_folder_is_refused(period, here, no_loading, capsys):
    (here / "uit").mkdir()
    (here / "uit").chmod(0o555)
    try:
        code, text = _run(_render(period), capsys)
    finally:
        (here / "uit").chmod(0o755)
    assert code == 2 and "geen toegang" in text
    assert list((here / "uit").iterdir()) == []


def test_render_report_checks_its_folders_before_loading_the_data(
    period, here, no_loading, monkeypatch
):
    """The library function itself, not only the command line."""
    (here / "alleen-lezen").mkdir()
    _unwritable(here / "alleen-lezen", errno.EROFS, monkeypatch)
    settings = config.load_settings()
    for out, work in (("alleen-lezen/uit", "werk"), ("uit", "alleen-lezen/werk")):
        with pytest.raises(OutputPathError, match="alleen-lezen.*er is niets gerenderd"):
            render.render_report(PROVIDER, period, out, settings=settings, work_root=work)
    _nothing_written(here)


# --------------------------------------------------------------------------- failing writes


def test_notebook_into_a_folder_or_below_a_file_is_one_clear_message(here, capsys):
    (here / "map").mkdir()
    (here / "bestand").write_text("x", encoding="utf-8")
    code, text = _run(["notebook", "--out", "map"], capsys)
    assert code == 1 and "Fout: map: dit is een map, geen bestand" in text
    code, text = _run(["notebook", "--out", "bestand/rapport.ipynb"], capsys)
    assert code == 1 and "Fout: bestand: een deel van het pad is een bestand, geen map" in text
    assert sorted(p.name for p in here.iterdir()) == ["bestand", "map"]
    assert list((here / "map").iterdir()) == []


def _open_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_full_disk_while_writing_the_outputs_leaves_the_old_report(
    period, here, monkeypatch, capsys
):
    """The outputs of one report are replaced together or not at all."""
    old = here / "uit" / SPEC.period
    old.mkdir(parents=True)
    for name in (f"{PROVIDER}.html", f"{PROVIDER}.json", f"{OTHER}.html"):
        (old / name).write_text(f"oud {name}\n", encoding="utf-8")
    before = _tree(here / "uit")
    write = fsutil._write_payload

    def full_disk(fd: int, payload: bytes) -> None:
        if str(old) in _open_path(fd):
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write(fd, payload)

    monkeypatch.setattr(fsutil, "_write_payload", full_disk)
    code, text = _run(_render(period, "--format", "html"), capsys)
    assert code == 1
    assert f"mislukt bij stap 'write': uit/{SPEC.period}/{PROVIDER}.html: de schijf is vol" in text
    assert _tree(here / "uit") == before  # no new file, no temporary, the old ones intact


def _limit_file_size(limit: int):
    def set_limit() -> None:
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    return set_limit


def test_a_file_size_limit_is_one_clear_message(period, here):
    """``ulimit -f``: the process is not killed by SIGXFSZ, nothing is written."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    argv = [sys.executable, "-m", "tevredenheidsrapport.cli", *map(str, _render(period))]
    proc = subprocess.run(
        [*argv, "--format", "html"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_file_size(64 * 1024),
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"Fout: rapport voor '{PROVIDER}' mislukt bij stap " in proc.stderr
    assert "het bestand wordt groter dan de bestandslimiet toestaat (ulimit -f)" in proc.stderr
    assert not (here / "uit").exists()
    assert not [p for p in (here / "werk").rglob("*") if p.name.endswith((".part", ".tmp"))]


# --------------------------------------------------------------------------- work folders


@pytest.fixture(scope="module")
def alone(period, tmp_path_factory):
    """The report rendered on its own (default settings, HTML and PDF), in a work folder of
    its own."""
    root = tmp_path_factory.mktemp("alleen")
    result = render.render_report(
        PROVIDER,
        period,
        root / "uit",
        settings=config.load_settings(),
        formats=("html", "pdf"),
        work_root=root / "werk",
    )
    return {kind: path.read_bytes() for kind, path in result.outputs.items()}


def test_two_renders_of_one_report_at_once_do_not_mix(period, alone, here, monkeypatch, capsys):
    """Two runs of one report with different settings share a work folder. The first is
    held halfway (its figures drawn and its Typst source written, not yet compiled) while
    the second starts: without a lock the second would overwrite those files and the first
    one's PDF would be the second one's. The second waits for the work folder instead, then
    clears what a killed run left there. The first gives byte for byte what a run on its
    own gives (in another work folder: its path does not reach the outputs)."""
    runs = {
        "drie": config.load_settings(),
        "veertig": config.load_settings(
            overrides=["privacy.min_answers=40", "privacy.background_min_answers=40"]
        ),
    }
    surveys = {name: render.load_survey(period, s) for name, s in runs.items()}
    work = (here / "werk" / SPEC.period / PROVIDER).resolve()
    out = {name: here / f"uit-{name}" for name in runs}
    (work / "figures").mkdir(parents=True)
    out["veertig"].mkdir()
    left = [
        work / ".report.md.k1llq9.part",
        work / "figures" / ".cijfer.svg.x7zz1a.tmp",
        out["veertig"] / f".{PROVIDER}.html.a1b2c3.part",
    ]
    someone_elses = out["veertig"] / f".{OTHER}.html.d4e5f6.part"  # may be being written

    halfway, go, waiting = threading.Event(), threading.Event(), threading.Event()
    write, say = render.atomic_write, render._say_waiting

    def held(path, content):
        written = write(path, content)
        if Path(path).name == "report.typ" and threading.current_thread().name == "drie":
            halfway.set()
            assert go.wait(timeout=120)
        return written

    def waits(folder):
        say(folder)
        waiting.set()

    monkeypatch.setattr(render, "atomic_write", held)
    monkeypatch.setattr(render, "_say_waiting", waits)
    done: dict = {}

    def run(name: str) -> None:
        try:
            done[name] = render.render_report(
                PROVIDER,
                period,
                out[name],
                settings=runs[name],
                formats=("html", "pdf"),
                work_root="werk",
                survey=surveys[name],
            )
        except BaseException as exc:  # reported below
            done[name] = exc

    threads = {
        name: threading.Thread(target=run, args=(name,), name=name, daemon=True) for name in runs
    }
    try:
        threads["drie"].start()
        assert halfway.wait(timeout=120), done
        for path in [*left, someone_elses]:  # as if a run had been killed meanwhile
            path.write_text("half", encoding="utf-8")
        threads["veertig"].start()
        assert waiting.wait(timeout=120), done  # the second run waits for the work folder
        assert all(p.exists() for p in left)  # and touches nothing meanwhile
    finally:
        go.set()
    for thread in threads.values():
        thread.join(timeout=300)
        assert not thread.is_alive()
    assert all(isinstance(r, render.RenderResult) for r in done.values()), done
    assert f"Wacht: werkmap {work} is in gebruik" in capsys.readouterr().err
    assert not any(p.exists() for p in left) and someone_elses.exists()

    outputs = {
        name: {kind: path.read_bytes() for kind, path in result.outputs.items()}
        for name, result in done.items()
    }
    assert outputs["drie"] == alone
    assert outputs["veertig"]["pdf"] != alone["pdf"]  # the settings do matter
    suppressed = {n: json.loads(outputs[n]["json"])["suppressed"] for n in runs}
    assert len(suppressed["veertig"]) > len(suppressed["drie"])


def test_the_imports_of_a_render_run_without_the_collector_which_is_on_again_after():
    was = gc.isenabled()
    try:
        with cli._importing():
            assert not gc.isenabled()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        with pytest.raises(ImportError), cli._importing():
            import tevredenheidsrapport.no_such_module  # noqa: F401
        assert gc.isenabled()  # on again when an import fails
    finally:
        gc.unfreeze()
        if not was:
            gc.disable()
