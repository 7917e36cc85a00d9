// Live validation (see LiveValidationMixin in neighbourhoods/forms.py) replaces only the error
// box of the field the user left and of the fields that depend on it, never an input. Keep
// each input's aria-invalid and aria-describedby (Django's "<id>_error" list) in step with
// those errors, so screen readers hear what the page shows.
htmx.onLoad((element) => {
  if (!element.classList || !element.classList.contains("field-errors") || !element.id) {
    return;
  }
  const field = element.closest(".field");
  if (!field) {
    return;
  }
  const invalid = element.querySelector(".errorlist li") !== null;
  const errorId = element.id.replace(/_errors$/, "_error");
  for (const input of field.querySelectorAll("input, select, textarea")) {
    if (invalid) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }
  // A group of choices is described on its fieldset, another field on its input.
  const described = field.querySelector("fieldset") || field.querySelector("input, select, textarea");
  if (!described) {
    return;
  }
  const ids = (described.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const others = ids.filter((id) => id !== errorId);
  const wanted = invalid ? [...others, errorId] : others;
  if (wanted.length) {
    described.setAttribute("aria-describedby", wanted.join(" "));
  } else {
    described.removeAttribute("aria-describedby");
  }
});

// A filter applied by HTMX pushes its URL; the language switcher then returns to that URL, so
// switching language keeps the filter.
document.body.addEventListener("htmx:pushedIntoHistory", () => {
  for (const next of document.querySelectorAll("form.language-switcher input[name=next]")) {
    next.value = window.location.pathname + window.location.search;
  }
});
