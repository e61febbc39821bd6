"""The explorer (``csto-sim explore``): its model and fields without a browser, and the page end to end in
Debian's Chromium driven headless by Playwright.

The browser test starts ``csto-sim explore --port 0`` from the repository's root, opens the printed
address, chooses Kazakhstan 2022, sets Russia's influence (the lead state's pull) to 0 and checks that the
shown P(deployment) falls; it types a bad value, checks the message and that the page still runs after.
It saves a screenshot into the test's tmp folder and, when ``CSTO_SIM_SCREENSHOT`` names a file (e.g.
``docs/explorer.png``), there too. It is skipped only when /usr/bin/chromium or Playwright is missing;
``.ci/run`` installs both, so in CI it runs.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from model.cli import explore as explore_cli
from model.cli import main
from model.explorer.explorer import (
    MAIN_PARAMETERS,
    SETTINGS_HELP,
    ExplorerModel,
    case_ids,
    model_params,
    parse_settings,
)
from model.params import SPECS, ParameterError, Parameters
from model.simulate import simulate

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 90  # seconds for the server to print its address
UI_TIMEOUT = 30_000  # milliseconds for the page to show a change


# -- the model and the fields, without a browser ---------------------------------------------------

def test_explorer_model_gives_the_numbers_of_simulate():
    model = ExplorerModel(case="kazakhstan-2022", replications=400, seed="7", influence=0.2, settings="noise=0.5")
    assert model.error is None
    ref = simulate("kazakhstan-2022", 400, 7, params=Parameters().replace(influence=0.2, noise=0.5), trace=True)
    assert model.result.outcome_probabilities == ref.outcome_probabilities
    np.testing.assert_array_equal(model.result.days, ref.days)
    assert model.result.trace == ref.trace
    assert model.result.members == ref.members
    assert model.summary()["changed"] == {"influence": (0.2, 0.6), "noise": (0.5, 0.2)}


def test_influence_moves_p_deployment_in_kazakhstan():
    """What the browser test relies on: with no pull from Russia, deployment is far less likely."""
    full = ExplorerModel(case="kazakhstan-2022", replications=2000, seed=1)
    none = ExplorerModel(case="kazakhstan-2022", replications=2000, seed=1, influence=0.0)
    assert full.p_deployment > 0.95
    assert none.p_deployment < full.p_deployment - 0.2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"settings": "noise=abc"}, "noise: expected a number, got 'abc'"),
    ({"settings": "noise"}, "settings: 'noise' is not NAME=VALUE"),
    ({"settings": "colour=1"}, "unknown parameter 'colour'"),
    ({"influence": 1.5}, "influence: 1.5 is out of range (allowed: 0 to 1)"),
    ({"seed": "twelve"}, "seed: 'twelve' is not a whole number"),
    ({"seed": "-1"}, "seed: expected a whole number"),
    ({"replications": 0}, "replications: 0 is out of range"),
    ({"case": "atlantis-1999"}, "no such scenario file or case id"),
    ({"rule": "majority-of-one"}, "unknown decision rule 'majority-of-one'"),
])
def test_a_bad_value_is_a_message_not_an_exception(kwargs, message):
    model = ExplorerModel(**{"case": "kazakhstan-2022", "replications": 100, **kwargs})
    assert model.result is None and model.p_deployment is None
    assert message in model.error
    assert "\n" not in model.error
    assert model.running is False
    model.step()  # Step in the page after a bad value: nothing happens
    assert model.running is False and model.result is None


def test_settings_text():
    assert parse_settings(" noise=0.5, w_legal=2;rounds=3  peer_weight=0.2 ") == {
        "noise": "0.5", "w_legal": "2", "rounds": "3", "peer_weight": "0.2"}
    assert parse_settings("") == {}
    with pytest.raises(ParameterError, match="is not NAME=VALUE"):
        parse_settings("noise=")


def test_the_fields_cover_every_case_and_parameter():
    params = model_params()
    assert params["case"]["values"] == case_ids()
    assert "kazakhstan-2022" in params["case"]["values"]
    assert params["case"]["value"] != "kazakhstan-2022"  # choosing Kazakhstan 2022 in the page is a change
    assert set(SPECS) | {"case", "rule", "replications", "seed", "settings"} == set(params)
    assert list(params)[5:5 + len(MAIN_PARAMETERS)] == list(MAIN_PARAMETERS)
    defaults = Parameters()
    for name, spec in SPECS.items():
        field = params[name]
        assert field["value"] == getattr(defaults, name)
        assert (field["min"], field["max"]) == (spec.low, spec.high)
        steps = (field["value"] - field["min"]) / field["step"]
        assert abs(steps - round(steps)) < 1e-6, f"{name}: default {field['value']} is off the slider's grid"
    model = ExplorerModel(**{name: field["value"] for name, field in params.items()})
    assert model.error is None and model.summary()["changed"] == {}


def test_step_replays_the_traced_replication():
    model = ExplorerModel(case="kazakhstan-2022", replications=100, seed=1)
    rounds = len(model.result.trace)
    assert rounds == model.params.rounds + 1
    assert model.shown_rounds == rounds and model.running
    probabilities = model.result.outcome_probabilities
    seen = []
    while model.running:
        model.step()
        seen.append(model.shown_rounds)
    assert seen == list(range(1, rounds + 1))
    assert model.result.outcome_probabilities == probabilities  # replaying changes nothing


def test_explore_without_the_viz_extra_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(explore_cli, "viz_installed", lambda: False)
    assert main(["explore", "--no-browser"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install -e ".[viz]"' in err[0]


@pytest.mark.parametrize("port", ["http", "70000"])
def test_explore_rejects_a_bad_port(port, capsys):
    assert main(["explore", "--port", port]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: command line: --port:")


def test_explore_reports_a_port_in_use(capsys):
    if not explore_cli.viz_installed():
        pytest.skip("the viz extra is not installed")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["explore", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: command line: --port: cannot listen on 127.0.0.1:{port}")


def test_the_parser_knows_explore():
    from model.cli import build_parser

    args = build_parser().parse_args(["explore", "--port", "0", "--no-browser"])
    assert isinstance(args, argparse.Namespace) and args.port == 0 and args.no_browser and args.host == "127.0.0.1"


# -- the page in a real browser ----------------------------------------------------------------------

def _ensure_assets() -> None:
    """Solara's browser assets in its cache (from the npm registry when missing: no CDN here)."""
    from model.explorer import assets

    if assets.missing():
        try:
            assets.fetch(say=lambda text: None)
        except assets.AssetError as exc:
            pytest.fail(f"Solara's browser assets are missing and could not be fetched: {exc}")


