/**
 * What people may upload, as the upload pickers and the Documents page's drop zone see it before a
 * byte is sent. The server judges every file by its content (src/ingest/detect-type.ts), never by
 * its name; these names and media types are the ones that belong to the formats it reads, so the
 * page can list e.g. `photo.png` as skipped at once instead of uploading it to be refused.
 * The page reads them from data attributes of the upload form (templates/documents.ts), so this is
 * the only list.
 */
import { SUPPORTED_MEDIA_TYPES } from './ingest.ts';

/** Scans and photos, read by OCR. */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'] as const;

/** File name extensions of the supported formats (lower case, with the dot). */
export const ACCEPTED_EXTENSIONS = [
  '.pdf',
  '.docx',
  '.html',
  '.htm',
  '.md',
  '.markdown',
  '.txt',
  '.pptx',
  '.xlsx',
  '.csv',
  '.tsv',
  '.epub',
  '.odt',
  '.rtf',
  ...IMAGE_EXTENSIONS,
] as const;

/** Media types a browser may report for them (a file passes with either its extension or its type). */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = SUPPORTED_MEDIA_TYPES;

/** The sentence that ends every refusal of a file's type. */
export const ACCEPTED_FORMATS =
  'Docent accepts PDF (scans too), Word (.docx), PowerPoint (.pptx), Excel (.xlsx), CSV, EPUB, OpenDocument text (.odt), RTF, HTML, plain text, Markdown and images of text (PNG, JPEG, TIFF, WebP)';
