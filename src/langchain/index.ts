/**
 * Docent as LangChain components (`import { DocentRetriever, DocentEmbeddings } from
 * 'docent/langchain'`): a retriever over a running Docent's index that returns `Document`s with
 * Docent's source metadata, and Docent's embedding model as `Embeddings`. See docs/api.md,
 * "Using Docent from LangChain". Runs in the caller's process; nothing of the service imports it.
 */
export { DocentRetriever, type DocentPassageMetadata, type DocentRetrieverInput } from './docent-retriever.ts';
export { DocentEmbeddings } from './docent-embeddings.ts';
export { formatDocentSources } from './format-sources.ts';
