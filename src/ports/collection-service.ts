/**
 * The collections port: named sets of documents, each searched on its own. A document may belong
 * to several collections; everywhere a collection is named (query, body) its id or its name is
 * accepted. src/documents/collection-service.ts implements it.
 */
export interface CollectionView {
  id: string;
  name: string;
  description: string;
  createdAt: number;
  /** Documents that belong to it. */
  documents: number;
}

export interface CollectionDeleted {
  collection: CollectionView;
  /** Documents deleted with it (they belonged to no other collection). */
  documentsDeleted: number;
  /** Documents that stay because they belong to other collections too. */
  documentsKept: number;
}

export interface CollectionService {
  list(): CollectionView[];
  /** By id, else by name (case ignored). Throws NotFoundError naming it. */
  get(idOrName: string): CollectionView;
  /** Each by id or name, duplicates dropped; throws NotFoundError naming the first unknown one. */
  resolve(idsOrNames: readonly string[]): CollectionView[];
  /** Throws InvalidInputError for an empty, too long or duplicate name. */
  create(input: { name: unknown; description?: unknown }): CollectionView;
  /** Renames and/or describes; fields left out stay. */
  update(idOrName: string, input: { name?: unknown; description?: unknown }): CollectionView;
  /**
   * Removes the collection: its documents leave its index (delete jobs, so every answer worker's
   * index drops them), and documents in no other collection are deleted.
   */
  delete(idOrName: string): Promise<CollectionDeleted>;
  /**
   * Moves a document into `to` without embedding it again; `from` is needed when it is in several
   * collections. Returns the ids of the collections it is in afterwards.
   */
  moveDocument(documentId: string, input: { to: string; from?: string | undefined }): Promise<{ id: string; collections: string[] }>;
}
