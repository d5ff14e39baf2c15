// The dashboard's small behaviours, declared in the markup instead of inline handlers (the
// Content-Security-Policy allows no inline script): confirm before a form is sent, a checkbox that
// selects all, a select that submits its form, a select that fills a text box (a template).
(function () {
  // <select data-fills="text"> with <option data-fill="...">: the chosen option's text goes into the
  // form's "text" box, announced as typing so the live counter recounts. Text the operator wrote is
  // replaced only if they say so; otherwise the previous choice comes back.
  function fill(select, opening) {
    const option = select.selectedOptions[0];
    const box = select.form && select.form.elements[select.dataset.fills];
    const text = option && option.dataset.fill;
    if (!box || text === undefined || box.value === text) {
      select.dataset.chosen = select.value;
      return;
    }
    const written = box.value.trim() && box.value !== select.dataset.filled;
    if (written && (opening || !window.confirm("Replace the text you wrote with the template \"" + option.text + "\"?"))) {
      if (opening) select.dataset.chosen = select.value;  // a form shown again keeps both as they were
      else select.value = select.dataset.chosen || "";
      return;
    }
    box.value = select.dataset.filled = text;
    select.dataset.chosen = select.value;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }
  // A page opened with a template chosen (from the template's own page) starts with its text.
  for (const select of document.querySelectorAll("select[data-fills]")) fill(select, true);

  document.addEventListener("submit", function (event) {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.dataset.selectAll) {
      for (const box of document.querySelectorAll(`input[name="${el.dataset.selectAll}"]`)) box.checked = el.checked;
    }
    if (el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
    if (el.dataset.fills) fill(el, false);
  });
})();
