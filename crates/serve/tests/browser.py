"""Drives `authdoctor serve` in a real browser: Debian's chromium through chromedriver.

Run by crates/authdoctor/tests/serve_browser.rs with the venv's python:
    browser.py BASE_URL SCREENSHOT_DIR AXE_JS

Each check raises on failure; the last line printed is the plain count
'N passed, 0 failed'. Screenshots of every main view go to SCREENSHOT_DIR.
"""

import json
import os
import sys
import tempfile
import time
import traceback
import urllib.parse

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch anything

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, SHOTS, AXE_PATH = sys.argv[1], sys.argv[2], sys.argv[3]
ORIGIN = BASE.rstrip("/")
AXE = open(AXE_PATH, encoding="utf-8").read()
PAGE_WEIGHT_LIMIT = 150 * 1024

DEBUG_LOG = """2024-03-05 10:12:01,100 botocore.utils DEBUG PUT /latest/api/token HTTP/1.1
2024-03-05 10:12:02,101 botocore.utils DEBUG Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Read timeout on endpoint URL: "http://169.254.169.254/latest/api/token"
2024-03-05 10:12:03,102 botocore.utils DEBUG Metadata service returned non-200 response with status code of 401 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/
2024-03-05 10:12:03,103 botocore.credentials DEBUG Looking for credentials via: iam-role
botocore.exceptions.NoCredentialsError: Unable to locate credentials"""


def make_driver(javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="authdoctor-chromium-")
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--window-size=1200,900",
        "--user-data-dir=" + profile,
    ]:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def requested_urls(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_only_served_origin(driver, where):
    for url in requested_urls(driver):
        if not url.startswith(("http:", "https:", "ws:", "wss:")):
            continue  # data: images, the browser's own chrome:// pages
        assert url.startswith(ORIGIN + "/") or url == ORIGIN, f"{where}: request to {url}"


def axe(driver, where):
    """0 serious or critical violations, in the light and the dark scheme."""
    for scheme in ["light", "dark"]:
        driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        driver.execute_script(AXE)
        violations = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
            " help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
        )
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{where} ({scheme}): axe: {json.dumps(bad, indent=1)}"
        minor = [v["id"] for v in violations]
        if minor:
            print(f"  axe {where} ({scheme}): minor/moderate only: {minor}")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(max(height, 900), 6000))
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
    driver.set_window_size(1200, 900)


def wait(driver, condition, what, timeout=10):
    try:
        return WebDriverWait(driver, timeout).until(lambda d: condition(d))
    except Exception as e:
        raise AssertionError(f"timed out waiting for {what}") from e


def visible(driver, css):
    return [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def test_symptom_to_fix_tabs_and_copy(driver):
    driver.get(BASE)
    assert "What specific error symptom are you experiencing?" in driver.find_element(By.TAG_NAME, "h1").text
    weight = driver.execute_script(
        "const nav = performance.getEntriesByType('navigation')[0];"
        "const res = performance.getEntriesByType('resource');"
        "return nav.decodedBodySize + res.reduce((s, r) => s + r.decodedBodySize, 0);"
    )
    print(f"  page weight of /: {weight} bytes uncompressed")
    assert 0 < weight < PAGE_WEIGHT_LIMIT, f"/ weighs {weight} bytes"
    assert_only_served_origin(driver, "/")
    shot(driver, "1-symptoms")
    axe(driver, "/")
    first = driver.find_element(By.CSS_SELECTOR, "ul.symptoms a")
    target = first.get_attribute("href")
    first.click()
    wait(driver, lambda d: d.current_url == target, "the scenario page")
    log = driver.find_element(By.CSS_SELECTOR, "pre.log")
    assert log.text.strip(), "no example log"
    assert driver.find_elements(By.CSS_SELECTOR, "pre.log mark"), "key signal not marked"
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    assert "Root cause" in headings and "The fix" in headings, headings
    # The script turned the two shell sections into tabs: bash shown first.
    tabs = visible(driver, '[role="tab"]')
    assert [t.text for t in tabs] == ["bash", "PowerShell"], [t.text for t in tabs]
    assert visible(driver, '[data-shell-panel="bash"]')
    assert not visible(driver, '[data-shell-panel="powershell"]')
    shot(driver, "2-scenario")
    tabs[1].click()
    assert tabs[1].get_attribute("aria-selected") == "true"
    assert not visible(driver, '[data-shell-panel="bash"]')
    panel = visible(driver, '[data-shell-panel="powershell"]')[0]
    shot(driver, "3-scenario-powershell")
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": ORIGIN, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    button = panel.find_element(By.CSS_SELECTOR, "button.copy")
    code = driver.find_element(By.ID, button.get_attribute("data-copy-target")).text
    button.click()
    wait(driver, lambda d: button.get_attribute("data-copied") == "true", "the copy button's state")
    assert button.text == "Copied"
    clipboard = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, e => done('unreadable: ' + e));"
    )
    assert clipboard == code, f"clipboard {clipboard!r} != command {code!r}"
    print(f"  copied PowerShell command: {code[:60]!r}")
    axe(driver, "scenario")
    assert_only_served_origin(driver, "scenario")


