// The screen model on the calling thread: for unit tests, which run from
// source where there is no built worker file, and small enough to read as
// the reference for what the worker does.
import { Backlog, type ScreenModel } from './screen-model.js';
import { type ReportedColours, ScreenState } from './screen-state.js';

export class InlineScreenModel implements ScreenModel {
  readonly state: ScreenState;
  private readonly backlog = new Backlog();
  private readonly replyListeners: ((reply: string, position: number) => void)[] = [];

  constructor(cols: number, rows: number) {
    this.state = new ScreenState(cols, rows, (reply, position) => {
      for (const listener of this.replyListeners) listener(reply, position);
    });
  }

  feed(chunk: Buffer): boolean {
    const bytes = chunk.byteLength;
    this.state.write(Buffer.from(chunk), () => this.backlog.done(bytes));
    return this.backlog.add(bytes);
  }

  onDrain(listener: () => void): void {
    this.backlog.onDrain(listener);
  }

  endWrite(): void {
    // Every feed is a write of its own here.
  }

  resize(cols: number, rows: number): void {
    void this.state.resize(cols, rows);
  }

  snapshot(options = { scrollback: true }): Promise<string> {
    return this.state.snapshot(options.scrollback);
  }

  resetSequence(): Promise<string> {
    return this.state.resetSequence();
  }

  setColours(colours: Partial<ReportedColours>): void {
    this.state.setColours(colours);
  }

  onReply(listener: (reply: string, position: number) => void): void {
    this.replyListeners.push(listener);
  }

  close(): void {
    this.state.dispose();
  }
}
