/**
 * Test helper: writes a real OpenDocument text (.odt) with JSZip: the stored `mimetype` first, a
 * manifest, and content.xml whose body is the given XML (text:h / text:p and friends).
 */
import JSZip from 'jszip';

export const ODT_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"';

export async function makeOdt(bodyXml: string): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/vnd.oasis.opendocument.text', { compression: 'STORE' });
  zip.file('META-INF/manifest.xml', '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>');
  zip.file('content.xml', `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${ODT_NS} office:version="1.2"><office:automatic-styles/><office:body><office:text>${bodyXml}</office:text></office:body></office:document-content>`);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
