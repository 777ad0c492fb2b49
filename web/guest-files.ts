// The programs the playground ships, as a map of virtual paths to texts: guest-programs/ (the
// kernel, the user programs and their library, the examples, the studies) and the bench guests.
// The build (bin/build.js) replaces this module with the files themselves; from the sources
// (tests in Node) it reads them from the checkout.

import { guestFilesFromDisk } from './guest-files-node.ts';

export const GUEST_FILES: Readonly<Record<string, string>> = guestFilesFromDisk();
