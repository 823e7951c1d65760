// « Envoyer la demande » is sent once: the button is disabled once pressed (after the form's
// data is taken, so the browser still posts its name). A file, not inline code: the
// Content-Security-Policy allows scripts from the site only. Without JavaScript the server
// drops a duplicate anyway.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.id !== "attestation-form") return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "1";
  var button = event.submitter;
  if (button) setTimeout(function () { button.disabled = true; }, 0);
});

// Back to the form from the history (the page kept in memory): it may be sent again.
addEventListener("pageshow", function (event) {
  var form = document.getElementById("attestation-form");
  if (!event.persisted || !form) return;
  delete form.dataset.sending;
  form.querySelectorAll("button[disabled]").forEach(function (button) { button.disabled = false; });
});
