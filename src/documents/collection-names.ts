/**
 * What a collection may be called: any text (markup included: it is shown as text everywhere),
 * trimmed, 1-80 characters, no line breaks or control characters, unique among collections without
 * regard to case ("Manuals" and "manuals" are one name). Ids are short random lower-case slugs,
 * safe as a directory name (contracts/collection.ts).
 */
import { randomInt } from 'node:crypto';
import { InvalidInputError } from '../errors.ts';

export const MAX_COLLECTION_NAME_CHARS = 80;
export const MAX_COLLECTION_DESCRIPTION_CHARS = 1000;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The name as stored: trimmed and in Unicode NFC; throws InvalidInputError (400) saying what is wrong. */
export function cleanCollectionName(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInputError('Give the collection a name: "name" must be text.', { code: 'collection_name' });
  const name = value.normalize('NFC').trim();
  if (name === '') throw new InvalidInputError('Give the collection a name: the name is empty.', { code: 'collection_name' });
  const chars = [...name].length;
  if (chars > MAX_COLLECTION_NAME_CHARS) {
    throw new InvalidInputError(`The collection name is too long: ${chars} characters, the limit is ${MAX_COLLECTION_NAME_CHARS}.`, { code: 'collection_name' });
  }
  if (CONTROL.test(name)) throw new InvalidInputError('The collection name cannot contain line breaks or control characters.', { code: 'collection_name' });
  return name;
}

/** The description as stored (empty when absent); throws InvalidInputError when it is not text or too long. */
export function cleanCollectionDescription(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InvalidInputError('"description" must be text.', { code: 'collection_description' });
  const text = value.normalize('NFC').trim();
  const chars = [...text].length;
  if (chars > MAX_COLLECTION_DESCRIPTION_CHARS) {
    throw new InvalidInputError(`The description is too long: ${chars} characters, the limit is ${MAX_COLLECTION_DESCRIPTION_CHARS}.`, { code: 'collection_description' });
  }
  return text;
}

/** The key two names are compared by: case folded, so uniqueness ignores case. */
export function collectionNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A new random collection id: 10 characters of a lower-case alphabet without look-alikes. */
export function newCollectionId(): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}
