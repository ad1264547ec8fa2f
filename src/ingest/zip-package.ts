/**
 * Opens a ZIP-based document (.pptx, .xlsx, .epub, .odt) for its parser: zip-limits.ts first
 * checks the entry count and what every entry unpacks to, stated and real, so a zip bomb is refused
 * with a reason before JSZip unpacks anything; then the parts are read one at a time as text.
 *
 * Also the small helpers these parsers share: an XML reader on htmlparser2 in XML mode (streaming
 * callbacks, nesting capped as in html-depth-cap.ts so parsing stays linear in the part), package
 * relationships (`_rels/*.rels`) and the resolution of a relative part name against its source.
 * The XML reader resolves no DTD and no external entity (htmlparser2 knows only the predefined and
 * HTML entities), so an entity-expansion bomb or a reference to a local file expands to nothing.
 */
import type JSZip from 'jszip';
import { errorMessage, InvalidInputError } from '../errors.ts';
import { DepthCappedParser } from './html-depth-cap.ts';
import { assertZipWithinLimits, DOCX_ZIP_LIMITS, type ZipFormat, type ZipLimits } from './zip-limits.ts';

export interface ZipPackage {
  /** The part's text (UTF-8), or null when the archive has no such part. */
  text(name: string): Promise<string | null>;
  /** The part's bytes, or null when the archive has no such part. */
  bytes(name: string): Promise<Uint8Array | null>;
  /** Every part name, in archive order. */
  names(): string[];
}

/** @throws InvalidInputError when the archive is damaged or a zip bomb. */
export async function openZipPackage(bytes: Uint8Array, format: ZipFormat, limits: ZipLimits = DOCX_ZIP_LIMITS): Promise<ZipPackage> {
  await assertZipWithinLimits(bytes, limits, format);
  const { default: JSZipClass } = await import('jszip');
  let zip: JSZip;
  try {
    zip = await JSZipClass.loadAsync(bytes);
  } catch (err) {
    throw new InvalidInputError(`${format.document} could not be read (${errorMessage(err)})`, { code: 'unreadable', cause: err });
  }
  const read = async <T extends 'string' | 'uint8array'>(name: string, as: T) => {
    const file = zip.file(name.replace(/^\//, ''));
    if (!file) return null;
    try {
      return await file.async(as);
    } catch (err) {
      throw new InvalidInputError(`${format.document} could not be read (${name}: ${errorMessage(err)})`, { code: 'unreadable', cause: err });
    }
  };
  return {
    text: (name) => read(name, 'string'),
    bytes: (name) => read(name, 'uint8array'),
    names: () => Object.keys(zip.files).filter((n) => !zip.files[n]!.dir),
  };
}

export interface XmlHandlers {
  onopentag?(name: string, attrs: Record<string, string>): void;
  ontext?(text: string): void;
  onclosetag?(name: string): void;
}

/** Reads XML with streaming callbacks; names keep their prefixes (`a:t`, `text:h`). */
export function readXml(xml: string, handlers: XmlHandlers): void {
  const parser = new DepthCappedParser(handlers, { xmlMode: true, decodeEntities: true });
  parser.write(xml);
  parser.end();
}

/** A part name without its namespace prefix: `a:t` -> `t`. */
export const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/** `target` as seen from the part `source` (OPC/EPUB relative references), without a fragment. */
export function resolvePart(source: string, target: string): string {
  const clean = decodeURIComponentSafe(target.replace(/#.*$/, ''));
  if (clean.startsWith('/')) return clean.slice(1);
  const parts = source.split('/').slice(0, -1);
  for (const seg of clean.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The relationships of `part` (from its `_rels/<name>.rels`): id -> resolved target and type. */
export async function relationships(pkg: ZipPackage, part: string): Promise<Map<string, { target: string; type: string }>> {
  const slash = part.lastIndexOf('/');
  const relsName = `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
  const xml = await pkg.text(relsName);
  const out = new Map<string, { target: string; type: string }>();
  if (xml === null) return out;
  readXml(xml, {
    onopentag(name, attrs) {
      if (localName(name) !== 'Relationship' || attrs.TargetMode === 'External' || !attrs.Id || !attrs.Target) return;
      out.set(attrs.Id, { target: resolvePart(part, attrs.Target), type: attrs.Type ?? '' });
    },
  });
  return out;
}
