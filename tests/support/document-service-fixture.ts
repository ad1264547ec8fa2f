/**
 * Test helper: a document service over the in-process bus and an in-memory registry, in a fresh
 * temp folder, with a maker of upload temp files. Everything opened is closed through `cleanup`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createDocumentService } from '../../src/documents/document-service.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { logger } from '../../src/log.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import { FakeServices } from './fake-services.ts';

type Options = Omit<Parameters<typeof createDocumentService>[0], 'bus' | 'registry' | 'uploadsDir' | 'logger'>;

export async function documentServiceFixture(cleanup: Array<() => Promise<void> | void>, opts: Partial<Options> = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-docs-'));
  const bus = createMemoryMessageBus();
  const registry = new DocumentRegistry(':memory:');
  const uploadsDir = path.join(dir, 'uploads');
  const service = await createDocumentService({ bus, registry, uploadsDir, logger: logger('test'), ...opts });
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }), () => registry.close(), () => bus.close(), () => service.close());
  let n = 0;
  /** An upload as the web hands it over: a temp file of `content`, named `originalName` by the user. */
  const temp = async (content: Buffer | string, originalName: string) => {
    const tempPath = path.join(dir, `upload-${n++}`);
    await fs.writeFile(tempPath, content);
    return { tempPath, originalName, size: Buffer.byteLength(content) };
  };
  return { bus, service, registry, temp, dir, uploadsDir };
}

/**
 * The web's document service as src/app/roles/web.ts wires it, over a given bus: a registry in
 * memory, uploads under `<dir>/uploads`, and the web's index (`reader`) reloaded before a document
 * is reported ready or deleted. The web services around it are stand-ins to fill in.
 */
export async function webDocumentService(dir: string, bus: MessageBus, reader: { reload(): Promise<unknown> }, cleanup: Array<() => unknown>) {
  const registry = new DocumentRegistry(':memory:');
  cleanup.push(() => registry.close());
  const uploadsDir = path.join(dir, 'uploads');
  const documents = await createDocumentService({ bus, registry, uploadsDir, logger: logger('test'), beforeDeleted: () => reader.reload(), beforeReady: () => reader.reload() });
  cleanup.push(() => documents.close());
  return { registry, uploadsDir, documents, services: new FakeServices() };
}
