// `vmmlab dap`: the Debug Adapter Protocol on stdin and stdout, for VS Code (editors/vscode/) and
// any other DAP client; or, with --port, a server on localhost taking one session per connection
// (for developing a client, or attaching with VS Code's "debugServer"). The adapter is dap/; this
// is its command line. Nothing else may write to stdout: it carries the protocol.

import * as net from 'node:net';
import { CliError } from '../errors.ts';
import { parseCommandLine } from '../options.ts';

export const DAP_HELP = `Usage: vmmlab dap [--port N]

The Debug Adapter Protocol on stdin and stdout: VS Code (the extension in editors/vscode/ of the
vmmlab repository) and any other DAP client start it and debug a guest through it. A launch
request takes every option of 'vmmlab run' as an attribute in camelCase ("mode": "ept",
"modules": ["primes.s"], "tlbEntries": 16, …), with "program", "cwd", "stopOnEntry", "args"
(more command-line words) and "commands" (debugger commands to run first). The debug console
takes every command of 'vmmlab debug' (translate, pt shadow, tlb, exits, …).

Options:
  --port N                  listen on 127.0.0.1:N instead, one session per connection (0: any
                            free port, printed on stderr)
  -h, --help                this help`;

const OPTIONS = { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export async function dapCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (positionals.length > 0) throw new CliError('dap takes no file: the client names the program in its launch request (see vmmlab dap --help)');
  if (values.help) {
    console.log(DAP_HELP);
    return 0;
  }
  const { VmmlabDebugSession } = await import('../../dap/session.ts');
  if (values.port === undefined) {
    const session = new VmmlabDebugSession();
    process.on('SIGTERM', () => session.shutdown());
    await new Promise<void>((resolve) => {
      process.stdin.on('end', resolve);
      session.start(process.stdin, process.stdout);
    });
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port takes a port number (got '${values.port}')`);
  const server = net.createServer((socket) => {
    const session = new VmmlabDebugSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  process.stderr.write(`vmmlab dap: listening on 127.0.0.1:${address.port}\n`);
  await new Promise<void>((resolve) => server.once('close', resolve));
  return 0;
}
