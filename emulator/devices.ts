// Memory-mapped devices: the console and the power-off register, in the device region of
// isa/README.md ("Devices"). Word accesses only. A Devices object belongs to one machine (or,
// under a VMM, to one VM: each VM's console output is its own).
//
// Devices never see virtual addresses and never trap themselves: an access they do not
// recognise returns false / undefined and the caller raises BUS_ERROR.

import { DEVICE } from '../isa/arch.ts';

/** The byte a console's input ends with (^D, as xv6 and a terminal's end of file). */
export const END_OF_INPUT = 0x04;

export class Console {
  private readonly out: number[] = [];
  private readonly input: number[] = [];
  private inputPos = 0;
  /** Total bytes ever written, for statistics. */
  bytesWritten = 0;

  transmit(byte: number): void {
    this.out.push(byte & 0xff);
    this.bytesWritten++;
  }

  /** The next input byte, or -1 when none is waiting. */
  receive(): number {
    return this.inputPos < this.input.length ? this.input[this.inputPos++]! : -1;
  }

  hasInput(): boolean {
    return this.inputPos < this.input.length;
  }

  /** The input bytes queued and not read yet (a copy). */
  pendingInput(): Uint8Array {
    return Uint8Array.from(this.input.slice(this.inputPos));
  }

  feed(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    for (const b of bytes) this.input.push(b);
  }

  /** Take the output produced since the last drain. */
  drain(): Uint8Array {
    const chunk = Uint8Array.from(this.out);
    this.out.length = 0;
    return chunk;
  }

  /** The same, as text: UTF-8 (a bad sequence becomes U+FFFD), or latin1 (one character a byte). */
  drainText(encoding: 'utf8' | 'latin1' = 'utf8'): string {
    const chunk = this.drain();
    if (encoding === 'utf8') return new TextDecoder('utf-8', { ignoreBOM: true }).decode(chunk);
    let text = '';
    for (let i = 0; i < chunk.length; i += 8192) text += String.fromCharCode(...chunk.subarray(i, i + 8192));
    return text;
  }
}

export class Devices {
  readonly console = new Console();
  /** Set when the guest writes POWER_OFF. */
  poweredOff = false;
  exitCode = 0;

  /** Read a device word; undefined when nothing answers at that address. */
  read(physAddr: number): number | undefined {
    switch (physAddr >>> 0) {
      case DEVICE.CONSOLE_TX:
      case DEVICE.POWER_OFF:
        return 0;
      case DEVICE.CONSOLE_RX:
        return this.console.receive() | 0;
      case DEVICE.CONSOLE_STATUS:
        return (this.console.hasInput() ? 1 : 0) | 2;
      default:
        return undefined;
    }
  }

  /** Write a device word; false when nothing answers at that address. */
  write(physAddr: number, value: number): boolean {
    switch (physAddr >>> 0) {
      case DEVICE.CONSOLE_TX:
        this.console.transmit(value);
        return true;
      case DEVICE.POWER_OFF:
        this.poweredOff = true;
        this.exitCode = value | 0;
        return true;
      case DEVICE.CONSOLE_RX:
      case DEVICE.CONSOLE_STATUS:
        return true;
      default:
        return false;
    }
  }
}