def test_paste_debug_log_live_and_result(driver):
    driver.get(BASE + "/explain")
    area = driver.find_element(By.ID, "paste-text")
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        area,
        DEBUG_LOG,
    )
    area.send_keys(" ")
    live = driver.find_element(By.ID, "live-result")
    wait(driver, lambda d: "Looks like" in live.text, "the live diagnosis")
    print(f"  live: {live.text[:100]!r}")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver, lambda d: d.find_elements(By.ID, "your-text"), "the result page")
    causes = driver.find_elements(By.CSS_SELECTOR, "#your-text mark.cause")
    assert causes, "no cause marked in the pasted text"
    print(f"  cause marked: {[c.text for c in causes][:3]}")
    assert driver.find_elements(By.CSS_SELECTOR, "article.finding h2")
    story = driver.find_elements(By.CSS_SELECTOR, "ol.story li")
    assert story, "no story for a debug log"
    shot(driver, "4-explain-result")
    axe(driver, "explain result")
    assert_only_served_origin(driver, "explain")


def test_simulate_and_decode_forms(driver):
    for path, name in [("/simulate", "5-simulate"), ("/decode", "6-decode")]:
        driver.get(BASE + path)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "details"), f"the {path} result")
        h1 = driver.find_element(By.TAG_NAME, "h1").text
        assert h1, path
        print(f"  {path}: {h1!r}")
        shot(driver, name)
        axe(driver, path)


def test_keyboard_only(driver):
    driver.get(BASE)
    body = driver.find_element(By.TAG_NAME, "body")
    body.click()
    actions = ActionChains(driver)

    def tab_until(predicate, what, limit=250, shift=False):
        for _ in range(limit):
            if shift:
                ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
            else:
                ActionChains(driver).send_keys(Keys.TAB).perform()
            if driver.execute_script(predicate):
                return
        raise AssertionError(f"keyboard never reached {what}")

    driver.get(BASE)
    tab_until("return document.activeElement.classList.contains('skip')", "the skip link", limit=3)
    tab_until("return document.activeElement.matches('ul.symptoms a')", "a symptom")
    href = driver.execute_script("return document.activeElement.getAttribute('href')")
    actions.send_keys(Keys.ENTER).perform()
    wait(driver, lambda d: d.current_url.endswith(href), "the scenario page by keyboard")
    tab_until("return document.activeElement.getAttribute('role') === 'tab'", "the shell tabs")
    # The tab of the shell chosen last (kept for the session) has the focus; the
    # arrow key moves to the other one and shows its commands.
    before = driver.execute_script("return document.activeElement.dataset.shell")
    other = "bash" if before == "powershell" else "powershell"
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    selected = driver.execute_script("return document.activeElement.dataset.shell")
    assert selected == other, (before, selected)
    assert visible(driver, f'[data-shell-panel="{other}"]')
    assert not visible(driver, f'[data-shell-panel="{before}"]')
    driver.get(BASE)
    tab_until("return document.activeElement.id === 'paste-text'", "the paste box")
    ActionChains(driver).send_keys("An error occurred (ExpiredToken) when calling the GetObject operation").perform()
    tab_until("return document.activeElement.type === 'submit'", "the Explain button", limit=5)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "article.finding"), "the result by keyboard")
    assert "expired-token" in driver.find_element(By.CSS_SELECTOR, "article.finding").text


def test_without_javascript():
    driver = make_driver(javascript=False)
    try:
        driver.get(BASE)
        assert driver.execute_script is not None
        link = driver.find_element(By.CSS_SELECTOR, 'a[href="/scenarios/imds-hop-limit"]')
        link.click()
        # Without the script both shells are shown, each under its heading.
        assert visible(driver, '[data-shell-panel="bash"]')
        assert visible(driver, '[data-shell-panel="powershell"]')
        assert not visible(driver, '[role="tablist"]')
        assert not visible(driver, "button.copy")
        shot(driver, "7-scenario-no-javascript")
        driver.get(BASE)
        area = driver.find_element(By.ID, "paste-text")
        area.send_keys("An error occurred (ExpiredToken) when calling the GetObject operation: The provided token has expired.")
        area.find_element(By.XPATH, "ancestor::form").submit()
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "article.finding"), "the no-JS result")
        assert driver.find_elements(By.CSS_SELECTOR, "#your-text mark")
        assert "expired-token" in driver.page_source
        shot(driver, "8-explain-no-javascript")
        assert_only_served_origin(driver, "no-JS")
    finally:
        driver.quit()


def test_phone_width(driver):
    driver.set_window_size(390, 844)
    for path in ["/", "/scenarios/imds-hop-limit"]:
        driver.get(BASE + path)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
    driver.save_screenshot(os.path.join(SHOTS, "9-phone.png"))
    driver.set_window_size(1200, 900)


def main():
    passed = failed = 0
    driver = make_driver()
    try:
        tests = [
            lambda: test_symptom_to_fix_tabs_and_copy(driver),
            lambda: test_paste_debug_log_live_and_result(driver),
            lambda: test_simulate_and_decode_forms(driver),
            lambda: test_keyboard_only(driver),
            lambda: test_phone_width(driver),
            test_without_javascript,
        ]
        names = ["symptom_to_fix_tabs_and_copy", "paste_debug_log_live_and_result",
                 "simulate_and_decode_forms", "keyboard_only", "phone_width", "without_javascript"]
        for name, test in zip(names, tests):
            started = time.monotonic()
            try:
                test()
                passed += 1
                print(f"ok   {name} ({time.monotonic() - started:.1f}s)")
            except Exception:
                failed += 1
                print(f"FAIL {name}")
                traceback.print_exc()
    finally:
        driver.quit()
    print(f"browser: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
