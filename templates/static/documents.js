// Documents page: clears the file picker after a successful upload (htmx swaps the result message;
// the list reloads itself on the documents-changed event).
document.addEventListener('htmx:after:request', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id !== 'upload-form') return;
  const status = event.detail?.ctx?.response?.status;
  if (status !== undefined && status < 400) form.reset();
});
