// Live validation (see LiveValidationMixin in neighbourhoods/forms.py) replaces only the errors
// of a field that depends on the one the user left, never its input. Keep the input's
// aria-invalid in step with those errors, so screen readers hear what the page shows.
htmx.onLoad((element) => {
  if (!element.classList || !element.classList.contains("field-errors")) {
    return;
  }
  const field = element.closest(".field");
  if (!field) {
    return;
  }
  const invalid = element.querySelector(".errorlist li") !== null;
  for (const input of field.querySelectorAll("input, select, textarea")) {
    if (invalid) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }
});
