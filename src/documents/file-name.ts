/**
 * The display name of an uploaded file. Never used as a path (files are stored under their content
 * hash), but shown in lists, citations and logs, so it is made safe to show:
 *   - only the last path segment, whole: "a/b/report.pdf" and "C:\x\report.pdf" become "report.pdf";
 *   - no control characters (C0, DEL, C1) and no bidirectional overrides or marks (U+202A-U+202E,
 *     U+2066-U+2069, U+200E/U+200F), which can make "exe.pdf" look like "fdp.exe";
 *   - at most 200 characters; a longer name loses the end of its stem, never its extension, and
 *     is never cut inside a character.
 */
const MAX_CHARS = 200;

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function cleanName(original: string): string {
  const segments = original.replace(UNSAFE, '').split(/[\\/]/).map((s) => s.trim()).filter((s) => s !== '' && s !== '.' && s !== '..');
  const base = segments.at(-1) ?? '';
  if (base === '') return 'untitled';
  const chars = [...base];
  if (chars.length <= MAX_CHARS) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 16 ? [...base.slice(dot)] : [];
  return [...chars.slice(0, MAX_CHARS - ext.length - 1), '…', ...ext].join('');
}
