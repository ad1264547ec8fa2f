/**
 * Collections on the wire: the id every message and index directory uses for one. An id is short,
 * lower-case and slug-safe (it names a directory under VECTORSTORE_DIR/collections/); `general`
 * is the fixed id of the collection every install has and every document from before collections
 * belongs to. Messages from before collections carry no collection: they mean `general`.
 */
import { z } from 'zod';

export const GENERAL_COLLECTION_ID = 'general';
export const GENERAL_COLLECTION_NAME = 'General';

export const collectionIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a collection id is 1-40 lower-case letters, digits or dashes');
