// Vitest setup (vitest.config.ts): VMMLAB_ENGINE=interp|jit picks the engine every Machine and
// every VM's CPU is created with (project `interp` sets interp, project `jit` jit), VMMLAB_JIT_HOT=N
// sets the translating engine's compile threshold (1: compile every entry the first time it is
// reached). Unset: the library's default, the translating engine.

import { parseEngine, setDefaultEngine, setDefaultJitHotThreshold } from '../emulator/cpu.ts';

if (process.env.VMMLAB_ENGINE) setDefaultEngine(parseEngine(process.env.VMMLAB_ENGINE));
if (process.env.VMMLAB_JIT_HOT) setDefaultJitHotThreshold(Number(process.env.VMMLAB_JIT_HOT));
