/**
 * Runs async tasks one at a time, in call order. ONNX inference already uses every intra-op thread
 * it is given; running two batches at once would only oversubscribe the cores.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
