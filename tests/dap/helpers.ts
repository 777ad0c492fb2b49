// Helpers for the DAP adapter's tests: an adapter in this process on a localhost port, one
// session per connection (as `vmmlab dap --port` serves), driven by @vscode/debugadapter-
// testsupport's DebugClient; the bundled kernel's launch arguments; and waiting for events.

import * as net from 'node:net';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { VmmlabDebugSession } from '../../dap/session.ts';
import { REPO } from '../debugger/helpers.ts';

export { REPO };
export const KERNEL = path.join(REPO, 'guest-programs/kernel/kernel.s');
export const USER = (file: string) => path.join(REPO, 'guest-programs/user', file);

/** A client connected to a fresh adapter in this process; `close` ends both. */
export async function connect(): Promise<{ dc: DebugClient; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    const session = new VmmlabDebugSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dc = new DebugClient('node', 'unused', 'vmmlab');
  dc.defaultTimeout = 60_000;
  await dc.start((server.address() as net.AddressInfo).port);
  return {
    dc,
    async close() {
      await dc.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The bundled kernel with one user program, small memory (boot stays short). */
export function kernelLaunch(module: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { program: KERNEL, modules: [module], memory: '4M', ...more };
}

/** Launch and configure (breakpoints first, as a client does), then wait for the first stop. */
export async function launchAndStop(dc: DebugClient, args: Record<string, unknown>, configure: () => Promise<unknown> = async () => {}): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized').then(configure).then(() => dc.configurationDoneRequest()),
    dc.launch(args),
  ]);
  return stopped;
}

/** Run a request that moves the machine, and return the stopped event that follows. */
export async function moveAndStop(dc: DebugClient, move: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await move();
  return stopped;
}

/** The top frame of a thread. */
export async function topFrame(dc: DebugClient, threadId = 1): Promise<DebugProtocol.StackFrame> {
  const r = await dc.stackTraceRequest({ threadId });
  return r.body.stackFrames[0]!;
}

/** A scope's variables by name. */
export async function scopeVariables(dc: DebugClient, frameId: number, scope: string | RegExp): Promise<Map<string, DebugProtocol.Variable>> {
  const scopes = await dc.scopesRequest({ frameId });
  const s = scopes.body.scopes.find((x) => (typeof scope === 'string' ? x.name === scope : scope.test(x.name)));
  if (!s) throw new Error(`no scope ${String(scope)}: ${scopes.body.scopes.map((x) => x.name).join(', ')}`);
  const vars = await dc.variablesRequest({ variablesReference: s.variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}
