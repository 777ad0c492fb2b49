// Merging shard results on Node, under the names the library (index.ts) and the CLI import:
// shards.ts (platform-neutral: checking a result, combining parts) and reading a result file
// from disk (node/experiments.ts). Code that must also run in a browser imports shards.ts.

export { mergeResults, parseResult, type MergeOutcome } from './shards.ts';
export { readResult } from '../node/experiments.ts';
