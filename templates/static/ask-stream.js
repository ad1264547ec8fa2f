// The Server-Sent Events reader of the Ask page (for ./ask.js): the answer arrives as the body of a
// fetch POST, which EventSource cannot send, so the stream is read here.
// Minimal SSE reader: events are separated by a blank line; we only send `event:` and one `data:`.

export async function readStream(body, onBlock) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (data !== '') onBlock(event, JSON.parse(data));
    }
  }
}
