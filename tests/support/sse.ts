/** Reads a Server-Sent Events response: events as they arrive (data JSON-decoded), or all of them. */
export interface SseEvent {
  event: string;
  data: unknown;
  /** Ms since `startedAt` when this event arrived. */
  at: number;
}

/** Yields each event as soon as its block is complete; leaving the loop stops reading. */
export async function* sseEvents(res: Response, startedAt = Date.now()): AsyncGenerator<SseEvent> {
  if (!res.body) throw new Error('response has no body');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      yield { event, data: JSON.parse(data.join('\n')) as unknown, at: Date.now() - startedAt };
    }
  }
}

export async function readSse(res: Response, startedAt: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of sseEvents(res, startedAt)) events.push(e);
  return events;
}
