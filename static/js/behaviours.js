// The dashboard's small behaviours, declared in the markup instead of inline handlers (the
// Content-Security-Policy allows no inline script): confirm before a form is sent, a checkbox that
// selects all, a select that submits its form.
(function () {
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
  });
})();
