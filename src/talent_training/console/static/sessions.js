// The attendance sheet's "Print" button: shown only where a script runs (without one, the browser's own
// print command prints the same page).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
