// The Ask form's settings and collection chooser (for ./ask.js): the sampling settings read from the
// form (empty: the default), the presets that set temperature, top-p and top-k and show which one the
// controls match, and the collections checked (none: all) with the line saying what the chat asks over.
const SETTINGS = ['temperature', 'topK', 'topP', 'maxTokens', 'k', 'repeatPenalty', 'seed'];

export function readSettings(form) {
  const settings = {};
  for (const name of SETTINGS) {
    const value = form.elements.namedItem(name).value.trim();
    // Empty means "use the default" (seed: random); anything else goes as a number so the
    // server can say precisely what is out of range.
    if (value !== '') settings[name] = Number(value);
  }
  return settings;
}

// The collection chooser: the ids checked (none: all), and the line saying what the chat asks over.
const collectionBoxes = (form) => Array.from(form.querySelectorAll('input[name=collections]'));
export function readCollections(form) {
  return collectionBoxes(form).filter((b) => b.checked).map((b) => b.value);
}
export function showCollections(form) {
  const line = document.getElementById('collections-summary');
  if (!line) return;
  const names = collectionBoxes(form).filter((b) => b.checked).map((b) => b.dataset.name);
  line.textContent = names.length === 0 ? 'all collections' : names.join(', ');
}

export function applyPreset(form, button) {
  const values = JSON.parse(button.dataset.values);
  // A preset sets the sampling controls; the ones it does not name go back to their defaults.
  for (const name of ['temperature', 'topP', 'topK']) {
    const input = form.elements.namedItem(name);
    input.value = String(values[name] ?? input.dataset.default);
  }
  syncPresets(form);
}

/** Marks the preset the sampling controls match now (none after a hand-made change). */
export function syncPresets(form) {
  for (const b of form.querySelectorAll('.preset')) {
    const values = JSON.parse(b.dataset.values);
    const matches = ['temperature', 'topP', 'topK'].every((name) => {
      const input = form.elements.namedItem(name);
      return Number(input.value) === Number(values[name] ?? input.dataset.default);
    });
    b.setAttribute('aria-pressed', String(matches));
  }
}
