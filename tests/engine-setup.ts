// Vitest setup (vitest.config.ts): VMMLAB_ENGINE=jit runs every suite on the translating engine
// (every Machine and every VM's CPU is created with it), VMMLAB_JIT_HOT=N sets its compile
// threshold (1: compile every entry the first time it is reached). Unset: the interpreter.

import { parseEngine, setDefaultEngine, setDefaultJitHotThreshold } from '../emulator/cpu.ts';

if (process.env.VMMLAB_ENGINE) setDefaultEngine(parseEngine(process.env.VMMLAB_ENGINE));
if (process.env.VMMLAB_JIT_HOT) setDefaultJitHotThreshold(Number(process.env.VMMLAB_JIT_HOT));
