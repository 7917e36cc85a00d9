"""What the browser tests share: the interface text expected in a language, the language
switch, the check for content too wide for the screen and the accessibility check."""

from __future__ import annotations

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext, trans_real
from playwright.sync_api import LocatorAssertions, Page, expect

from tests.browser.conftest import PageProblems

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SOURCE_LANGUAGE = "en"  # the language the interface strings are written in

# Horizontal overflow on a phone. A stylesheet rule such as `overflow-x: hidden` would stop
# the page scrolling sideways but cut off whatever is too wide, and make `scrollWidth` equal
# the viewport however wide the content is. So besides the scroll width this lists the
# visible elements that reach past the right edge of the viewport (ignoring those inside a
# box that scrolls or clips on its own), and those that start left of it (but for the skip
# link, which waits there until it gets the focus).
LAYOUT_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const ownScroller = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el) => {
    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls}> "${text}"`;
  };
  const tooWide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || ownScroller(el)) continue;
    if (box.right > width + 1) {
      tooWide.push(`${describe(el)} reaches ${Math.round(box.right)}px`);
    } else if (box.left < -1 && !el.closest(".skip-link")) {
      tooWide.push(`${describe(el)} starts at ${Math.round(box.left)}px`);
    }
  }
  return {
    scrollWidth: root.scrollWidth,
    innerWidth: window.innerWidth,
    tooWide: tooWide.slice(0, 10),
  };
}"""


def translated(language: str, message: str, **values: object) -> str:
    """`message` as the compiled catalogue of `language` has it, with `values` filled in.

    The interface is written in English; for any other language the message must be in the
    catalogue, or the expectation would silently be the English text.
    """
    if language != SOURCE_LANGUAGE:
        assert message in catalogue(language), (
            f"the {language} catalogue has no translation for {message!r}: a string in the "
            f"templates that is not (or no longer) in locale/{language}/LC_MESSAGES/django.po"
        )
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def layout_problems(page: Page, page_problems: PageProblems, where: str) -> list[str]:
    """What on the current page is wider than the screen, each named with `where`."""
    page_problems.assert_none(where)
    layout = page.evaluate(LAYOUT_JS)
    problems = [f"{where}: {element}" for element in layout["tooWide"]]
    if layout["scrollWidth"] > layout["innerWidth"]:
        problems.insert(
            0, f"{where}: scrollWidth {layout['scrollWidth']} > innerWidth {layout['innerWidth']}"
        )
    return problems


def catalogue(language: str) -> trans_real.TranslationCatalog:
    """The compiled messages of `language`: Django's own and ours (locale/)."""
    return getattr(trans_real.translation(language), "_catalog")  # noqa: B009


def translated_plural(language: str, singular: str, plural: str, count: int) -> str:
    """Like `translated`, for a message with a plural form (`blocktranslate count`)."""
    if language != SOURCE_LANGUAGE:
        assert (singular, 0) in catalogue(language), (
            f"the {language} catalogue has no translation for {singular!r}/{plural!r}"
        )
    with translation.override(language):
        return ngettext(singular, plural, count) % {"counter": count}


def html_lang(page: Page) -> LocatorAssertions:
    return expect(page.locator("html"))


def switch_language(page: Page, language: str) -> None:
    """Press the language's button in the language switcher and wait for the page in it."""
    button = page.locator(f'form.language-switcher button[value="{language}"]')
    expect(button).to_have_text(language.upper())
    path = urlsplit(page.url).path
    # Wait for the page to come back: the button may be the active language's already.
    with page.expect_navigation():
        button.click()
    html_lang(page).to_have_attribute("lang", language)
    # The switcher sends the browser back to the page it was on.
    assert urlsplit(page.url).path == path
    active = page.locator('form.language-switcher button[aria-current="true"]')
    expect(active).to_have_attribute("value", language)


HTMX_IDLE_JS = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def wait_for_htmx(page: Page) -> None:
    """Wait until no HTMX request is on its way and every answer is swapped in."""
    page.wait_for_function(HTMX_IDLE_JS)


# The impacts of an accessibility violation that fail a test; axe's "minor" and "moderate"
# findings are left to review.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def accessibility_problems(page: Page, where: str) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now.

    The axe script comes with the Python package and is run through the browser's debugging
    protocol, which the page's Content-Security-Policy does not govern.
    """
    violations = Axe().run(page).response["violations"]
    return [
        f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}: "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in violations
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def assert_accessible(page: Page, where: str = "the page") -> None:
    """Fail if axe-core finds a serious or critical accessibility violation on the page."""
    problems = accessibility_problems(page, where)
    assert not problems, "accessibility violations:\n" + "\n".join(problems)