class Server:
    """``csto-sim explore --port 0 --no-browser`` in a subprocess, with its address."""

    def __init__(self, log: Path):
        self.log = log
        self._err = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "model.cli", "explore", "--port", "0", "--no-browser"],
                                     cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._err, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stdout], daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        self.url = ""
        while not self.url:
            if self.proc.poll() is not None:
                pytest.fail(f"csto-sim explore exited with {self.proc.returncode}: {self.errors()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"csto-sim explore printed no address within {START_TIMEOUT} s: {self.errors()}")
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if m := re.fullmatch(r"csto-sim explorer at (http://127\.0\.0\.1:\d+/)\s*", line):
                self.url = m.group(1)

    def errors(self) -> str:
        self._err.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def interrupt(self) -> int:
        """Ctrl-C: the server stops within a few seconds."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._err.close()


def _p_deployment(page) -> float:
    text = page.locator(".csto-p-deployment").inner_text()
    m = re.fullmatch(r"P\(deployment\) = ([01]\.\d{3})", text.strip())
    assert m, f"unexpected text {text!r}"
    return float(m.group(1))


def test_the_page_in_chromium(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason='playwright is not installed (pip install -e ".[test,viz]")')
    if not explore_cli.viz_installed():
        pytest.skip('the viz extra is not installed (pip install -e ".[test,viz]")')
    expect = sync_api.expect
    _ensure_assets()
    server = Server(tmp_path / "server.log")
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.set_default_timeout(UI_TIMEOUT)
                page.goto(server.url)
                shown = page.locator(".csto-p-deployment")
                expect(shown).to_be_visible(timeout=60_000)
                first_case = model_params()["case"]["value"]
                expect(page.locator(".csto-summary")).to_contain_text(first_case)

                # Choose Kazakhstan 2022 and run it.
                page.locator(".v-select", has=page.locator("label", has_text=re.compile(r"^case$"))).click()
                page.get_by_role("option", name="kazakhstan-2022", exact=True).click()
                page.get_by_role("button", name="Reset").click()
                expect(page.locator(".csto-title")).to_have_text("Kazakhstan, January 2022")
                expect(page.locator(".csto-observed")).to_contain_text("Observed outcome: deployment")
                before = _p_deployment(page)
                assert before > 0.95

                # Take away Russia's pull on the members: the slider to its minimum (0), then run again.
                slider = page.get_by_role("slider", name="influence (the lead state's pull)")
                slider.focus()
                slider.press("Home")
                expect(slider).to_have_attribute("aria-valuenow", "0")
                page.get_by_role("button", name="Reset").click()
                expect(shown).not_to_have_text(f"P(deployment) = {before:.3f}")
                after = _p_deployment(page)
                assert after < before - 0.2, (before, after)
                expect(page.locator(".csto-changed")).to_contain_text("influence = 0 (default 0.6)")
                page.wait_for_timeout(500)  # let the figures arrive
                shot = tmp_path / "explorer.png"
                page.screenshot(path=str(shot))
                if target := os.environ.get("CSTO_SIM_SCREENSHOT"):
                    Path(target).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, target)

                # A bad value shows a message; the page keeps working.
                settings = page.get_by_label(SETTINGS_HELP)
                settings.fill("noise=abc")
                settings.press("Enter")
                page.get_by_role("button", name="Reset").click()
                expect(page.locator(".csto-error")).to_contain_text("noise: expected a number, got 'abc'")
                settings.fill("")
                settings.press("Enter")
                page.get_by_role("button", name="Reset").click()
                expect(shown).to_have_text(f"P(deployment) = {after:.3f}")
            finally:
                browser.close()
        code = server.interrupt()
    finally:
        server.stop()
    assert code in (0, 130), server.errors()
    assert shot.stat().st_size > 10_000
