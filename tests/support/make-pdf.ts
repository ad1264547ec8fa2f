/**
 * Test helper: writes a small, valid multi-page PDF with real text, so tests need no binary fixtures.
 *
 * Each string in `pages` becomes one page; `\n` starts a new line. Text is drawn in Helvetica
 * (a standard font every reader knows, so nothing is embedded) with WinAnsiEncoding, which covers
 * Latin-1; other characters are replaced by `?`. An empty string gives a page with a drawn box and
 * no text at all, which is what a scanned page looks like to a text extractor.
 *
 * The cross-reference table is written with the real byte offsets of every object, so strict
 * readers (pdf.js inside pdf-parse) read the file without falling back to reconstruction.
 *
 * `{ passwordProtected: true }` adds a standard security handler whose user password is unknown
 * (arbitrary /O and /U entries), so readers ask for a password; the content is not really
 * encrypted, which does not matter because a reader must refuse before reading it.
 */

/** Escapes a line for a PDF literal string and folds it to Latin-1. */
function pdfString(line: string): string {
  let out = '';
  for (const ch of line) {
    const code = ch.codePointAt(0) ?? 63;
    const c = code > 0xff ? '?' : ch;
    out += c === '\\' || c === '(' || c === ')' ? `\\${c}` : c;
  }
  return `(${out})`;
}

function pageContent(text: string): string {
  if (text === '') return '0.5 w 72 72 468 648 re S\n';
  const lines = text.split('\n').map((l) => `${pdfString(l)} Tj T*`);
  return `BT /F1 12 Tf 14 TL 72 720 Td\n${lines.join('\n')}\nET\n`;
}

/** Builds the PDF bytes for the given page texts (at least one page). */
export function makePdf(pages: string[], opts: { passwordProtected?: boolean } = {}): Buffer {
  if (pages.length === 0) throw new Error('makePdf needs at least one page');
  // Object numbers: 1 catalog, 2 page tree, 3 font, then (page, content) pairs.
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  pages.forEach((text, i) => {
    const pageId = 4 + i * 2;
    const content = pageContent(text);
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`;
  });

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = length;
    const buf = Buffer.from(`${id} 0 obj\n${objects[id]}\nendobj\n`, 'latin1');
    parts.push(buf);
    length += buf.length;
  }
  let encrypt = '';
  if (opts.passwordProtected) {
    const id = objects.length;
    const hex32 = (b: number) => `<${b.toString(16).padStart(2, '0').repeat(32)}>`;
    objects.push(`<< /Filter /Standard /V 1 /R 2 /Length 40 /O ${hex32(0x4f)} /U ${hex32(0x55)} /P -44 >>`);
    offsets[id] = length;
    const buf = Buffer.from(`${id} 0 obj\n${objects[id]}\nendobj\n`, 'latin1');
    parts.push(buf);
    length += buf.length;
    encrypt = ` /Encrypt ${id} 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]`;
  }
  const xrefAt = length;
  const rows = offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`);
  parts.push(
    Buffer.from(
      `xref\n0 ${objects.length}\n0000000000 65535 f \n${rows.join('')}` +
        `trailer\n<< /Size ${objects.length} /Root 1 0 R${encrypt} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}
