/**
 * Tells the ZIP-based formats apart by what the archive holds, as it streams past (detect-type.ts):
 *   - PowerPoint .pptx: `[Content_Types].xml` and `ppt/presentation.xml`;
 *   - Excel .xlsx: `[Content_Types].xml` and `xl/workbook.xml`;
 *   - EPUB and OpenDocument text: the first entry is `mimetype`, stored, holding
 *     `application/epub+zip` or `application/vnd.oasis.opendocument.text` (both standards require it,
 *     so it sits at a fixed place in the first bytes).
 * Word .docx keeps its own rule in detect-type.ts. Member names are searched for in the whole stream
 * (local headers and the central directory both carry them) with a few bytes of carry, never the file.
 */
import { ODT_MEDIA_TYPE, PPTX_MEDIA_TYPE, XLSX_MEDIA_TYPE, type MediaType } from '../contracts/ingest.ts';
import { StreamSearch } from './stream-search.ts';

const search = (name: string) => new StreamSearch(Buffer.from(name, 'latin1'));
/** The name and content of a stored first entry `mimetype`: right after its 30-byte local header. */
const MIMETYPE_AT = 30;

export class ZipMembers {
  private readonly contentTypes = search('[Content_Types].xml');
  private readonly pptx = search('ppt/presentation.xml');
  private readonly xlsx = search('xl/workbook.xml');

  update(chunk: Buffer): void {
    this.contentTypes.update(chunk);
    this.pptx.update(chunk);
    this.xlsx.update(chunk);
  }

  /** The format of the archive whose first bytes are `head`, or null when it is none of these. */
  type(head: Buffer): MediaType | null {
    const first = head.toString('latin1', MIMETYPE_AT, MIMETYPE_AT + 60);
    if (first.startsWith('mimetypeapplication/epub+zip')) return 'application/epub+zip';
    if (/^mimetypeapplication\/vnd\.oasis\.opendocument\.text(?!-)/.test(first)) return ODT_MEDIA_TYPE;
    if (this.contentTypes.found && this.pptx.found) return PPTX_MEDIA_TYPE;
    if (this.contentTypes.found && this.xlsx.found) return XLSX_MEDIA_TYPE;
    return null;
  }
}
