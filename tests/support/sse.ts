/** Reads a Server-Sent Events response into a list of {event, data} (data JSON-decoded). */
export interface SseEvent {
  event: string;
  data: unknown;
  /** Ms since the request started when this event arrived. */
  at: number;
}

export async function readSse(res: Response, startedAt: number): Promise<SseEvent[]> {
  if (!res.body) throw new Error('response has no body');
  const events: SseEvent[] = [];
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
      events.push({ event, data: JSON.parse(data.join('\n')) as unknown, at: Date.now() - startedAt });
    }
  }
  return events;
}
