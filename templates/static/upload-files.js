// What a drop or a picker hands the Documents page, turned into the list of files to upload, each
// checked before a byte is sent. No DOM here besides the File System entries API, so the checks and
// the folder walk are tested in Node (tests/unit/upload-files.test.ts).
//
// Folders: a dropped folder is a FileSystemDirectoryEntry (DataTransferItem.webkitGetAsEntry());
// its reader's readEntries() returns at most 100 entries per call in Chromium, so it is called
// again until it returns none. Hidden files and folders (names starting with a dot: .git, .DS_Store)
// are left out and counted. The entries must be taken from the drop event at once (the browser
// empties the DataTransfer when the event ends); the walk itself runs afterwards.
//
// Checks, with the server's own lists read from the upload form's data attributes: a file passes
// with an accepted extension or media type (as the picker's `accept` does); over the per-file
// limit or empty, it is skipped with the reason. The server still judges every file by content.

/** The upload form's rules: accepted extensions and media types, the per-file limit, the sentence that names the formats. */
export function rulesFrom(form) {
  const list = (name) => (form.getAttribute(name) ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return {
    extensions: list('data-accept-extensions'),
    types: list('data-accept-types'),
    maxBytes: Number(form.getAttribute('data-max-bytes')) || Infinity,
    accepted: form.getAttribute('data-accepted') ?? '',
  };
}

/** "512 B", "12.3 KB", "4.5 MB" (binary units, as the server's limit message). */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

function extensionOf(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** Why `file` will not be uploaded, or null when it may be. */
export function skipReason(file, rules) {
  const ext = extensionOf(file.name);
  if (!rules.extensions.includes(ext) && !rules.types.includes((file.type ?? '').toLowerCase())) {
    return `not a supported type (${ext || 'no extension'}); ${rules.accepted || 'see the list above'}`;
  }
  if (file.size > rules.maxBytes) return `${formatBytes(file.size)} is over the limit of ${formatBytes(rules.maxBytes)} per file`;
  if (file.size === 0) return 'empty: choose a file with content';
  return null;
}

/** Whether a path (a/b/.git/c) names a hidden file or passes through a hidden folder. */
export function isHidden(path) {
  return path.split('/').some((part) => part.startsWith('.'));
}

/**
 * The files and entries of a drop, taken synchronously (call it inside the drop handler). An item
 * without an entry (a DataTransfer a script built) is taken as its File.
 */
export function takeDropped(dataTransfer) {
  const out = [];
  for (const item of Array.from(dataTransfer.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) out.push({ entry });
    else {
      const file = item.getAsFile();
      if (file) out.push({ file, path: file.name });
    }
  }
  if (out.length === 0) for (const file of Array.from(dataTransfer.files ?? [])) out.push({ file, path: file.name });
  return out;
}

const readBatch = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
const fileOf = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

/**
 * Walks what takeDropped took: `{files: [{file, path} | {path, error}], hidden}`, folders in full,
 * hidden names left out (counted in `hidden`). A file the browser cannot read is listed with the error.
 */
export async function walkDropped(dropped) {
  const files = [];
  let hidden = 0;
  const visit = async (entry) => {
    if (entry.name.startsWith('.')) {
      hidden++;
      return;
    }
    const path = entry.fullPath ? entry.fullPath.replace(/^\//, '') : entry.name;
    if (entry.isFile) {
      try {
        files.push({ file: await fileOf(entry), path });
      } catch (err) {
        files.push({ path, error: `could not be read (${err?.message ?? err})` });
      }
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        let batch;
        try {
          batch = await readBatch(reader);
        } catch (err) {
          files.push({ path: `${path}/`, error: `the folder could not be read (${err?.message ?? err})` });
          break;
        }
        if (batch.length === 0) break;
        for (const child of batch) await visit(child);
      }
    }
  };
  for (const d of dropped) {
    if (d.entry) await visit(d.entry);
    else if (isHidden(d.path)) hidden++;
    else files.push(d);
  }
  return { files, hidden };
}

/** The files of a picker (a folder picker's carry their path in webkitRelativePath); hidden ones counted. */
export function pickedFiles(fileList) {
  const files = [];
  let hidden = 0;
  for (const file of Array.from(fileList ?? [])) {
    const path = file.webkitRelativePath || file.name;
    if (isHidden(path)) hidden++;
    else files.push({ file, path });
  }
  return { files, hidden };
}

/** "embedding chunk 12/40 · 45%", as the document list says it (templates/documents.ts progressLabel). */
export function stageLabel(d) {
  const unit = d.stage === 'parsing' || d.stage === 'recognising' ? 'page' : d.stage === 'embedding' ? 'chunk' : '';
  const count = unit && typeof d.done === 'number' && typeof d.total === 'number' ? ` ${unit} ${d.done}/${d.total}` : '';
  return `${d.stage}${count} · ${Math.round(d.progress * 100)}%`;
}
