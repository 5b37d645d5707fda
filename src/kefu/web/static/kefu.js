// Page behaviour that used to sit in inline handlers (the CSP allows no inline script):
// <form data-confirm="…"> asks first; <button data-print> prints the page.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form && form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
document.addEventListener("click", function (event) {
  var button = event.target && event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});
