// FETCH output gathered into one write per batch: the responses of many
// messages (response text and literal octets) are joined into one Buffer, so
// a 10,000-message FETCH makes tens of socket writes instead of tens of thousands.
import type { CommandContext } from '../types.js';
import type { Piece } from './render.js';

/** Octets gathered before they are written even within a batch. */
const WRITE_AT = 1024 * 1024;

export class FetchOutput {
  private parts: Buffer[] = [];
  private text = '';
  private size = 0;
  /** Octets written since the last drain. */
  written = 0;

  constructor(private readonly ctx: CommandContext) {}

  /** Adds one message's pieces: each text ends with CRLF, each Buffer is a literal's content. */
  add(pieces: readonly Piece[]): void {
    for (const p of pieces) {
      if (typeof p === 'string') this.text += `${p}\r\n`;
      else {
        this.takeText();
        this.parts.push(p);
        this.size += p.length;
      }
    }
    if (this.size + this.text.length >= WRITE_AT) this.flush();
  }

  private takeText(): void {
    if (this.text.length === 0) return;
    const b = Buffer.from(this.text, 'utf8');
    this.parts.push(b);
    this.size += b.length;
    this.text = '';
  }

  /** Writes what is gathered as one chunk. */
  flush(): void {
    this.takeText();
    if (this.parts.length === 0) return;
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.ctx.sendBytes(chunk);
    this.written += chunk.length;
    this.parts = [];
    this.size = 0;
  }
}
