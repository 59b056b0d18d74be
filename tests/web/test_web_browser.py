"""The pages in a real headless Chromium (Debian's /usr/bin/chromium via Playwright),
against `trialscout serve` started on a free loopback port over the demo store.

Skipped only when Chromium is absent outside CI; in CI (`CI` set) a missing browser fails.
Set TRIALSCOUT_SCREENSHOTS=1 to write the screenshots into docs/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SEED = "NCT07332247"

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs the chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_db: Path) -> Iterator[str]:
    _need_browser()
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from trialscout.cli.main import app; app()",
            "serve",
            "--port",
            str(port),
            "--db",
            str(demo_db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"trialscout serve exited early: {out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("trialscout serve did not start within 60 s")
    yield url
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    # The address is printed; nothing typed into a form reaches the server's output.
    assert f"http://127.0.0.1:{port}/" in out
    assert "QUALIFY_SECRET_MARKER" not in out


@pytest.fixture(scope="module")
def browser_page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def _shot(page: Any, name: str, tmp_path: Path, full: bool = False) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=full)
    if os.environ.get("TRIALSCOUT_SCREENSHOTS"):
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / name), full_page=full)


def test_trial_page_check_if_i_qualify(browser_page: Any, server: str, tmp_path: Path) -> None:
    page = browser_page
    page.goto(f"{server}/trials/{SEED}")
    assert "Locally Advanced Recurrent NPC" in page.title()
    assert page.locator("#extracted").is_visible()
    _shot(page, "trial-page.png", tmp_path)
    page.get_by_label("Age").fill("52")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Cancer diagnosis").fill("nasopharyngeal carcinoma")
    page.get_by_label("ECOG performance status").select_option("1")
    page.locator("#f_lab_hemoglobin").fill("12.5")
    page.locator("#f_lab_hemoglobin_unit").select_option("g/dL")
    page.get_by_label("Have you had a CTLA-4 inhibitor?").select_option("no")
    page.locator("#qualify-submit").click()
    verdict = page.locator("#verdict-word")
    verdict.wait_for()
    assert any(w in verdict.inner_text() for w in ("ELIGIBLE", "POSSIBLY"))
    items = page.locator("#criteria-results > li")
    assert items.count() >= 20
    met = page.locator('#criteria-results li[data-status="met"]')
    assert met.count() >= 2  # age 18-70 and ECOG 0-1
    assert "inc-1" in met.first.inner_text()
    assert page.locator("#open-questions li").count() >= 1
    # Still on the same page: the result came in by htmx, not a navigation.
    assert page.url.endswith(f"/trials/{SEED}")
    page.locator("#verdict").scroll_into_view_if_needed()
    _shot(page, "qualify-result.png", tmp_path)


def test_search_and_open_a_result(browser_page: Any, server: str, tmp_path: Path) -> None:
    page = browser_page
    page.goto(f"{server}/search")
    page.get_by_label("Words", exact=False).first.fill("nasopharyngeal carcinoma")
    page.get_by_role("button", name="Search", exact=True).click()
    from playwright.sync_api import expect

    expect(page.locator("#result-count")).to_contain_text("trials found")
    assert "q=nasopharyngeal" in page.url  # htmx pushed the query into the address
    _shot(page, "search.png", tmp_path)
    first = page.locator("#results .results li a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert "/trials/NCT" in page.url
    assert page.locator("h1").first.inner_text() == title


def test_patient_upload(browser_page: Any, server: str, tmp_path: Path) -> None:
    page = browser_page
    page.goto(f"{server}/patient")
    page.get_by_label("Profile file").set_input_files(
        str(ROOT / "tests" / "fixtures" / "web" / "npc_profile.json")
    )
    page.get_by_role("button", name="Find trials").click()
    page.locator("#ranked-list").wait_for()
    assert page.locator("#ranked-list > li").count() >= 1
    assert "text match #" in page.locator("#ranked-list .rank-reason").first.inner_text()
    page.locator("#ranked").scroll_into_view_if_needed()
    _shot(page, "patient-page.png", tmp_path)
    page.get_by_label("Profile file").set_input_files(
        str(ROOT / "tests" / "fixtures" / "web" / "bad_profile.json")
    )
    page.get_by_role("button", name="Find trials").click()
    page.locator("#upload-error").wait_for()
    assert "labz" in page.locator("#upload-error").inner_text()


def test_patient_pasted_note(browser_page: Any, server: str, tmp_path: Path) -> None:
    page = browser_page
    page.goto(f"{server}/patient")
    note = (ROOT / "tests" / "fixtures" / "patient" / "notes" / "npc_note.txt").read_text()
    page.get_by_label("Or paste a note").fill(note)
    assert page.get_by_label("Trial status").input_value() == ""  # every status by default
    page.get_by_role("button", name="Find trials").click()
    page.locator("#note-facts").wait_for()
    facts = page.locator("#note-facts").inner_text()
    assert "ECOG 1." in facts and "No history of HIV." in facts
    assert page.locator("#ranked-list > li").count() >= 1
    assert page.url.endswith("/patient")  # came in by htmx
    _shot(page, "patient-note.png", tmp_path)


def test_phone_width_has_no_horizontal_scroll(browser_page: Any, server: str) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto(f"{server}/trials/{SEED}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1
    finally:
        page.set_viewport_size({"width": 1200, "height": 900})
