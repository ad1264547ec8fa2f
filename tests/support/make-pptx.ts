/**
 * Test helper: writes a real PowerPoint .pptx with JSZip: presentation.xml listing the slides (in
 * the order given, which the test may make differ from the file names), each slide a title
 * placeholder, a body text box, an optional table and a slide-number placeholder, and speaker
 * notes in a notes slide linked from the slide's relationships.
 */
import JSZip from 'jszip';

export interface SlideSpec {
  title?: string;
  body?: string[];
  notes?: string[];
  /** Rows of cells, written as an a:tbl. */
  table?: string[][];
}

const x = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const paras = (lines: string[]) => lines.map((l) => `<a:p><a:r><a:rPr lang="en-GB"/><a:t>${x(l)}</a:t></a:r></a:p>`).join('');
const shape = (ph: string | null, lines: string[]) =>
  `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${ph === null ? '' : `<p:ph type="${ph}"/>`}</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>${paras(lines)}</p:txBody></p:sp>`;
const table = (rows: string[][]) =>
  `<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="9" name="t"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr><a:graphic><a:graphicData><a:tbl>${rows
    .map((r) => `<a:tr>${r.map((c) => `<a:tc><a:txBody><a:bodyPr/>${paras([c])}</a:txBody></a:tc>`).join('')}</a:tr>`)
    .join('')}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`;

/**
 * A .pptx of `slides`. Slide i is stored as `ppt/slides/slide<fileNumbers[i]>.xml` (default i+1),
 * so a test can check that the presentation's order, not the file names, decides.
 */
export async function makePptx(slides: SlideSpec[], fileNumbers = slides.map((_, i) => i + 1)): Promise<Buffer> {
  const zip = new JSZip();
  const overrides = slides.map((_, i) => `<Override PartName="/ppt/slides/slide${fileNumbers[i]}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>`).join('');
  zip.file('[Content_Types].xml', `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>${overrides}</Types>`);
  zip.file('_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="ppt/presentation.xml"/></Relationships>`);
  const ids = slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 10}"/>`).join('');
  zip.file('ppt/presentation.xml', `<?xml version="1.0" encoding="UTF-8"?><p:presentation ${NS}><p:sldIdLst>${ids}</p:sldIdLst></p:presentation>`);
  const rels = slides.map((_, i) => `<Relationship Id="rId${i + 10}" Type="${REL}/slide" Target="slides/slide${fileNumbers[i]}.xml"/>`).join('');
  zip.file('ppt/_rels/presentation.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`);
  slides.forEach((s, i) => {
    const n = fileNumbers[i]!;
    const shapes = [s.title === undefined ? '' : shape('title', [s.title]), s.body ? shape(null, s.body) : '', s.table ? table(s.table) : '', shape('sldNum', [String(i + 1)])].join('');
    zip.file(`ppt/slides/slide${n}.xml`, `<?xml version="1.0" encoding="UTF-8"?><p:sld ${NS}><p:cSld><p:spTree>${shapes}</p:spTree></p:cSld></p:sld>`);
    if (s.notes) {
      zip.file(`ppt/slides/_rels/slide${n}.xml.rels`, `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="${REL}/notesSlide" Target="../notesSlides/notesSlide${n}.xml"/></Relationships>`);
      zip.file(`ppt/notesSlides/notesSlide${n}.xml`, `<?xml version="1.0" encoding="UTF-8"?><p:notes ${NS}><p:cSld><p:spTree>${shape('sldImg', [])}${shape('body', s.notes)}${shape('sldNum', [String(i + 1)])}</p:spTree></p:cSld></p:notes>`);
    }
  });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
