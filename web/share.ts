// A shared link: the program (or a project's edited files) and the settings in the URL's fragment
// (#s=…), so that opening the link rebuilds the same machine. JSON, deflated (CompressionStream) where the browser can, then
// base64url. Nothing leaves the page: the fragment is never sent to the server.

import type { OptionValues } from '../session/settings.ts';

export interface Shared {
  /** The example it started from (its text is left out when unchanged). */
  readonly example: string;
  readonly path: string;
  readonly text?: string;
  /** A project's files that differ from the starter (a lab's trap.s), by path. */
  readonly files?: Readonly<Record<string, string>>;
  /** The file shown, when it is not the program. */
  readonly open?: string;
  readonly modules: readonly string[];
  readonly options: OptionValues;
  readonly breakpoints: readonly number[];
}

const VERSION = 1;

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function through(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream): Promise<Uint8Array<ArrayBuffer>> {
  const writer = stream.writable.getWriter();
  void writer.write(bytes);
  void writer.close();
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

export async function encodeShare(shared: Shared): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: VERSION, ...shared }));
  if (typeof CompressionStream === 'function') return `z${toBase64Url(await through(json, new CompressionStream('deflate-raw')))}`;
  return `j${toBase64Url(json)}`;
}

export async function decodeShare(text: string): Promise<Shared> {
  const bytes = fromBase64Url(text.slice(1));
  const json = text.startsWith('z') ? await through(bytes, new DecompressionStream('deflate-raw')) : bytes;
  const o = JSON.parse(new TextDecoder().decode(json)) as Shared & { v: number };
  if (o.v !== VERSION || typeof o.path !== 'string' || !Array.isArray(o.modules) || typeof o.options !== 'object') throw new Error('not a playground link');
  const files = o.files && typeof o.files === 'object' ? Object.fromEntries(Object.entries(o.files).filter(([, v]) => typeof v === 'string')) : undefined;
  return {
    example: String(o.example ?? ''), path: o.path, ...(typeof o.text === 'string' ? { text: o.text } : {}), ...(files ? { files } : {}), ...(typeof o.open === 'string' ? { open: o.open } : {}),
    modules: o.modules.map(String), options: o.options, breakpoints: Array.isArray(o.breakpoints) ? o.breakpoints.map(Number) : [],
  };
}
