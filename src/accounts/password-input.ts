/**
 * Reading a password for the users CLI: from a terminal without echo (raw mode: Enter ends it,
 * Backspace deletes, Ctrl-C or Ctrl-D gives up), or from a pipe one line at a time.
 */
import readline from 'node:readline';

/** A line reader over a non-terminal stream: each call takes the next line (without its newline). */
export function pipedLines(input: NodeJS.ReadableStream): () => Promise<string> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return async () => {
    const next = await lines.next();
    if (next.done) throw new Error('no password on stdin: send it as the first line');
    return next.value;
  };
}

/** Asks on the terminal without echoing what is typed. */
export function askHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    let typed = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (err?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}
