// Buttons marked data-print open the browser's print dialog (the sign-in sheet's print view).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
