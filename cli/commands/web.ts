// `vmmlab web [--port N] [--open]`: serve the playground (dist/web/, built by bin/build.js and
// shipped in the package) on localhost and print its URL. A static file server of the folder and
// nothing more: the playground runs entirely in the browser, so the same folder works from any
// static host (`npm run build:web`). Ctrl-C stops it.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PACKAGE_ROOT } from '../../config/bundled.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { parseCommandLine, parseCount } from '../options.ts';

export const WEB_HELP = `Usage: vmmlab web [--port N] [--host ADDR] [--open]

Serve the playground on this machine and print its URL: vmmlab in the browser, with an editor,
the run controls, the registers, the page-table trees of the guest, the shadow and the EPT, the
two-dimensional walk, the TLB, the VM exit log, the three modes side by side, and the studies.
Everything runs in the page (a Web Worker); this command only serves its files. Ctrl-C stops it.

The same site as a folder for any static host: npm run build:web (in a checkout).

Options:
  --port N       the port (default 8032; 0 picks a free one)
  --host ADDR    the address to listen on (default 127.0.0.1: this machine only)
  --open         open the page in the default browser
  -h, --help     this text`;

export const WEB_DIR = path.join(PACKAGE_ROOT, 'dist', 'web');
const DEFAULT_PORT = 8032;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A server of `dir`'s files (GET and HEAD; `/` is index.html); nothing outside `dir` is served. */
export function webServer(dir: string = WEB_DIR): http.Server {
  return http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (name.endsWith('/')) name += 'index.html';
    const file = path.join(dir, path.normalize(name));
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
}

function openBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`vmmlab: could not open a browser (${command}); open ${url} yourself\n`));
  child.unref();
}

export async function webCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    open: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(WEB_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError('web takes no file (see vmmlab web --help)');
  const port = parseCount('port', values.port, DEFAULT_PORT);
  if (port > 65535) throw new CliError(`--port takes 0 to 65535 (got ${port})`);
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) throw new CliError(`the playground is not built (${WEB_DIR} is missing): run npm run build in the checkout`, EXIT_CODES.INPUT);
  const host = values.host ?? '127.0.0.1';
  const server = webServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new CliError(e.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0 for a free one)` : `cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`;
  console.log(`vmmlab playground: ${url}  (Ctrl-C stops it)`);
  if (values.open) openBrowser(url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close();
      server.closeAllConnections();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
