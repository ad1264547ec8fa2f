/**
 * Numbers retrieved passages for a prompt the way Docent's own answers cite them: "[1] name, p. 3
 * (Install > Linux)" then the passage text, so a LangChain chain can ask its model to cite [n].
 */
import type { DocumentInterface } from '@langchain/core/documents';
import type { DocentPassageMetadata } from './docent-retriever.ts';

export function formatDocentSources(documents: DocumentInterface<DocentPassageMetadata>[]): string {
  return documents
    .map((doc, i) => {
      const { documentName, page, headingPath } = doc.metadata;
      const where = [documentName, page !== null ? `p. ${page}` : null].filter((s) => s !== null).join(', ');
      return `[${i + 1}] ${where}${headingPath ? ` (${headingPath})` : ''}\n${doc.pageContent}`;
    })
    .join('\n\n');
}
