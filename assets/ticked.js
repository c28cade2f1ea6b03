// Enter sends, Shift+Enter makes a new line, in any textarea marked data-enter-submits.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  if (!target || !target.dataset || target.dataset.enterSubmits !== "true") return;
  event.preventDefault();
  if (target.form) target.form.requestSubmit();
});
