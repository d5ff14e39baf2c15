// The live counter asks the server's own quote (the rules that charge), debounced as you type.
(function () {
  const script = document.currentScript;
  const url = script.dataset.quoteUrl;
  const text = document.querySelector("textarea[data-counter]");
  const counter = document.getElementById("counter");
  if (!text || !counter) return;
  const conversion = document.querySelector("[name=conversion]");
  const numbers = document.querySelector("[name=numbers]");
  let timer = null;
  let asked = 0; // answers can come back out of order: only the latest question's is shown

  function show(data) {
    for (const el of counter.querySelectorAll("[data-k]")) {
      const key = el.dataset.k;
      if (key === "unicode_chars") {
        el.textContent = data.unicode_chars.length ? "UCS-2 because of: " + data.unicode_chars.join(" ") : "";
      } else {
        el.textContent = data[key];
      }
    }
    counter.classList.toggle("too-long", data.too_long);
    const total = counter.querySelector("[data-total]");
    if (total) {
      total.textContent = data.total !== undefined
        ? " · " + data.total + " credits for " + data.recipients + " recipient(s)" + (data.invalid ? " (" + data.invalid + " invalid)" : "")
        : "";
    }
    const warning = counter.querySelector("[data-warning]");
    if (warning) {
      warning.textContent = data.too_long ? " · too long to send"
        : data.number_error ? " · " + data.number_error
        : data.segments > 1 && data.remaining < 10 ? " · " + data.remaining + " characters left before another part" : "";
    }
  }

  function ask() {
    const first = (numbers && numbers.value.split(/[\r\n,;]+/).map((n) => n.trim()).find(Boolean)) || "";
    const params = new URLSearchParams({ text: text.value, conversion: conversion ? conversion.value : "0", to: first });
    if (numbers && numbers.value.length <= 20000) params.set("numbers", numbers.value); // a URL stays short
    const mine = ++asked;
    fetch(url + "?" + params, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => { if (mine === asked && !data.error) show(data); });
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 150); }
  text.addEventListener("input", later);
  if (conversion) conversion.addEventListener("change", ask);
  if (numbers) { numbers.addEventListener("change", ask); numbers.addEventListener("input", later); }
  ask();
})();
