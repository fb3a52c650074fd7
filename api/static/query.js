// With JavaScript, choosing an example fills the editor in place instead of reloading the page;
// without it, the example's link loads the page with the query in the editor.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.example");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const editor = document.getElementById("query");
  editor.value = link.dataset.query;
  editor.focus();
  editor.setSelectionRange(0, 0);
  editor.scrollTop = 0;
});

// After a parser error, the cursor is put where the query stops, so the reader can fix it there.
document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("query");
  if (!editor || editor.dataset.errorOffset === undefined) return;
  const at = Math.min(Number(editor.dataset.errorOffset), editor.value.length);
  editor.setSelectionRange(at, Math.min(at + 1, editor.value.length));
});
