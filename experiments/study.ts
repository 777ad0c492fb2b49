// The study API on Node, under the names the library (index.ts) and the CLI import: plan.ts
// (checking a study and expanding its cells, platform-neutral) and reading a study file from disk
// (node/experiments.ts). Code that must also run in a browser imports plan.ts.

export * from './plan.ts';
export { loadStudy, readStudyFile } from '../node/experiments.ts';
