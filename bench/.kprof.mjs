var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// bench/engines.ts
import { fileURLToPath as fileURLToPath2 } from "node:url";

// assembler/diagnostics.ts
function invocationCol(expansion, col) {
  let at = col;
  for (let ex = expansion; ex; ex = ex.outer) {
    const span = ex.argSpans.find((s) => at >= s.start && at < s.start + Math.max(1, s.length));
    if (!span) return void 0;
    at = span.sourceCol + (at - span.start);
  }
  return at;
}
var Diagnostics = class {
  ranked = [];
  seen = /* @__PURE__ */ new Set();
  errors = 0;
  error(loc, col, message) {
    this.add(loc, col, message, "error");
  }
  warning(loc, col, message) {
    this.add(loc, col, message, "warning");
  }
  /** Take over another collection's diagnostics (a layout pass keeps its own until it is chosen). */
  addAll(other) {
    for (const r of other.ranked) this.add(r.loc, r.col, r.message, r.diagnostic.severity);
  }
  get errorCount() {
    return this.errors;
  }
  /** All diagnostics, in reading order (then by column). */
  sorted() {
    return [...this.ranked].sort((a, b) => a.seq - b.seq || a.diagnostic.col - b.diagnostic.col || a.order - b.order).map((r) => r.diagnostic);
  }
  add(loc, col, message, severity) {
    const ex = loc.expansion;
    const located = ex ? { col: invocationCol(ex, col) ?? ex.col, message: `${message} (in macro '${ex.macro}', ${ex.bodyFile}:${ex.bodyLine})` } : { col: Math.max(1, col), message };
    const key = `${loc.file}\0${loc.line}\0${located.col}\0${located.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (severity === "error") this.errors++;
    this.ranked.push({
      diagnostic: { file: loc.file, line: loc.line, col: located.col, message: located.message, sourceLine: loc.text, severity },
      loc,
      col,
      message,
      seq: loc.seq,
      order: this.ranked.length
    });
  }
};
var ANSI = { bold: "\x1B[1m", red: "\x1B[31m", magenta: "\x1B[35m", green: "\x1B[32m", reset: "\x1B[0m" };
function formatDiagnostic(d, color = false) {
  const paint = (code, s) => color ? `${code}${s}${ANSI.reset}` : s;
  const label = d.severity === "error" ? paint(ANSI.bold + ANSI.red, "error:") : paint(ANSI.bold + ANSI.magenta, "warning:");
  const head = `${paint(ANSI.bold, `${d.file}:${d.line}:${d.col}:`)} ${label} ${paint(ANSI.bold, d.message)}`;
  const padding = d.sourceLine.slice(0, Math.max(0, d.col - 1)).replace(/[^\t]/g, " ");
  return `${head}
  ${d.sourceLine}
  ${padding}${paint(ANSI.bold + ANSI.green, "^")}`;
}
function closestName(word, candidates) {
  let best;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(word.length / 2)));
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > bestDistance) continue;
    const d = editDistance(word, candidate);
    if (d < bestDistance || d === bestDistance && best === void 0) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
function editDistance(a, b) {
  let before = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length];
}

// assembler/paths.ts
var SEPARATOR = /[\\/]+/;
function isAbsolute(p) {
  return /^([\\/]|[A-Za-z]:[\\/])/.test(p);
}
function dirname(p) {
  const i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
  if (i < 0) return ".";
  if (i === 0) return p[0];
  if (/^[A-Za-z]:$/.test(p.slice(0, i))) return p.slice(0, i + 1);
  return p.slice(0, i);
}
function normalize(p) {
  const root = /^[A-Za-z]:[\\/]/.test(p) ? `${p.slice(0, 2)}/` : /^[\\/]/.test(p) ? "/" : "";
  const parts = [];
  for (const part of p.slice(root.length).split(SEPARATOR)) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || root === "") parts.push(part);
  }
  const body = parts.join("/");
  return root + body || (root === "" ? "." : root);
}
function join(dir, name) {
  return normalize(`${dir}/${name}`);
}

// isa/table.ts
var FIELDS = {
  op: { hi: 31, lo: 26, kind: "uimm" },
  rd: { hi: 25, lo: 22, kind: "reg" },
  rs1: { hi: 21, lo: 18, kind: "reg" },
  rs2: { hi: 17, lo: 14, kind: "reg" },
  imm18: { hi: 17, lo: 0, kind: "simm" },
  shamt: { hi: 4, lo: 0, kind: "uimm" },
  imm22: { hi: 21, lo: 0, kind: "uimm" },
  // Stores and branches read two registers and write none: their first register sits where rd
  // sits in the other formats, so that every register field keeps one position per format.
  srcA: { hi: 25, lo: 22, kind: "reg" },
  srcB: { hi: 21, lo: 18, kind: "reg" },
  boff18: { hi: 17, lo: 0, kind: "woff" },
  joff22: { hi: 21, lo: 0, kind: "woff" },
  crn: { hi: 4, lo: 0, kind: "cr" },
  code: { hi: 15, lo: 0, kind: "uimm" }
};
var FORMATS = {
  R: { fields: ["rd", "rs1", "rs2"], syntax: "rd, rs1, rs2" },
  I: { fields: ["rd", "rs1", "imm18"], syntax: "rd, rs1, imm18" },
  SH: { fields: ["rd", "rs1", "shamt"], syntax: "rd, rs1, shamt" },
  L: { fields: ["rd", "rs1", "imm18"], syntax: "rd, imm18(rs1)" },
  S: { fields: ["srcA", "srcB", "imm18"], syntax: "srcA, imm18(srcB)" },
  B: { fields: ["srcA", "srcB", "boff18"], syntax: "srcA, srcB, boff18" },
  U: { fields: ["rd", "imm22"], syntax: "rd, imm22" },
  J: { fields: ["rd", "joff22"], syntax: "rd, joff22" },
  JR: { fields: ["rd", "rs1", "imm18"], syntax: "rd, imm18(rs1)" },
  MF: { fields: ["rd", "crn"], syntax: "rd, crn" },
  MT: { fields: ["crn", "rs1"], syntax: "crn, rs1" },
  XC: { fields: ["rd", "crn", "rs1"], syntax: "rd, crn, rs1" },
  INV: { fields: ["rs1"], syntax: "rs1" },
  CODE: { fields: ["code"], syntax: "code" },
  NONE: { fields: [], syntax: "" }
};
var OP_SYS = 62;
var INSTRUCTIONS = [
  // ALU register-register
  { mnemonic: "add", format: "R", opcode: 1, cls: "alu", cycles: 1, summary: "rd = rs1 + rs2 (wraps modulo 2^32)" },
  { mnemonic: "sub", format: "R", opcode: 2, cls: "alu", cycles: 1, summary: "rd = rs1 - rs2 (wraps modulo 2^32)" },
  { mnemonic: "and", format: "R", opcode: 3, cls: "alu", cycles: 1, summary: "rd = rs1 & rs2" },
  { mnemonic: "or", format: "R", opcode: 4, cls: "alu", cycles: 1, summary: "rd = rs1 | rs2" },
  { mnemonic: "xor", format: "R", opcode: 5, cls: "alu", cycles: 1, summary: "rd = rs1 ^ rs2" },
  { mnemonic: "sll", format: "R", opcode: 6, cls: "alu", cycles: 1, summary: "rd = rs1 << rs2; a shift of 32 or more gives 0" },
  { mnemonic: "srl", format: "R", opcode: 7, cls: "alu", cycles: 1, summary: "rd = rs1 >>> rs2 (logical); a shift of 32 or more gives 0" },
  { mnemonic: "sra", format: "R", opcode: 8, cls: "alu", cycles: 1, summary: "rd = rs1 >> rs2 (arithmetic); a shift of 32 or more fills with the sign bit" },
  { mnemonic: "slt", format: "R", opcode: 9, cls: "alu", cycles: 1, summary: "rd = (rs1 < rs2, signed) ? 1 : 0" },
  { mnemonic: "sltu", format: "R", opcode: 10, cls: "alu", cycles: 1, summary: "rd = (rs1 < rs2, unsigned) ? 1 : 0" },
  { mnemonic: "mul", format: "R", opcode: 11, cls: "mul", cycles: 3, summary: "rd = low 32 bits of rs1 * rs2" },
  { mnemonic: "mulh", format: "R", opcode: 12, cls: "mul", cycles: 3, summary: "rd = high 32 bits of signed rs1 * signed rs2" },
  { mnemonic: "mulhu", format: "R", opcode: 13, cls: "mul", cycles: 3, summary: "rd = high 32 bits of unsigned rs1 * unsigned rs2" },
  { mnemonic: "div", format: "R", opcode: 14, cls: "div", cycles: 20, summary: "rd = rs1 / rs2 signed, toward zero; /0 gives -1; -2^31 / -1 gives -2^31" },
  { mnemonic: "divu", format: "R", opcode: 15, cls: "div", cycles: 20, summary: "rd = rs1 / rs2 unsigned; /0 gives 0xffffffff" },
  { mnemonic: "rem", format: "R", opcode: 16, cls: "div", cycles: 20, summary: "rd = rs1 % rs2 signed (sign of rs1); %0 gives rs1; -2^31 % -1 gives 0" },
  { mnemonic: "remu", format: "R", opcode: 17, cls: "div", cycles: 20, summary: "rd = rs1 % rs2 unsigned; %0 gives rs1" },
  // ALU register-immediate (imm18 is sign-extended)
  { mnemonic: "addi", format: "I", opcode: 18, cls: "alu", cycles: 1, summary: "rd = rs1 + sext(imm18)" },
  { mnemonic: "andi", format: "I", opcode: 19, cls: "alu", cycles: 1, summary: "rd = rs1 & sext(imm18)" },
  { mnemonic: "ori", format: "I", opcode: 20, cls: "alu", cycles: 1, summary: "rd = rs1 | sext(imm18)" },
  { mnemonic: "xori", format: "I", opcode: 21, cls: "alu", cycles: 1, summary: "rd = rs1 ^ sext(imm18)" },
  { mnemonic: "slti", format: "I", opcode: 22, cls: "alu", cycles: 1, summary: "rd = (rs1 < sext(imm18), signed) ? 1 : 0" },
  { mnemonic: "sltiu", format: "I", opcode: 23, cls: "alu", cycles: 1, summary: "rd = (rs1 < sext(imm18), unsigned) ? 1 : 0" },
  { mnemonic: "slli", format: "SH", opcode: 24, cls: "alu", cycles: 1, summary: "rd = rs1 << shamt" },
  { mnemonic: "srli", format: "SH", opcode: 25, cls: "alu", cycles: 1, summary: "rd = rs1 >>> shamt" },
  { mnemonic: "srai", format: "SH", opcode: 26, cls: "alu", cycles: 1, summary: "rd = rs1 >> shamt (arithmetic)" },
  { mnemonic: "lui", format: "U", opcode: 27, cls: "alu", cycles: 1, summary: "rd = imm22 << 10" },
  { mnemonic: "auipc", format: "U", opcode: 28, cls: "alu", cycles: 1, summary: "rd = pc + (imm22 << 10)" },
  // Loads and stores: address = rs1 + sext(imm18); halves and words must be aligned
  { mnemonic: "lb", format: "L", opcode: 32, cls: "load", cycles: 1, summary: "rd = sext(mem8[rs1 + imm])" },
  { mnemonic: "lh", format: "L", opcode: 33, cls: "load", cycles: 1, summary: "rd = sext(mem16[rs1 + imm])" },
  { mnemonic: "lw", format: "L", opcode: 34, cls: "load", cycles: 1, summary: "rd = mem32[rs1 + imm]" },
  { mnemonic: "lbu", format: "L", opcode: 35, cls: "load", cycles: 1, summary: "rd = zext(mem8[rs1 + imm])" },
  { mnemonic: "lhu", format: "L", opcode: 36, cls: "load", cycles: 1, summary: "rd = zext(mem16[rs1 + imm])" },
  { mnemonic: "sb", format: "S", opcode: 37, cls: "store", cycles: 1, summary: "mem8[rs1 + imm] = low 8 bits of rs2" },
  { mnemonic: "sh", format: "S", opcode: 38, cls: "store", cycles: 1, summary: "mem16[rs1 + imm] = low 16 bits of rs2" },
  { mnemonic: "sw", format: "S", opcode: 39, cls: "store", cycles: 1, summary: "mem32[rs1 + imm] = rs2" },
  // Branches: target = pc + 4 * sext(boff18)
  { mnemonic: "beq", format: "B", opcode: 40, cls: "branch", cycles: 1, summary: "if rs1 == rs2: pc = pc + 4 * off" },
  { mnemonic: "bne", format: "B", opcode: 41, cls: "branch", cycles: 1, summary: "if rs1 != rs2: pc = pc + 4 * off" },
  { mnemonic: "blt", format: "B", opcode: 42, cls: "branch", cycles: 1, summary: "if rs1 < rs2 (signed): pc = pc + 4 * off" },
  { mnemonic: "bge", format: "B", opcode: 43, cls: "branch", cycles: 1, summary: "if rs1 >= rs2 (signed): pc = pc + 4 * off" },
  { mnemonic: "bltu", format: "B", opcode: 44, cls: "branch", cycles: 1, summary: "if rs1 < rs2 (unsigned): pc = pc + 4 * off" },
  { mnemonic: "bgeu", format: "B", opcode: 45, cls: "branch", cycles: 1, summary: "if rs1 >= rs2 (unsigned): pc = pc + 4 * off" },
  // Jumps
  { mnemonic: "jal", format: "J", opcode: 48, cls: "jump", cycles: 1, summary: "rd = pc + 4; pc = pc + 4 * sext(joff22)" },
  { mnemonic: "jalr", format: "JR", opcode: 49, cls: "jump", cycles: 1, summary: "rd = pc + 4; pc = (rs1 + sext(imm18)) & ~3" },
  // Control registers and the MMU (privileged)
  { mnemonic: "mfcr", format: "MF", opcode: 56, cls: "cr", cycles: 1, privileged: true, summary: "rd = CR[crn] (CYCLE, INSTRET and their high halves are readable in user mode)" },
  { mnemonic: "mtcr", format: "MT", opcode: 57, cls: "cr", cycles: 1, privileged: true, summary: "CR[crn] = rs1 (read-only registers ignore the write)" },
  { mnemonic: "mxcr", format: "XC", opcode: 59, cls: "cr", cycles: 1, privileged: true, summary: "exchange: rd = old CR[crn]; CR[crn] = rs1 (rd may equal rs1: `mxcr sp, scratch, sp` swaps)" },
  { mnemonic: "invlpg", format: "INV", opcode: 58, cls: "system", cycles: 2, privileged: true, summary: "drop every TLB entry that maps the page holding virtual address rs1, in every ASID" },
  // The SYS group: opcode 0x3e, the low bits select the instruction
  { mnemonic: "syscall", format: "NONE", opcode: OP_SYS, funct: 0, cls: "system", cycles: 1, summary: "trap with cause SYSCALL; EPC = pc of the syscall" },
  { mnemonic: "break", format: "NONE", opcode: OP_SYS, funct: 1, cls: "system", cycles: 1, summary: "trap with cause BREAKPOINT; EPC = pc of the break" },
  { mnemonic: "eret", format: "NONE", opcode: OP_SYS, funct: 2, cls: "system", cycles: 1, privileged: true, summary: "return from trap: pc = EPC; MODE = PMODE; IE = PIE" },
  { mnemonic: "wfi", format: "NONE", opcode: OP_SYS, funct: 3, cls: "system", cycles: 1, privileged: true, summary: "wait until an interrupt is pending" },
  { mnemonic: "tlbflush", format: "NONE", opcode: OP_SYS, funct: 4, cls: "system", cycles: 2, privileged: true, summary: "drop every TLB entry, Global ones included" },
  { mnemonic: "hcall", format: "CODE", opcode: OP_SYS, funct: 65536, cls: "system", cycles: 1, privileged: true, summary: "hypercall: VM exit with the code (illegal instruction on bare metal)" }
];
var PSEUDOS = [
  { mnemonic: "nop", syntax: "", expansion: ["addi zero, zero, 0"], summary: "do nothing" },
  { mnemonic: "li", syntax: "rd, value", expansion: ["lui rd, %hi(value)", "addi rd, rd, %lo(value)"], summary: "rd = any 32-bit constant" },
  { mnemonic: "la", syntax: "rd, symbol", expansion: ["lui rd, %hi(symbol)", "addi rd, rd, %lo(symbol)"], summary: "rd = address of symbol" },
  { mnemonic: "mv", syntax: "rd, rs", expansion: ["addi rd, rs, 0"], summary: "rd = rs" },
  { mnemonic: "not", syntax: "rd, rs", expansion: ["xori rd, rs, -1"], summary: "rd = ~rs" },
  { mnemonic: "neg", syntax: "rd, rs", expansion: ["sub rd, zero, rs"], summary: "rd = -rs" },
  { mnemonic: "seqz", syntax: "rd, rs", expansion: ["sltiu rd, rs, 1"], summary: "rd = (rs == 0)" },
  { mnemonic: "snez", syntax: "rd, rs", expansion: ["sltu rd, zero, rs"], summary: "rd = (rs != 0)" },
  { mnemonic: "j", syntax: "target", expansion: ["jal zero, target"], summary: "jump" },
  { mnemonic: "jr", syntax: "rs", expansion: ["jalr zero, 0(rs)"], summary: "jump to the address in rs" },
  { mnemonic: "call", syntax: "target", expansion: ["jal ra, target"], summary: "call a routine; ra = return address" },
  { mnemonic: "ret", syntax: "", expansion: ["jalr zero, 0(ra)"], summary: "return from a routine" },
  { mnemonic: "beqz", syntax: "rs, target", expansion: ["beq rs, zero, target"], summary: "branch if rs == 0" },
  { mnemonic: "bnez", syntax: "rs, target", expansion: ["bne rs, zero, target"], summary: "branch if rs != 0" },
  { mnemonic: "bgt", syntax: "rs, rt, target", expansion: ["blt rt, rs, target"], summary: "branch if rs > rt (signed)" },
  { mnemonic: "ble", syntax: "rs, rt, target", expansion: ["bge rt, rs, target"], summary: "branch if rs <= rt (signed)" },
  { mnemonic: "bgtu", syntax: "rs, rt, target", expansion: ["bltu rt, rs, target"], summary: "branch if rs > rt (unsigned)" },
  { mnemonic: "bleu", syntax: "rs, rt, target", expansion: ["bgeu rt, rs, target"], summary: "branch if rs <= rt (unsigned)" },
  { mnemonic: "push", syntax: "rs", expansion: ["addi sp, sp, -4", "sw rs, 0(sp)"], summary: "push rs on the stack" },
  { mnemonic: "pop", syntax: "rd", expansion: ["lw rd, 0(sp)", "addi sp, sp, 4"], summary: "pop the stack into rd" }
];
var REGISTER_ABI_NAMES = [
  "zero",
  "ra",
  "sp",
  "a0",
  "a1",
  "a2",
  "a3",
  "t0",
  "t1",
  "t2",
  "t3",
  "t4",
  "s0",
  "s1",
  "s2",
  "s3"
];
var REGISTER_NUMBERS = new Map([
  ...REGISTER_ABI_NAMES.map((name, i) => [name, i]),
  ...REGISTER_ABI_NAMES.map((_, i) => [`r${i}`, i]),
  ["fp", 12]
]);

// isa/encoding.ts
var OPCODE_SHIFT = 26;
function fieldMask(f) {
  const width = f.hi - f.lo + 1;
  return (width === 32 ? 4294967295 : (1 << width) - 1 << f.lo) >>> 0;
}
function operandMask(spec) {
  let mask = 0;
  for (const name of FORMATS[spec.format].fields) mask |= fieldMask(FIELDS[name]);
  return mask >>> 0;
}
function fixedMask(spec) {
  return ~operandMask(spec) >>> 0;
}
function matchBits(spec) {
  return (spec.opcode << OPCODE_SHIFT | (spec.funct ?? 0)) >>> 0;
}
function fieldRange(name) {
  const f = FIELDS[name];
  const width = f.hi - f.lo + 1;
  switch (f.kind) {
    case "simm":
    case "woff":
      return { min: -(2 ** (width - 1)), max: 2 ** (width - 1) - 1 };
    default:
      return { min: 0, max: 2 ** width - 1 };
  }
}
function extractField(word, name) {
  const f = FIELDS[name];
  const width = f.hi - f.lo + 1;
  const raw = word >>> f.lo & 2 ** width - 1;
  if (f.kind === "simm" || f.kind === "woff") return raw << 32 - width >> 32 - width;
  return raw;
}
function insertField(word, name, value) {
  const f = FIELDS[name];
  const width = f.hi - f.lo + 1;
  const bits = (value & 2 ** width - 1) << f.lo;
  return (word & ~fieldMask(f) | bits) >>> 0;
}
var EncodeError = class extends Error {
};
function encode(spec, operands) {
  let word = matchBits(spec);
  for (const name of FORMATS[spec.format].fields) {
    const value = operands[name];
    if (value === void 0) throw new EncodeError(`${spec.mnemonic}: missing operand ${name}`);
    const { min, max } = fieldRange(name);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new EncodeError(`${name} ${value} out of range ${min}..${max}`);
    }
    word = insertField(word, name, value);
  }
  return word >>> 0;
}
var BY_OPCODE = (() => {
  const table = Array.from({ length: 64 }, () => []);
  for (const spec of INSTRUCTIONS) table[spec.opcode].push(spec);
  return table;
})();
function lookup(word) {
  for (const spec of BY_OPCODE[word >>> OPCODE_SHIFT]) {
    if ((word & fixedMask(spec)) >>> 0 === matchBits(spec)) return spec;
  }
  return void 0;
}
function decode(word) {
  const spec = lookup(word >>> 0);
  if (!spec) return void 0;
  const operands = {};
  for (const name of FORMATS[spec.format].fields) operands[name] = extractField(word, name);
  return { spec, operands };
}
var SPEC_BY_MNEMONIC = new Map(
  INSTRUCTIONS.map((s) => [s.mnemonic, s])
);
function opcodeCheckTables() {
  const mask = new Uint32Array(64);
  const match = new Uint32Array(64).fill(1);
  for (let op = 0; op < 64; op++) {
    const specs = BY_OPCODE[op];
    if (specs.length === 1) {
      mask[op] = fixedMask(specs[0]);
      match[op] = matchBits(specs[0]);
    }
  }
  return { mask, match };
}
function opcodeOf(mnemonic) {
  const spec = SPEC_BY_MNEMONIC.get(mnemonic);
  if (!spec) throw new Error(`no instruction ${mnemonic}`);
  return spec.opcode;
}

// assembler/limits.ts
var MAX_INCLUDE_DEPTH = 32;
var MAX_INCLUDES = 1e3;
var MAX_INCLUDED_CHARS = 16 * 1024 * 1024;
var MAX_SOURCE_FILE_BYTES = 16 * 1024 * 1024;
var MAX_MACRO_DEPTH = 32;
var MAX_EXPANSION_LINES = 1e5;
var MAX_EXPANSION_CHARS = 2 * 1024 * 1024;
var MAX_EXPRESSION_DEPTH = 256;
var MAX_IMAGE_BYTES = 16 * 1024 * 1024;
var MAX_QUOTED_CHARS = 40;
function quoted(name) {
  return name.length <= MAX_QUOTED_CHARS ? name : `${name.slice(0, MAX_QUOTED_CHARS)}\u2026`;
}

// assembler/lexer.ts
function punctuatorAt(text2, i) {
  const c = text2[i];
  switch (c) {
    case ",":
    case "(":
    case ")":
    case "+":
    case "-":
    case "*":
    case "/":
    case "%":
    case "^":
    case "~":
    case ":":
      return c;
    case ">":
      return longest(text2, i, [">>>", ">>", ">=", ">"]);
    case "<":
      return longest(text2, i, ["<<", "<=", "<"]);
    case "=":
      return longest(text2, i, ["=="]);
    case "!":
      return longest(text2, i, ["!=", "!"]);
    case "&":
      return longest(text2, i, ["&&", "&"]);
    case "|":
      return longest(text2, i, ["||", "|"]);
    default:
      return void 0;
  }
}
function longest(text2, i, candidates) {
  for (const p of candidates) if (text2.startsWith(p, i)) return p;
  return void 0;
}
var LexFailure = class extends Error {
  col;
  constructor(col, message) {
    const traceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = traceLimit;
    this.col = col;
  }
};
function lexLine(text2) {
  try {
    return { tokens: lex(text2) };
  } catch (e) {
    if (e instanceof LexFailure) return { error: { col: e.col, message: e.message } };
    throw e;
  }
}
var isDigit = (c) => c >= 48 && c <= 57;
var isLetter = (c) => (c | 32) >= 97 && (c | 32) <= 122;
var isIdentStart = (c) => isLetter(c) || c === 95 || c === 46 || c === 36;
var isIdentPart = (c) => isIdentStart(c) || isDigit(c);
function lex(text2) {
  const tokens = [];
  let i = 0;
  while (i < text2.length) {
    const code = text2.charCodeAt(i);
    const c = text2[i];
    const col = i + 1;
    if (c === " " || c === "	" || c === "\r") {
      i++;
    } else if (c === ";" || c === "#" || text2.startsWith("//", i)) {
      break;
    } else if (isDigit(code)) {
      const end = scanWord(text2, i);
      tokens.push(numberToken(text2.slice(i, end), col));
      i = end;
    } else if (isIdentStart(code)) {
      const end = scanWord(text2, i);
      tokens.push({ kind: "ident", text: text2.slice(i, end), col });
      i = end;
    } else if (c === '"') {
      const { bytes, end } = scanQuoted(text2, i, '"');
      tokens.push({ kind: "string", text: text2.slice(i, end), col, bytes });
      i = end;
    } else if (c === "'") {
      const { bytes, end } = scanQuoted(text2, i, "'");
      if (bytes.length !== 1) throw new LexFailure(col, "a character literal holds exactly one character");
      tokens.push({ kind: "number", text: text2.slice(i, end), col, value: bytes[0] });
      i = end;
    } else {
      const punct = punctuatorAt(text2, i);
      if (punct === void 0) throw new LexFailure(col, `unexpected character ${describeChar(text2, i)}`);
      tokens.push({ kind: "punct", text: punct, col });
      i += punct.length;
    }
  }
  return tokens;
}
function scanWord(text2, start) {
  let end = start + 1;
  while (end < text2.length && isIdentPart(text2.charCodeAt(end))) end++;
  return end;
}
var RADIX_PREFIX = {
  "0x": { radix: 16, digits: /^[0-9a-f_]+$/i },
  "0b": { radix: 2, digits: /^[01_]+$/ },
  "0o": { radix: 8, digits: /^[0-7_]+$/ }
};
function describeChar(text2, i) {
  const code = text2.codePointAt(i);
  const hex8 = code.toString(16).toUpperCase().padStart(4, "0");
  return code >= 33 && code <= 126 ? `'${text2[i]}'` : `U+${hex8}`;
}
function isDecimal(word) {
  for (let i = 0; i < word.length; i++) if (!isDigit(word.charCodeAt(i))) return false;
  return true;
}
var MAX_SIGNIFICANT_DIGITS = 32;
function numberToken(word, col) {
  if (word.length <= 9 && isDecimal(word)) return { kind: "number", text: word, col, value: Number(word) };
  const local = /^([0-9]+)([bf])$/i.exec(word);
  if (local) {
    return { kind: "localref", text: word, col, value: Number(local[1]), direction: local[2].toLowerCase() };
  }
  const prefix = RADIX_PREFIX[word.slice(0, 2).toLowerCase()];
  const digits = prefix && prefix.digits.test(word.slice(2)) && /[^_]/.test(word.slice(2)) ? word.slice(2) : /^[0-9]+$/.test(word) ? word : void 0;
  if (digits === void 0) throw new LexFailure(col, `invalid number '${quoted(word)}'`);
  const tooLong = digits.replace(/_/g, "").replace(/^0+/, "").length > MAX_SIGNIFICANT_DIGITS;
  const value = tooLong ? void 0 : BigInt(digits === word ? word : `0${word[1].toLowerCase()}${digits.replace(/_/g, "")}`);
  if (value === void 0 || value > 0xffffffffn) throw new LexFailure(col, `number '${quoted(word)}' does not fit in 32 bits`);
  return { kind: "number", text: word, col, value: Number(BigInt.asIntN(32, value)) };
}
var SIMPLE_ESCAPES = { n: 10, t: 9, r: 13, "0": 0, "\\": 92, '"': 34, "'": 39 };
function scanQuoted(text2, start, quote) {
  const bytes = [];
  let i = start + 1;
  while (i < text2.length && text2[i] !== quote) {
    const c = text2[i];
    if (c !== "\\") {
      i += pushUtf8(bytes, text2, i);
      continue;
    }
    const e = text2[i + 1];
    if (e === void 0) break;
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === "x" && /^[0-9a-f]{2}$/i.test(text2.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text2.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      throw new LexFailure(i + 1, `unknown escape sequence '\\${e}'`);
    }
  }
  if (i >= text2.length) {
    throw new LexFailure(start + 1, quote === '"' ? "unterminated string" : "unterminated character literal");
  }
  return { bytes, end: i + 1 };
}
function pushUtf8(bytes, text2, i) {
  const unit = text2.charCodeAt(i);
  if (unit < 128) {
    bytes.push(unit);
    return 1;
  }
  const point = text2.codePointAt(i);
  const units = point > 65535 ? 2 : 1;
  const code = point >= 55296 && point <= 57343 ? 65533 : point;
  if (code < 2048) bytes.push(192 | code >> 6, 128 | code & 63);
  else if (code < 65536) bytes.push(224 | code >> 12, 128 | code >> 6 & 63, 128 | code & 63);
  else bytes.push(240 | code >> 18, 128 | code >> 12 & 63, 128 | code >> 6 & 63, 128 | code & 63);
  return units;
}
function splitAtCommas(tokens) {
  if (tokens.length === 0) return [];
  const parts = [[]];
  let depth = 0;
  for (const t2 of tokens) {
    if (t2.kind === "punct" && t2.text === "(") depth++;
    if (t2.kind === "punct" && t2.text === ")") depth--;
    if (t2.kind === "punct" && t2.text === "," && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(t2);
  }
  return parts;
}
function labelPrefixLength(tokens) {
  let i = 0;
  while ((tokens[i]?.kind === "ident" || tokens[i]?.kind === "number") && tokens[i + 1]?.text === ":") i += 2;
  return i;
}

// assembler/macros.ts
var CONDITIONALS = /* @__PURE__ */ new Set([".ifdef", ".ifndef", ".else", ".endif"]);
function preprocess(source, options) {
  return new Preprocessor(options).run(source);
}
var Preprocessor = class {
  constructor(options) {
    this.options = options;
  }
  options;
  out = [];
  macros = /* @__PURE__ */ new Map();
  includeStack = [];
  macroStack = [];
  collecting;
  seq = 0;
  expansionCount = 0;
  /** Budgets spent so far (limits.ts), and whether one ran out. */
  expandedLines = 0;
  expandedChars = 0;
  expansionHalted = false;
  includeCount = 0;
  includedChars = 0;
  includeHalted = false;
  conditionals = [];
  run(source) {
    this.processFile(this.options.file, source);
    return this.out;
  }
  get diags() {
    return this.options.diagnostics;
  }
  processFile(file, text2) {
    this.includeStack.push(this.options.resolvePath(file));
    const openConditionals = this.conditionals.length;
    const body = text2.charCodeAt(0) === 65279 ? text2.slice(1) : text2;
    const lines = body.split("\n").map((l) => l.replace(/\r$/, ""));
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    lines.forEach((lineText, i) => {
      this.processLine({ text: lineText, textFile: file, loc: { file, line: i + 1, text: lineText, seq: this.seq++ } });
    });
    if (this.collecting) {
      this.diags.error(this.collecting.loc, this.collecting.col, `missing .endm for macro '${this.collecting.def.name}'`);
      this.collecting = void 0;
    }
    while (this.conditionals.length > openConditionals) {
      const open = this.conditionals.pop();
      this.diags.error(open.loc, open.col, "missing .endif");
    }
    this.includeStack.pop();
  }
  processLine(raw) {
    if (this.collecting) return this.collectBodyLine(raw);
    const lexed = lexLine(raw.text);
    if (lexed.error) return this.diags.error(raw.loc, lexed.error.col, lexed.error.message);
    const tokens = lexed.tokens;
    const labelEnd = labelPrefixLength(tokens);
    const head = tokens[labelEnd];
    const word = head?.kind === "ident" ? head.text.toLowerCase() : void 0;
    if (word !== void 0 && CONDITIONALS.has(word)) return this.conditional(raw, word, head, tokens.slice(labelEnd + 1), labelEnd);
    if (this.conditionals.length > 0 && !this.conditionals[this.conditionals.length - 1].active) return;
    const handled = word === ".include" || word === ".macro" || word === ".endm" || word !== void 0 && this.macros.has(word);
    if (!handled) {
      if (tokens.length > 0) this.out.push({ tokens, loc: raw.loc });
      return;
    }
    if (labelEnd > 0) this.out.push({ tokens: tokens.slice(0, labelEnd), loc: raw.loc });
    const args = tokens.slice(labelEnd + 1);
    if (word === ".include") this.include(raw, head, args);
    else if (word === ".macro") this.beginMacro(raw, head, args);
    else if (word === ".endm") this.diags.error(raw.loc, head.col, ".endm without .macro");
    else this.expand(raw, this.macros.get(word), head, args);
  }
  /** `.ifdef NAME`, `.ifndef NAME`, `.else`, `.endif`: NAME is defined from outside (-D) or not. */
  conditional(raw, word, head, args, labelEnd) {
    const top = this.conditionals[this.conditionals.length - 1];
    const enclosingActive = top === void 0 || top.active;
    if (labelEnd > 0) this.diags.error(raw.loc, head.col, `a label cannot stand before ${word}`);
    if (word === ".ifdef" || word === ".ifndef") {
      const name = args[0];
      const entry = { active: false, outerActive: enclosingActive, seenElse: false, loc: raw.loc, col: head.col };
      this.conditionals.push(entry);
      if (args.length !== 1 || name?.kind !== "ident") return this.diags.error(raw.loc, name?.col ?? head.col, `${word} expects one name (defined with -D NAME=VALUE)`);
      const defined = this.options.defined?.has(name.text) ?? false;
      entry.active = enclosingActive && (word === ".ifdef" ? defined : !defined);
      return;
    }
    if (top === void 0) return this.diags.error(raw.loc, head.col, `${word} without .ifdef or .ifndef`);
    if (args.length > 0) this.diags.error(raw.loc, args[0].col, `${word} takes no operands`);
    if (word === ".endif") {
      this.conditionals.pop();
      return;
    }
    if (top.seenElse) return this.diags.error(raw.loc, head.col, "a second .else for one .ifdef");
    top.seenElse = true;
    top.active = top.outerActive && !top.active;
  }
  include(raw, head, args) {
    const target = args[0];
    if (args.length !== 1 || target?.kind !== "string") {
      return this.diags.error(raw.loc, target?.col ?? head.col, ".include expects one quoted path");
    }
    if (this.includeHalted) return;
    const name = new TextDecoder().decode(Uint8Array.from(target.bytes));
    const found = this.findInclude(name, raw.textFile);
    if ("problem" in found) return this.diags.error(raw.loc, target.col, found.problem);
    const { file, text: text2 } = found;
    if (this.includeStack.includes(this.options.resolvePath(file))) {
      return this.diags.error(raw.loc, target.col, `recursive include of '${file}'`);
    }
    if (this.includeStack.length >= MAX_INCLUDE_DEPTH) {
      return this.diags.error(raw.loc, target.col, `includes nested more than ${MAX_INCLUDE_DEPTH} deep: ${chain([...this.includeStack, file])}`);
    }
    if (++this.includeCount > MAX_INCLUDES) {
      this.includeHalted = true;
      return this.diags.error(raw.loc, target.col, `more than ${MAX_INCLUDES} .include directives in one assembly (including ${chain([...this.includeStack, file])})`);
    }
    this.includedChars += text2.length;
    if (this.includedChars > MAX_INCLUDED_CHARS) {
      this.includeHalted = true;
      return this.diags.error(raw.loc, target.col, `included files exceed ${MAX_INCLUDED_CHARS / (1024 * 1024)} MiB in total (at '${file}')`);
    }
    this.processFile(file, text2);
  }
  /**
   * The file an `.include` names: an absolute path as it is; a relative one in the including
   * file's directory, then in each directory of the include path (cc's -I order), the first that
   * exists. Only a missing file (ENOENT, ENOTDIR) moves the search on: one that exists and cannot
   * be read (a directory, too big) is the answer, an error. Not found: every directory is named.
   */
  findInclude(name, includingFile) {
    const dirs = [];
    if (!isAbsolute(name)) {
      for (const dir of [dirname(includingFile), ...this.options.includePath]) {
        if (!dirs.some((d) => this.options.resolvePath(d) === this.options.resolvePath(dir))) dirs.push(dir);
      }
    }
    const files = isAbsolute(name) ? [name] : dirs.map((dir) => join(dir, name));
    for (const file of files) {
      try {
        return { file, text: this.options.readFile(file) };
      } catch (e) {
        const code = e.code;
        if (code === "ENOENT" || code === "ENOTDIR") continue;
        const reason = code === "EISDIR" ? "is a directory" : e.message;
        return { problem: `cannot read include file '${file}': ${reason}` };
      }
    }
    if (files.length === 1) return { problem: `cannot read include file '${files[0]}': file not found` };
    const searched = dirs.map((d) => d.endsWith("/") ? d : `${d}/`).join(", ");
    return { problem: `cannot read include file '${name}': not found in ${searched}` };
  }
  beginMacro(raw, head, args) {
    const nameToken = args[0];
    if (nameToken?.kind !== "ident") return this.diags.error(raw.loc, nameToken?.col ?? head.col, ".macro expects a name");
    const name = nameToken.text.toLowerCase();
    const params = [];
    let bad;
    for (const t2 of args.slice(1)) {
      if (t2.kind === "punct" && t2.text === ",") continue;
      if (t2.kind !== "ident" || params.includes(t2.text)) bad ??= t2;
      else params.push(t2.text);
    }
    const def = { name, params, body: [] };
    this.collecting = { def, loc: raw.loc, col: head.col };
    if (bad) this.diags.error(raw.loc, bad.col, `bad macro parameter '${bad.text}'`);
    else if (this.macros.has(name)) this.diags.error(raw.loc, nameToken.col, `macro '${name}' is already defined`);
    else if (SPEC_BY_MNEMONIC.has(name) || PSEUDOS.some((p) => p.mnemonic === name)) {
      this.diags.error(raw.loc, nameToken.col, `macro '${name}' would hide the instruction '${name}'`);
    } else this.macros.set(name, def);
  }
  collectBodyLine(raw) {
    const collecting = this.collecting;
    if (/^\s*\.endm\b/i.test(raw.text)) {
      this.collecting = void 0;
    } else if (/^\s*\.macro\b/i.test(raw.text)) {
      this.diags.error(raw.loc, raw.text.indexOf(".") + 1, `.macro inside the definition of '${collecting.def.name}' (missing .endm?)`);
    } else {
      collecting.def.body.push({ text: raw.text, file: raw.textFile, line: raw.loc.expansion?.bodyLine ?? raw.loc.line });
    }
  }
  expand(raw, def, head, args) {
    const parts = splitAtCommas(args);
    const values = parts.map((part) => {
      const last = part[part.length - 1];
      return part.length === 0 ? "" : raw.text.slice(part[0].col - 1, last.col - 1 + last.text.length);
    });
    if (values.length !== def.params.length) {
      const plural = def.params.length === 1 ? "" : "s";
      return this.diags.error(raw.loc, head.col, `macro '${def.name}' expects ${def.params.length} argument${plural}, got ${values.length}`);
    }
    if (this.expansionHalted) return;
    if (this.macroStack.includes(def.name)) {
      return this.diags.error(raw.loc, head.col, `recursive macro '${quoted(def.name)}' (expanding ${chain([...this.macroStack, def.name])})`);
    }
    if (this.macroStack.length >= MAX_MACRO_DEPTH) {
      return this.diags.error(raw.loc, head.col, `macro expansion nested more than ${MAX_MACRO_DEPTH} deep: ${chain([...this.macroStack, def.name])}`);
    }
    const outermost = this.macroStack.length === 0;
    const firstOutput = this.out.length;
    const unique = String(this.expansionCount++);
    const argCols = parts.map((p) => p[0]?.col ?? head.col);
    const outer = raw.loc.expansion;
    this.macroStack.push(def.name);
    for (const bodyLine of def.body) {
      if (this.expansionHalted) break;
      if (++this.expandedLines > MAX_EXPANSION_LINES) {
        this.haltExpansion(raw, head, `macro expansion exceeds ${MAX_EXPANSION_LINES} lines: ${chain(this.macroStack)}`);
        break;
      }
      const substituted = substituteArguments(bodyLine.text, def.params, values, argCols, unique, MAX_EXPANSION_CHARS - this.expandedChars);
      if (!substituted) {
        this.haltExpansion(raw, head, `macro expansion exceeds ${MAX_EXPANSION_CHARS} characters: ${chain(this.macroStack)}`);
        break;
      }
      this.expandedChars += substituted.text.length;
      const { file, line, text: text2, seq } = raw.loc;
      const expansion = { macro: def.name, col: outer?.col ?? head.col, bodyFile: bodyLine.file, bodyLine: bodyLine.line, argSpans: substituted.argSpans, outer };
      this.processLine({ text: substituted.text, textFile: bodyLine.file, loc: { file, line, text: text2, seq, expansion } });
    }
    this.macroStack.pop();
    if (outermost && this.expansionHalted) this.out.length = firstOutput;
  }
  /** Report a spent expansion budget once, at the outermost invocation the user wrote, and stop expanding. */
  haltExpansion(raw, head, message) {
    this.expansionHalted = true;
    const { expansion, ...invocation } = raw.loc;
    this.diags.error(invocation, expansion?.col ?? head.col, message);
  }
};
function chain(names) {
  const shown = names.length <= 8 ? names : [...names.slice(0, 4), "\u2026", ...names.slice(-3)];
  return shown.map((n2) => n2 === "\u2026" ? n2 : quoted(n2)).join(" \u2192 ");
}
function substituteArguments(body, params, values, valueCols, unique, maxChars) {
  const argSpans = [];
  let text2 = "";
  let last = 0;
  for (const m of body.matchAll(/\\(@|[A-Za-z_][A-Za-z0-9_]*)/g)) {
    const index = params.indexOf(m[1]);
    const replacement = m[1] === "@" ? unique : index >= 0 ? values[index] : m[0];
    text2 += body.slice(last, m.index);
    if (index >= 0) argSpans.push({ start: text2.length + 1, length: replacement.length, sourceCol: valueCols[index] });
    text2 += replacement;
    if (text2.length > maxChars) return void 0;
    last = m.index + m[0].length;
  }
  text2 += body.slice(last);
  return text2.length > maxChars ? void 0 : { text: text2, argSpans };
}

// assembler/expressions.ts
var ExprError = class extends Error {
  col;
  constructor(col, message) {
    const traceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = traceLimit;
    this.col = col;
  }
};
var PRECEDENCE = [
  ["||"],
  ["&&"],
  ["|"],
  ["^"],
  ["&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["<<", ">>", ">>>"],
  ["+", "-"],
  ["*", "/", "%"]
];
var LEVEL_OF = new Map(PRECEDENCE.flatMap((ops, level) => ops.map((op) => [op, level])));
var UNARY_OPS = ["-", "~", "+", "!"];
var TOO_DEEP = `expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels of parentheses and operators)`;
function parseExpression(tokens, start, syntax) {
  const parser = new ExpressionParser(tokens, start, syntax);
  const { expr } = parser.binary(0, 0);
  return { expr, next: parser.pos };
}
var ExpressionParser = class {
  constructor(tokens, pos, syntax) {
    this.tokens = tokens;
    this.pos = pos;
    this.syntax = syntax;
  }
  tokens;
  pos;
  syntax;
  binary(minLevel, depth) {
    let left = this.unary(depth);
    for (; ; ) {
      const t2 = this.tokens[this.pos];
      const level = t2?.kind === "punct" ? LEVEL_OF.get(t2.text) : void 0;
      if (!t2 || level === void 0 || level < minLevel) return left;
      this.pos++;
      const right = this.binary(level + 1, this.deeper(depth, t2));
      left = node({ kind: "binary", op: t2.text, left: left.expr, right: right.expr, col: t2.col }, Math.max(left.height, right.height) + 1);
    }
  }
  unary(depth) {
    const signs = [];
    for (let t2 = this.tokens[this.pos]; t2?.kind === "punct" && UNARY_OPS.includes(t2.text); t2 = this.tokens[++this.pos]) {
      this.deeper(depth + signs.length, t2);
      signs.push(t2);
    }
    let operand = this.primary(depth + signs.length);
    for (let i = signs.length - 1; i >= 0; i--) {
      const sign = signs[i];
      operand = node({ kind: "unary", op: sign.text, arg: operand.expr, col: sign.col }, operand.height + 1);
    }
    return operand;
  }
  primary(depth) {
    const t2 = this.tokens[this.pos];
    if (!t2) throw new ExprError(this.endCol(), "expected an expression");
    this.pos++;
    switch (t2.kind) {
      case "number":
        return { expr: { kind: "num", value: t2.value, col: t2.col }, height: 1 };
      case "localref":
        return { expr: { kind: "sym", name: this.syntax.localName(t2), text: t2.text, col: t2.col }, height: 1 };
      case "ident":
        if (t2.text === ".") return { expr: { kind: "dot", col: t2.col }, height: 1 };
        if (this.syntax.isRegister(t2.text)) throw new ExprError(t2.col, `expected a value, got register '${t2.text}'`);
        return { expr: { kind: "sym", name: t2.text, text: t2.text, col: t2.col }, height: 1 };
      case "string":
        throw new ExprError(t2.col, "expected a value, got a string");
      case "punct":
        if (t2.text === "(") {
          const inner = this.binary(0, this.deeper(depth, t2));
          this.expectClose(t2);
          return { expr: inner.expr, height: checkedHeight(inner.height + 1, t2.col) };
        }
        if (t2.text === "%") return this.relocation(t2, depth);
        throw new ExprError(t2.col, `expected an expression, got '${t2.text}'`);
    }
  }
  relocation(percent, depth) {
    const fn = this.tokens[this.pos];
    const open = this.tokens[this.pos + 1];
    const name = fn?.kind === "ident" ? fn.text.toLowerCase() : "";
    if (name !== "hi" && name !== "lo" || open?.text !== "(") {
      throw new ExprError(fn?.col ?? percent.col, "expected %hi(...) or %lo(...)");
    }
    this.pos += 2;
    const arg = this.binary(0, this.deeper(depth, percent));
    this.expectClose(open);
    return node({ kind: "reloc", fn: name, arg: arg.expr, col: percent.col }, arg.height + 1);
  }
  expectClose(open) {
    const t2 = this.tokens[this.pos];
    if (t2?.text !== ")") throw new ExprError(t2?.col ?? open.col, t2 ? `expected ')', got '${t2.text}'` : "missing ')'");
    this.pos++;
  }
  /** One level deeper than `depth`, or an error at `at` past the limit. */
  deeper(depth, at) {
    if (depth + 1 > MAX_EXPRESSION_DEPTH) throw new ExprError(at.col, TOO_DEEP);
    return depth + 1;
  }
  endCol() {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.col + last.text.length : 1;
  }
};
function checkedHeight(height, col) {
  if (height > MAX_EXPRESSION_DEPTH) throw new ExprError(col, TOO_DEEP);
  return height;
}
function node(expr, height) {
  return { expr, height: checkedHeight(height, expr.col) };
}
function parseWholeExpression(tokens, syntax, colIfEmpty) {
  if (tokens.length === 0) throw new ExprError(colIfEmpty, "expected an expression");
  const only = tokens.length === 1 ? tokens[0] : void 0;
  if (only?.kind === "number") return { kind: "num", value: only.value, col: only.col };
  const { expr, next } = parseExpression(tokens, 0, syntax);
  const extra = tokens[next];
  if (extra) throw new ExprError(extra.col, `unexpected '${extra.text}' after expression`);
  return expr;
}
function evaluate(expr, env) {
  switch (expr.kind) {
    case "num":
      return { value: expr.value | 0, addressLike: false };
    case "dot":
      return { value: env.dot | 0, addressLike: true };
    case "sym": {
      const found = env.lookup(expr.name);
      if (!found) throw new ExprError(expr.col, `undefined symbol '${quoted(expr.text)}'`);
      return found;
    }
    case "unary": {
      const a = evaluate(expr.arg, env);
      const value = expr.op === "-" ? -a.value | 0 : expr.op === "~" ? ~a.value : expr.op === "!" ? Number(a.value === 0) : a.value;
      return { value, addressLike: a.addressLike };
    }
    case "reloc": {
      const a = evaluate(expr.arg, env);
      return { value: expr.fn === "hi" ? hi(a.value) : lo(a.value), addressLike: a.addressLike };
    }
    case "binary": {
      const a = evaluate(expr.left, env);
      if (expr.op === "&&" && a.value === 0 || expr.op === "||" && a.value !== 0) {
        return { value: Number(expr.op === "||"), addressLike: a.addressLike };
      }
      const b = evaluate(expr.right, env);
      return { value: applyBinary(expr.op, a.value, b.value, expr.col), addressLike: a.addressLike || b.addressLike };
    }
  }
}
function applyBinary(op, a, b, col) {
  switch (op) {
    case "+":
      return a + b | 0;
    case "-":
      return a - b | 0;
    case "*":
      return Math.imul(a, b);
    case "/":
      if (b === 0) throw new ExprError(col, "division by zero");
      return Math.trunc(a / b) | 0;
    case "%":
      if (b === 0) throw new ExprError(col, "division by zero");
      return a % b | 0;
    // Shift counts use the low 5 bits, as JS and most 32-bit hardware do.
    case "<<":
      return a << b;
    case ">>":
      return a >> b;
    case ">>>":
      return a >>> b | 0;
    case "&":
      return a & b;
    case "^":
      return a ^ b;
    case "|":
      return a | b;
    case "<":
      return Number(a < b);
    case "<=":
      return Number(a <= b);
    case ">":
      return Number(a > b);
    case ">=":
      return Number(a >= b);
    case "==":
      return Number(a === b);
    case "!=":
      return Number(a !== b);
    case "&&":
      return Number(a !== 0 && b !== 0);
    case "||":
      return Number(a !== 0 || b !== 0);
  }
}
function hi(x) {
  return x + 512 >>> 10 & 4194303 | 0;
}
function lo(x) {
  return x << 22 >> 22;
}

// assembler/encoder.ts
var hex = (n2) => `0x${(n2 >>> 0).toString(16)}`;
function encodeInsn(insn, address, env, report) {
  const operands = {};
  let failed = false;
  for (const operand of insn.operands) {
    try {
      operands[operand.field] = operandValue(insn, operand, address, env);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      report(e);
      failed = true;
    }
  }
  if (failed) return 0;
  try {
    return encode(insn.spec, operands);
  } catch (e) {
    if (!(e instanceof EncodeError)) throw e;
    report(new ExprError(insn.col, e.message));
    return 0;
  }
}
function operandValue(insn, operand, address, env) {
  if (operand.kind === "number") return operand.value;
  const { value } = evaluate(operand.expr, env);
  const { min, max } = fieldRange(operand.field);
  if (FIELDS[operand.field].kind === "woff") {
    const what = insn.spec.cls === "branch" ? "branch" : "jump";
    const offsetBytes = value - address | 0;
    if (offsetBytes % 4 !== 0) {
      throw new ExprError(operand.col, `${what} target ${hex(value)} is misaligned: offset ${offsetBytes} bytes from ${hex(address)} is not a multiple of 4`);
    }
    if (offsetBytes / 4 < min || offsetBytes / 4 > max) {
      throw new ExprError(operand.col, `${what} target ${hex(value)} out of range: offset ${offsetBytes} bytes not in ${min * 4}..${max * 4}`);
    }
    return offsetBytes / 4;
  }
  if (value < min || value > max) throw new ExprError(operand.col, `immediate ${value} out of range ${min}..${max}`);
  return value;
}

// assembler/layout.ts
var ByteRun = class {
  data = new Uint8Array(64);
  used = 0;
  get length() {
    return this.used;
  }
  /** Room for `count` more bytes; returns where they start. */
  grow(count) {
    const start = this.used;
    if (start + count > this.data.length) {
      const bigger = new Uint8Array(Math.max(2 * this.data.length, start + count));
      bigger.set(this.data.subarray(0, start));
      this.data = bigger;
    }
    this.used += count;
    return start;
  }
  append(bytes) {
    const start = this.grow(bytes.length);
    this.data.set(bytes, start);
  }
  appendFill(count, byte) {
    const start = this.grow(count);
    if (byte !== 0) this.data.fill(byte, start, this.used);
  }
  view() {
    return this.data.subarray(0, this.used);
  }
};
function emittedBytes(e) {
  return e.segment.bytes.view().subarray(e.offset, e.offset + e.sizeBytes);
}
var SHORT_LI = fieldRange("imm18");
var MAX_FILL_BYTES = MAX_IMAGE_BYTES;
var hex2 = (n2) => `0x${(n2 >>> 0).toString(16)}`;
function runPass(statements, origin, predefined, previous) {
  return new Pass(origin, predefined, previous).run(statements);
}
var Pass = class {
  constructor(origin, predefined, previous) {
    this.previous = previous;
    this.symbols = new Map(predefined);
    this.locationCounter = origin >>> 0;
    this.scope = { dot: 0, lookup: (name) => this.symbols.get(name) ?? this.previous?.get(name) };
  }
  previous;
  symbols;
  globals = /* @__PURE__ */ new Map();
  emissions = [];
  segments = [];
  diags = new Diagnostics();
  locationCounter;
  entry;
  current;
  imageBytes = 0;
  imageFull = false;
  /** The one environment every evaluation uses: `.` is set before each (no closure per value). */
  scope;
  run(statements) {
    for (const statement of statements) {
      this.current = statement;
      try {
        this.statement(statement);
      } catch (e) {
        if (!(e instanceof ExprError)) throw e;
        this.error(e.col, e.message);
      }
    }
    this.checkOverlaps();
    for (const [name, at] of this.globals) {
      if (!this.symbols.has(name)) this.error(at.col, `global symbol '${name}' is never defined`, at.loc);
    }
    const entry = this.entry ?? this.symbols.get("_start")?.value ?? this.emissions[0]?.address ?? this.locationCounter;
    return { symbols: this.symbols, globals: new Set(this.globals.keys()), emissions: this.emissions, segments: this.segments, entry: entry >>> 0, diagnostics: this.diags };
  }
  error(col, message, loc = this.current.loc) {
    this.diags.error(loc, col, message);
  }
  env(dot) {
    this.scope.dot = dot;
    return this.scope;
  }
  eval(expr, dot = this.locationCounter) {
    return evaluate(expr, this.env(dot));
  }
  statement(s) {
    switch (s.kind) {
      case "label":
        return this.define(s.name, { value: this.locationCounter | 0, addressLike: true, kind: "label", loc: s.loc }, s.col);
      case "insns":
        return this.instructions(s.group.kind === "code" ? s.group.insns : this.choose(s.group.value, s.group.short, s.group.long));
      case "directive":
        return this.directive(s.directive, s.col);
    }
  }
  define(name, def, col) {
    const existing = this.symbols.get(name);
    if (existing && !(existing.kind === "set" && def.kind === "set")) {
      const where = existing.loc ? ` at ${existing.loc.file}:${existing.loc.line}` : " (predefined)";
      const what = def.kind === "label" && existing.kind === "label" ? "duplicate label" : "symbol already defined:";
      this.error(col, `${what} '${name}' (first defined${where})`);
      return;
    }
    this.symbols.set(name, def);
  }
  choose(value, short, long) {
    try {
      const v = this.eval(value);
      return !v.addressLike && v.value >= SHORT_LI.min && v.value <= SHORT_LI.max ? short : long;
    } catch {
      return long;
    }
  }
  instructions(insns) {
    const start = this.locationCounter;
    if (start % 4 !== 0) this.error(insns[0].col, `instruction at ${hex2(start)} is not 4-byte aligned (add .align 4 before it)`);
    const env = this.env(start);
    for (const insn of insns) {
      const word = encodeInsn(insn, this.locationCounter, env, (e) => this.error(e.col, e.message));
      this.emit([word & 255, word >>> 8 & 255, word >>> 16 & 255, word >>> 24], 4);
    }
  }
  directive(d, col) {
    switch (d.kind) {
      case "org": {
        this.locationCounter = this.eval(d.expr).value >>> 0;
        return;
      }
      case "align": {
        const n2 = this.eval(d.expr).value;
        if (n2 <= 0 || (n2 & n2 - 1) !== 0) return this.error(exprCol(d.expr), `.align needs a power of two number of bytes, got ${n2}`);
        if (n2 > MAX_FILL_BYTES) return this.error(exprCol(d.expr), `.align ${n2} is larger than an image may be (${MAX_FILL_BYTES} bytes)`);
        return this.fill((n2 - this.locationCounter % n2) % n2, 0);
      }
      case "space": {
        const size = this.eval(d.size).value;
        if (size < 0 || size > MAX_FILL_BYTES) return this.error(exprCol(d.size), `.space size ${size} out of range 0..${MAX_FILL_BYTES}`);
        return this.fill(size, d.fill ? this.tryChecked(d.fill, 1) : 0);
      }
      case "data": {
        const bytes = new Uint8Array(d.values.length * d.unitBytes);
        d.values.forEach((value, n2) => {
          const v = this.tryChecked(value, d.unitBytes);
          for (let i = 0; i < d.unitBytes; i++) bytes[n2 * d.unitBytes + i] = v >>> 8 * i & 255;
        });
        return this.emit(bytes, d.unitBytes);
      }
      case "bytes":
        return this.emit(d.bytes, 1);
      case "define": {
        let v = { value: 0, addressLike: false };
        try {
          v = this.eval(d.expr);
        } catch (e) {
          if (!(e instanceof ExprError)) throw e;
          this.error(e.col, e.message);
        }
        return this.define(d.name, { ...v, kind: d.redefinable ? "set" : "equ", loc: this.current.loc }, d.nameCol);
      }
      case "global": {
        for (const { name, col: nameCol } of d.names) this.globals.set(name, { loc: this.current.loc, col: nameCol });
        return;
      }
      case "entry": {
        if (this.entry !== void 0) return this.error(col, ".entry given more than once");
        this.entry = this.eval(d.expr).value >>> 0;
        return;
      }
    }
  }
  /** A data value, range-checked for its size; a mistake is reported and the value becomes 0. */
  tryChecked(expr, unitBytes) {
    try {
      return this.checkedUnit(expr, unitBytes);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      this.error(e.col, e.message);
      return 0;
    }
  }
  checkedUnit(expr, unitBytes) {
    const { value } = this.eval(expr);
    if (unitBytes < 4) {
      const bits = 8 * unitBytes;
      const min = -(2 ** (bits - 1));
      const max = 2 ** bits - 1;
      const name = unitBytes === 1 ? ".byte" : ".half";
      if (value < min || value > max) throw new ExprError(exprCol(expr), `value ${value} out of range ${min}..${max} for ${name}`);
    }
    return value;
  }
  fill(count, byte) {
    const segment = this.reserve(count);
    if (!segment) return;
    this.record(segment, count, 1);
    segment.bytes.appendFill(count, byte & 255);
  }
  emit(bytes, unitBytes) {
    const segment = this.reserve(bytes.length);
    if (!segment) return;
    this.record(segment, bytes.length, unitBytes);
    segment.bytes.append(bytes);
  }
  /**
   * The segment `count` bytes at the location counter go into (a new one unless they continue the
   * last), or undefined when they must not be written: past the end of the address space, or past
   * the image limit (reported once; the location counter still moves, so labels stay where the
   * user expects and add no errors of their own).
   */
  reserve(count) {
    if (count === 0) return void 0;
    const address = this.locationCounter;
    if (address + count > 2 ** 32) {
      this.error(this.current.col, `output at ${hex2(address)} runs past the end of the address space`);
      return void 0;
    }
    if (this.imageBytes + count > MAX_IMAGE_BYTES) {
      if (!this.imageFull) {
        const mib = MAX_IMAGE_BYTES / (1024 * 1024);
        this.error(this.current.col, `image larger than the ${mib} MiB limit: ${count} byte${count === 1 ? "" : "s"} at ${hex2(address)} after ${this.imageBytes} already emitted`);
      }
      this.imageFull = true;
      this.locationCounter = address + count >>> 0;
      return void 0;
    }
    this.imageBytes += count;
    const last = this.segments[this.segments.length - 1];
    if (last && last.address + last.bytes.length === address) return last;
    const segment = { address, bytes: new ByteRun(), firstLoc: this.current.loc, firstCol: this.current.col };
    this.segments.push(segment);
    return segment;
  }
  /** Note an emission of `sizeBytes` at the end of `segment`, about to be appended. */
  record(segment, sizeBytes, unitBytes) {
    this.emissions.push({ address: this.locationCounter, segment, offset: segment.bytes.length, sizeBytes, unitBytes, loc: this.current.loc });
    this.locationCounter = this.locationCounter + sizeBytes >>> 0;
  }
  /**
   * `.org` may move backwards; writing twice to the same bytes is an error, reported at the
   * segment written later. A sweep in address order: O(n log n), where comparing every pair took
   * a minute for 40,000 `.org`s.
   */
  checkOverlaps() {
    const order = this.segments.map((segment, written) => ({ segment, written })).sort((a, b) => a.segment.address - b.segment.address || a.written - b.written);
    let reach;
    for (const here of order) {
      const end = (s) => s.address + s.bytes.length;
      if (reach && here.segment.address < end(reach.segment)) {
        const [earlier, later] = reach.written < here.written ? [reach.segment, here.segment] : [here.segment, reach.segment];
        this.error(later.firstCol, `output at ${hex2(later.address)}..${hex2(end(later) - 1)} overlaps earlier output at ${hex2(earlier.address)}..${hex2(end(earlier) - 1)}`, later.firstLoc);
      }
      if (!reach || end(here.segment) > end(reach.segment)) reach = here;
    }
  }
};
function exprCol(expr) {
  return expr.kind === "binary" ? exprCol(expr.left) : expr.col;
}

// isa/arch.ts
var arch_exports = {};
__export(arch_exports, {
  ACCESS: () => ACCESS,
  ACCESS_NAMES: () => ACCESS_NAMES,
  CAUSE: () => CAUSE,
  CAUSE_NAMES: () => CAUSE_NAMES,
  CR: () => CR,
  CR_COUNT: () => CR_COUNT,
  CR_NAMES: () => CR_NAMES,
  DEVICE: () => DEVICE,
  MMIO_BASE: () => MMIO_BASE,
  MMIO_SIZE: () => MMIO_SIZE,
  PAGE_SHIFT: () => PAGE_SHIFT,
  PAGE_SIZE: () => PAGE_SIZE,
  PTBR_ASID_MASK: () => PTBR_ASID_MASK,
  PTBR_KEEP: () => PTBR_KEEP,
  PTBR_ROOT_MASK: () => PTBR_ROOT_MASK,
  PTE: () => PTE,
  READ_ONLY_CRS: () => READ_ONLY_CRS,
  RESET_STATUS: () => RESET_STATUS,
  STATUS: () => STATUS,
  STATUS_WRITABLE_MASK: () => STATUS_WRITABLE_MASK,
  SUPERPAGE_SHIFT: () => SUPERPAGE_SHIFT,
  SUPERPAGE_SIZE: () => SUPERPAGE_SIZE,
  USER_READABLE_CRS: () => USER_READABLE_CRS,
  causeName: () => causeName
});
var CR = {
  STATUS: 0,
  PTBR: 1,
  EVEC: 2,
  EPC: 3,
  CAUSE: 4,
  BADVA: 5,
  SCRATCH: 6,
  TIMER: 7,
  CYCLE: 8,
  CYCLEH: 9,
  INSTRET: 10,
  INSTRETH: 11
};
var CR_COUNT = 32;
var CR_NAMES = new Map(
  Object.entries(CR).map(([name, n2]) => [n2, name.toLowerCase()])
);
var USER_READABLE_CRS = [CR.CYCLE, CR.CYCLEH, CR.INSTRET, CR.INSTRETH];
var READ_ONLY_CRS = [CR.CYCLE, CR.CYCLEH, CR.INSTRET, CR.INSTRETH];
var STATUS = {
  /** Current mode: 1 = supervisor, 0 = user. */
  MODE: 1 << 0,
  /** Interrupts enabled. */
  IE: 1 << 1,
  /** Mode before the last trap; eret restores MODE from it. */
  PMODE: 1 << 2,
  /** IE before the last trap; eret restores IE from it. */
  PIE: 1 << 3,
  /** Paging enabled. */
  PG: 1 << 4
};
var STATUS_WRITABLE_MASK = 31;
var CAUSE = {
  ILLEGAL_INSTRUCTION: 0,
  PRIVILEGED_INSTRUCTION: 1,
  SYSCALL: 2,
  BREAKPOINT: 3,
  MISALIGNED_FETCH: 4,
  MISALIGNED_LOAD: 5,
  MISALIGNED_STORE: 6,
  BUS_ERROR: 7,
  FETCH_PAGE_FAULT: 8,
  LOAD_PAGE_FAULT: 9,
  STORE_PAGE_FAULT: 10,
  FETCH_PROTECTION_FAULT: 11,
  LOAD_PROTECTION_FAULT: 12,
  STORE_PROTECTION_FAULT: 13,
  TIMER_INTERRUPT: 16,
  DEVICE_INTERRUPT: 17
};
var CAUSE_NAMES = new Map(
  Object.entries(CAUSE).map(([name, n2]) => [n2, name.toLowerCase().replace(/_/g, "-")])
);
function causeName(cause) {
  return CAUSE_NAMES.get(cause) ?? `cause-${cause}`;
}
var ACCESS = { FETCH: 0, LOAD: 1, STORE: 2 };
var ACCESS_NAMES = ["fetch", "load", "store"];
var PAGE_SHIFT = 12;
var PAGE_SIZE = 1 << PAGE_SHIFT;
var SUPERPAGE_SHIFT = 22;
var SUPERPAGE_SIZE = 1 << SUPERPAGE_SHIFT;
var PTE = {
  V: 1 << 0,
  W: 1 << 1,
  X: 1 << 2,
  U: 1 << 3,
  G: 1 << 4,
  A: 1 << 5,
  D: 1 << 6,
  /** In a level-1 entry: this entry maps a 4 MiB superpage instead of pointing at a table. */
  L: 1 << 7,
  /** Bits [11:8] are ignored by the hardware and left to software. */
  SOFTWARE_MASK: 3840,
  FRAME_MASK: 4294963200 | 0
};
var PTBR_ROOT_MASK = 4294963200 | 0;
var PTBR_ASID_MASK = 255;
var PTBR_KEEP = 1 << 8;
var MMIO_BASE = 4026531840;
var MMIO_SIZE = 65536;
var DEVICE = {
  /** Write: send the low byte to the console. */
  CONSOLE_TX: 4026531840,
  /** Read: the next input byte, or -1 (0xffffffff) when none is waiting. */
  CONSOLE_RX: 4026531844,
  /** Read: bit 0 = an input byte is waiting, bit 1 = ready to transmit (always 1). */
  CONSOLE_STATUS: 4026531848,
  /** Write: power off; the value written is the exit code. */
  POWER_OFF: 4026531856
};
var RESET_STATUS = STATUS.MODE;

// assembler/instructions.ts
var PSEUDO_BY_MNEMONIC = new Map(PSEUDOS.map((p) => [p.mnemonic, p]));
var SHORT_FORMS = {
  li: { operand: "value", expansion: "addi rd, zero, value" }
};
var CR_BY_NAME = new Map([...CR_NAMES].map(([n2, name]) => [name, n2]));
function isRegisterName(name) {
  return REGISTER_NUMBERS.has(name.toLowerCase());
}
var slotsBySyntax = /* @__PURE__ */ new Map();
function slotsOf(syntax) {
  let slots = slotsBySyntax.get(syntax);
  if (!slots) slotsBySyntax.set(syntax, slots = readSlots(syntax));
  return slots;
}
function readSlots(syntax) {
  return syntax.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    const m = /^(\w+)\((\w+)\)$/.exec(s);
    return m ? { name: m[1], base: m[2] } : { name: s };
  });
}
function text(tokens) {
  return tokens.map((t2) => t2.text).join(" ");
}
function checkCount(mnemonic, syntax, parts) {
  const expected = slotsOf(syntax).length;
  if (parts.length === expected && parts.every((p) => p.length > 0)) return;
  const empty = parts.findIndex((p) => p.length === 0);
  const extra = parts[expected]?.[0];
  const shape = expected === 0 ? "no operands" : `${expected} operand${expected === 1 ? "" : "s"} (${syntax})`;
  if (parts.length === expected && empty >= 0) throw new ExprError(mnemonic.col, `missing operand ${empty + 1} of '${mnemonic.text}' (${syntax})`);
  throw new ExprError(extra?.col ?? mnemonic.col, `'${mnemonic.text.toLowerCase()}' expects ${shape}, got ${parts.length}`);
}
function parseInsn(spec, mnemonic, operandTokens, syntax) {
  const format = FORMATS[spec.format];
  const parts = splitAtCommas(operandTokens);
  checkCount(mnemonic, format.syntax, parts);
  const operands = [];
  slotsOf(format.syntax).forEach((slot, i) => {
    const part = parts[i];
    if (slot.base === void 0) {
      operands.push(parseField(slot.name, part, syntax));
      return;
    }
    const { offset, base } = splitOffsetBase(part);
    operands.push(parseField(slot.base, base, syntax));
    operands.push(offset.length === 0 ? { field: slot.name, kind: "number", value: 0, col: part[0].col } : parseField(slot.name, offset, syntax));
  });
  return { spec, operands, col: mnemonic.col };
}
function splitOffsetBase(part) {
  const last = part[part.length - 1];
  if (last.text === ")") {
    let depth = 0;
    for (let i = part.length - 1; i >= 0; i--) {
      if (part[i].text === ")") depth++;
      if (part[i].text === "(" && --depth === 0) {
        const base = part.slice(i + 1, -1);
        if (base.length === 1 && base[0].kind === "ident" && isRegisterName(base[0].text)) {
          return { offset: part.slice(0, i), base };
        }
        break;
      }
    }
  }
  throw new ExprError(part[0].col, `expected offset(register), e.g. 8(sp), got '${text(part)}'`);
}
function parseField(field, tokens, syntax) {
  const first = tokens[0];
  switch (FIELDS[field].kind) {
    case "reg": {
      const n2 = tokens.length === 1 ? REGISTER_NUMBERS.get(first.text.toLowerCase()) : void 0;
      if (n2 === void 0) {
        const what = tokens.length === 1 && first.kind === "ident" ? `unknown register '${first.text}'` : `expected a register, got '${text(tokens)}'`;
        throw new ExprError(first.col, what);
      }
      return { field, kind: "number", value: n2, col: first.col };
    }
    case "cr": {
      const name = tokens.length === 1 ? first.text.toLowerCase() : "";
      const numbered = /^(?:cr)?([0-9]+)$/.exec(name);
      const n2 = CR_BY_NAME.get(name) ?? (numbered && Number(numbered[1]) < CR_COUNT ? Number(numbered[1]) : void 0);
      if (n2 === void 0) {
        throw new ExprError(first.col, `unknown control register '${text(tokens)}' (expected ${[...CR_BY_NAME.keys()].join(", ")} or cr0..cr${CR_COUNT - 1})`);
      }
      return { field, kind: "number", value: n2, col: first.col };
    }
    default:
      return { field, kind: "expr", expr: parseWholeExpression(tokens, syntax, first.col), col: first.col };
  }
}
function substitute(line, params, args, col) {
  const out = [];
  expansionTokens(line).forEach((t2, i, all) => {
    const index = t2.kind === "ident" ? params.indexOf(t2.text) : -1;
    if (index < 0) {
      out.push({ ...t2, col });
      return;
    }
    const arg = args[index];
    const alone = (i === 0 || all[i - 1].text === ",") && (i === all.length - 1 || all[i + 1].text === ",");
    const wrap = !alone && arg.length > 1;
    if (wrap) out.push({ kind: "punct", text: "(", col: arg[0].col });
    for (const token of arg) out.push(token);
    if (wrap) out.push({ kind: "punct", text: ")", col: arg[0].col });
  });
  return out;
}
var tokensByExpansionLine = /* @__PURE__ */ new Map();
function expansionTokens(line) {
  let tokens = tokensByExpansionLine.get(line);
  if (!tokens) {
    const lexed = lexLine(line);
    if (!lexed.tokens) throw new Error(`isa/table.ts: cannot lex pseudo expansion '${line}'`);
    tokensByExpansionLine.set(line, tokens = lexed.tokens);
  }
  return tokens;
}
function expandLines(lines, params, args, mnemonic, syntax) {
  return lines.map((line) => {
    const [head, ...rest] = substitute(line, params, args, mnemonic.col);
    const spec = SPEC_BY_MNEMONIC.get(head.text);
    if (!spec) throw new Error(`isa/table.ts: pseudo '${mnemonic.text}' expands to unknown '${head.text}'`);
    return parseInsn(spec, mnemonic, rest, syntax);
  });
}
function parsePseudo(pseudo, mnemonic, operandTokens, syntax) {
  const parts = splitAtCommas(operandTokens);
  checkCount(mnemonic, pseudo.syntax, parts);
  const params = slotsOf(pseudo.syntax).map((s) => s.name);
  const long = expandLines(pseudo.expansion, params, parts, mnemonic, syntax);
  const shortForm = SHORT_FORMS[pseudo.mnemonic];
  if (!shortForm) return { kind: "code", insns: long };
  const valueTokens = parts[params.indexOf(shortForm.operand)];
  return {
    kind: "choice",
    value: parseWholeExpression(valueTokens, syntax, mnemonic.col),
    short: expandLines([shortForm.expansion], params, parts, mnemonic, syntax),
    long
  };
}

// assembler/parser.ts
function isLocalLabelName(name) {
  return name.includes("~");
}
var one = (args, head) => {
  if (args.length !== 1) throw new ExprError(args[1]?.[0]?.col ?? head.col, `${head.text} expects one operand, got ${args.length}`);
  return args[0];
};
var expr1 = (args, head, syntax) => parseWholeExpression(one(args, head), syntax, head.col);
var stringArg = (args, head) => {
  const tokens = one(args, head);
  if (tokens.length !== 1 || tokens[0].kind !== "string") throw new ExprError(tokens[0]?.col ?? head.col, `${head.text} expects a quoted string`);
  return tokens[0].bytes;
};
var data = (unitBytes) => (args, head, syntax) => {
  if (args.length === 0) throw new ExprError(head.col, `${head.text} expects at least one value`);
  return { kind: "data", unitBytes, values: args.map((a) => parseWholeExpression(a, syntax, head.col)) };
};
var define = (redefinable) => (args, head, syntax) => {
  const name = args[0]?.[0];
  if (args.length !== 2 || args[0].length !== 1 || name?.kind !== "ident") {
    throw new ExprError(name?.col ?? head.col, `${head.text} expects a name and a value: ${head.text} NAME, expr`);
  }
  checkSymbolName(name);
  return { kind: "define", name: name.text, nameCol: name.col, expr: parseWholeExpression(args[1], syntax, head.col), redefinable };
};
var DIRECTIVES = {
  ".org": (args, head, syntax) => ({ kind: "org", expr: expr1(args, head, syntax) }),
  ".align": (args, head, syntax) => ({ kind: "align", expr: expr1(args, head, syntax) }),
  ".entry": (args, head, syntax) => ({ kind: "entry", expr: expr1(args, head, syntax) }),
  ".word": data(4),
  ".half": data(2),
  ".byte": data(1),
  ".ascii": (args, head) => ({ kind: "bytes", bytes: stringArg(args, head) }),
  ".asciz": (args, head) => ({ kind: "bytes", bytes: [...stringArg(args, head), 0] }),
  ".space": (args, head, syntax) => {
    if (args.length < 1 || args.length > 2) throw new ExprError(head.col, ".space expects a size and an optional fill byte");
    const fill = args[1] ? parseWholeExpression(args[1], syntax, head.col) : void 0;
    return { kind: "space", size: parseWholeExpression(args[0], syntax, head.col), ...fill ? { fill } : {} };
  },
  ".equ": define(false),
  ".set": define(true),
  ".global": (args, head) => {
    if (args.length === 0) throw new ExprError(head.col, ".global expects symbol names");
    return {
      kind: "global",
      names: args.map((a) => {
        if (a.length !== 1 || a[0].kind !== "ident") throw new ExprError(a[0]?.col ?? head.col, ".global expects symbol names");
        return { name: a[0].text, col: a[0].col };
      })
    };
  }
};
var PREPROCESSOR_DIRECTIVES = [".include", ".macro", ".endm"];
function checkSymbolName(token) {
  if (isRegisterName(token.text)) throw new ExprError(token.col, `'${token.text}' is a register name and cannot be a symbol`);
  if (token.text === ".") throw new ExprError(token.col, "'.' is the current address and cannot be defined");
}
function parse(lines, diagnostics) {
  const statements = [];
  const localCounts = /* @__PURE__ */ new Map();
  const syntax = {
    isRegister: isRegisterName,
    localName: (t2) => {
      const count = localCounts.get(t2.value) ?? 0;
      return `${t2.value}~${t2.direction === "b" ? count : count + 1}`;
    }
  };
  for (const line of lines) {
    const { tokens, loc } = line;
    try {
      const labelEnd = labelPrefixLength(tokens);
      for (let i = 0; i < labelEnd; i += 2) statements.push(parseLabel(tokens[i], loc, localCounts));
      if (labelEnd < tokens.length) statements.push(parseStatement(tokens.slice(labelEnd), loc, syntax));
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      diagnostics.error(loc, e.col, e.message);
    }
  }
  return statements;
}
function parseLabel(token, loc, localCounts) {
  if (token.kind === "number") {
    if (!/^[0-9]+$/.test(token.text)) throw new ExprError(token.col, `bad label '${token.text}'`);
    const count = (localCounts.get(token.value) ?? 0) + 1;
    localCounts.set(token.value, count);
    return { kind: "label", name: `${token.value}~${count}`, loc, col: token.col };
  }
  checkSymbolName(token);
  return { kind: "label", name: token.text, loc, col: token.col };
}
function parseStatement(tokens, loc, syntax) {
  const [head, ...rest] = tokens;
  if (head.kind !== "ident") throw new ExprError(head.col, `expected an instruction or directive, got '${head.text}'`);
  const word = head.text.toLowerCase();
  if (word.startsWith(".") && word.length > 1) {
    const parseDirective = DIRECTIVES[word];
    if (!parseDirective) {
      const hint2 = closestName(word, [...Object.keys(DIRECTIVES), ...PREPROCESSOR_DIRECTIVES]);
      throw new ExprError(head.col, `unknown directive '${quoted(head.text)}'${hint2 ? `; did you mean '${hint2}'?` : ""}`);
    }
    return { kind: "directive", name: word, directive: parseDirective(splitAtCommas(rest), head, syntax), loc, col: head.col };
  }
  const spec = SPEC_BY_MNEMONIC.get(word);
  if (spec) return { kind: "insns", group: { kind: "code", insns: [parseInsn(spec, head, rest, syntax)] }, loc, col: head.col };
  const pseudo = PSEUDO_BY_MNEMONIC.get(word);
  if (pseudo) return { kind: "insns", group: parsePseudo(pseudo, head, rest, syntax), loc, col: head.col };
  const hint = closestMnemonic(word);
  if (!hint && rest.length === 0) throw new ExprError(head.col, `unknown instruction '${quoted(head.text)}' (a label needs a ':' after it)`);
  throw new ExprError(head.col, `unknown instruction '${quoted(head.text)}'${hint ? `; did you mean '${hint}'?` : ""}`);
}
var MNEMONICS = [...INSTRUCTIONS.map((s) => s.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)];
var hintByWord = /* @__PURE__ */ new Map();
var MAX_REMEMBERED_HINTS = 1e4;
function closestMnemonic(word) {
  if (hintByWord.has(word)) return hintByWord.get(word);
  if (hintByWord.size >= MAX_REMEMBERED_HINTS) hintByWord.clear();
  const hint = closestName(word, MNEMONICS);
  hintByWord.set(word, hint);
  return hint;
}

// assembler/output.ts
function buildImage(layout) {
  const symbols = [];
  for (const [name, def] of layout.symbols) {
    const isAddress = def.kind === "label" || (def.kind === "equ" || def.kind === "set") && def.addressLike;
    if (!isAddress || isLocalLabelName(name)) continue;
    symbols.push({ name, address: def.value >>> 0, global: layout.globals.has(name) });
  }
  symbols.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sourceMap = layout.emissions.map((e) => ({ address: e.address, file: e.loc.file, line: e.loc.line })).sort((a, b) => a.address - b.address);
  return {
    entry: layout.entry,
    segments: [...layout.segments].sort((a, b) => a.address - b.address).map((s) => ({ address: s.address, bytes: s.bytes.view().slice() })),
    symbols,
    sourceMap
  };
}
var hex3 = (n2, digits) => (n2 >>> 0).toString(16).padStart(digits, "0");
var DATA_WIDTH = 11;
var LONG_FILL_BYTES = 16;
function buildListing(layout) {
  const rows = [];
  const labelLines = labelOnlyLines(layout);
  let nextLabel = 0;
  const labelRowsBefore = (seq) => {
    for (; nextLabel < labelLines.length && labelLines[nextLabel].loc.seq < seq; nextLabel++) {
      const { address, loc } = labelLines[nextLabel];
      rows.push(`${hex3(address, 8)}  ${"".padEnd(DATA_WIDTH)}  ${loc.text.trimEnd()}`);
    }
  };
  let previousSeq = -1;
  for (const emission of layout.emissions) {
    labelRowsBefore(emission.loc.seq);
    const chunks = rowsOf(emission);
    chunks.forEach((data2, i) => {
      const first = i === 0 && emission.loc.seq !== previousSeq;
      const text2 = first ? emission.loc.text.trimEnd() : "";
      rows.push(`${hex3(emission.address + 4 * i, 8)}  ${data2.padEnd(DATA_WIDTH)}  ${text2}`.trimEnd());
    });
    previousSeq = emission.loc.seq;
  }
  labelRowsBefore(Infinity);
  return rows.length > 0 ? rows.join("\n") + "\n" : "";
}
function labelOnlyLines(layout) {
  const emitting = new Set(layout.emissions.map((e) => e.loc.seq));
  const bySeq = /* @__PURE__ */ new Map();
  for (const def of layout.symbols.values()) {
    if (def.kind !== "label" || !def.loc || emitting.has(def.loc.seq)) continue;
    if (!bySeq.has(def.loc.seq)) bySeq.set(def.loc.seq, { address: def.value >>> 0, loc: def.loc });
  }
  return [...bySeq.values()].sort((a, b) => a.loc.seq - b.loc.seq);
}
var BYTE_HEX = Array.from({ length: 256 }, (_, b) => hex3(b, 2));
function rowsOf(e) {
  const rows = [];
  const bytes = emittedBytes(e);
  const isUniformFill = bytes.length > LONG_FILL_BYTES && bytes.every((b) => b === bytes[0]);
  const shown = isUniformFill ? bytes.subarray(0, 4) : bytes;
  for (let offset = 0; offset < shown.length; offset += 4) {
    let row = "";
    for (let u = offset; u < Math.min(offset + 4, shown.length); u += e.unitBytes) {
      if (u > offset) row += " ";
      for (let b = e.unitBytes - 1; b >= 0; b--) row += BYTE_HEX[shown[u + b] ?? 0];
    }
    rows.push(row);
  }
  if (isUniformFill) rows.push(`\u2026 ${bytes.length - shown.length} more`);
  return rows;
}

// assembler/resolver.ts
var MAX_PASSES = 10;
function resolve(statements, options, diagnostics) {
  const predefined = new Map(
    Object.entries(options.defines).map(([name, value]) => [name, { value: value | 0, addressLike: false, kind: "predefined" }])
  );
  let previous;
  let last;
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    previous = last;
    last = runPass(statements, options.origin, predefined, previous?.symbols);
    if (previous && changedSymbol(previous.symbols, last.symbols) === void 0) break;
  }
  diagnostics.addAll(last.diagnostics);
  const moving = changedSymbol(previous.symbols, last.symbols);
  const def = moving === void 0 ? void 0 : last.symbols.get(moving) ?? previous.symbols.get(moving);
  if (def?.loc) diagnostics.error(def.loc, 1, `symbol values did not settle after ${MAX_PASSES} passes ('${moving}' keeps moving)`);
  return last;
}
function changedSymbol(before, after) {
  for (const [name, def] of after) if (before.get(name)?.value !== def.value) return name;
  for (const name of before.keys()) if (!after.has(name)) return name;
  return void 0;
}

// assembler/index.ts
var DEFAULT_ORIGIN = 4096;
function noReader() {
  throw new Error("no file reader was given to the assembler (AssembleOptions.readFile)");
}
function assemble(source, options = {}) {
  const file = options.file ?? "<input>";
  const diagnostics = new Diagnostics();
  try {
    const lines = preprocess(source, {
      file,
      readFile: options.readFile ?? noReader,
      resolvePath: options.resolvePath ?? normalize,
      includePath: options.includePath ?? [],
      diagnostics,
      defined: new Set(Object.keys(options.defines ?? {}))
    });
    const statements = parse(lines, diagnostics);
    const layout = resolve(statements, { origin: options.origin ?? DEFAULT_ORIGIN, defines: options.defines ?? {} }, diagnostics);
    const image = diagnostics.errorCount === 0 ? buildImage(layout) : void 0;
    let listing;
    return {
      ...image ? { image } : {},
      diagnostics: diagnostics.sorted(),
      get listing() {
        return listing ??= buildListing(layout);
      }
    };
  } catch (e) {
    const message = `internal assembler error: ${e instanceof Error ? e.message : String(e)}`;
    diagnostics.error({ file, line: 1, text: source.split("\n")[0] ?? "", seq: -1 }, 1, message);
    return { diagnostics: diagnostics.sorted(), listing: "" };
  }
}
function assembleFile(path2, options = {}) {
  const readFile = options.readFile ?? noReader;
  let source;
  try {
    source = readFile(path2);
  } catch (e) {
    const code = e.code;
    const reason = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : e.message;
    const diagnostic = { file: path2, line: 1, col: 1, message: `cannot read '${path2}': ${reason}`, sourceLine: "", severity: "error" };
    return { diagnostics: [diagnostic], listing: "" };
  }
  return assemble(source, { ...options, file: path2, readFile });
}

// node/files.ts
import * as fs from "node:fs";
import * as path from "node:path";
function readSourceFile(file) {
  const stat = fs.statSync(file);
  if (stat.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
  if (!stat.isFile()) throw new Error("not a regular file");
  if (stat.size > MAX_SOURCE_FILE_BYTES) throw new Error(`larger than ${MAX_SOURCE_FILE_BYTES / (1024 * 1024)} MiB (${stat.size} bytes)`);
  return fs.readFileSync(file, "utf8");
}
var NODE_FILES = { readFile: readSourceFile, resolvePath: (p) => path.resolve(p) };
function assembleFile2(file, options = {}) {
  return assembleFile(file, { ...NODE_FILES, ...options });
}

// emulator/boot.ts
var BOOT_MAGIC = 1414939209;
var BOOT_INFO_WORDS = 8;
var MODULE_ENTRY_WORDS = 8;
var USER_ORIGIN = 4194304;
var BootError = class extends Error {
};
var PAGE = 4096;
var pageUp = (n2) => Math.ceil(n2 / PAGE) * PAGE;
function flattenImage(image) {
  if (image.segments.length === 0) return { base: USER_ORIGIN, bytes: new Uint8Array(0) };
  const base = Math.min(...image.segments.map((s) => s.address));
  const end = Math.max(...image.segments.map((s) => s.address + s.bytes.length));
  const bytes = new Uint8Array(end - base);
  for (const s of image.segments) bytes.set(s.bytes, s.address - base);
  return { base, bytes };
}
function loadSegments(mem, image) {
  let end = 0;
  for (const seg of image.segments) {
    if (seg.address + seg.bytes.length > mem.sizeBytes) {
      throw new BootError(`segment at 0x${seg.address.toString(16)} (${seg.bytes.length} bytes) does not fit in ${mem.sizeBytes} bytes of memory`);
    }
    mem.load(seg.address, seg.bytes);
    end = Math.max(end, seg.address + seg.bytes.length);
  }
  return end;
}
function bootLoad(mem, kernel, modules, options = {}) {
  const kernelEnd = loadSegments(mem, kernel);
  let cursor = pageUp(kernelEnd);
  const placed = [];
  for (const m of modules) {
    const { base, bytes } = flattenImage(m.image);
    if (base % PAGE !== 0) throw new BootError(`module '${m.name}' starts at 0x${base.toString(16)}, not on a page boundary`);
    placed.push({ name: m.name, physStart: cursor, sizeBytes: bytes.length, vaBase: base, entry: m.image.entry });
    if (cursor + bytes.length > mem.sizeBytes) throw new BootError(`module '${m.name}' does not fit in memory`);
    mem.load(cursor, bytes);
    cursor = pageUp(cursor + bytes.length);
  }
  const bootInfo = cursor;
  const tableAddr = bootInfo + BOOT_INFO_WORDS * 4;
  let dataAddr = tableAddr + modules.length * MODULE_ENTRY_WORDS * 4;
  const words = [];
  const strings = [];
  const table = [];
  modules.forEach((m, i) => {
    const argvAddr = dataAddr;
    dataAddr += m.args.length * 4;
    const nameBytes = new TextEncoder().encode(m.name + "\0");
    const nameAddr = dataAddr;
    dataAddr = dataAddr + nameBytes.length + 3 & ~3;
    strings.push({ addr: argvAddr, bytes: new Uint8Array(new Int32Array(m.args.map((a) => a | 0)).buffer) });
    strings.push({ addr: nameAddr, bytes: new Uint8Array(nameBytes) });
    const p = placed[i];
    table.push(p.physStart, p.sizeBytes, p.vaBase, p.entry, nameAddr, m.args.length, argvAddr, 0);
  });
  const freeStart = pageUp(dataAddr);
  if (freeStart > mem.sizeBytes) throw new BootError("boot modules do not fit in memory");
  words.push(BOOT_MAGIC, mem.sizeBytes, freeStart, modules.length, tableAddr, pageUp(kernelEnd), options.timerInterval ?? 0, 0);
  mem.load(bootInfo, new Uint8Array(new Int32Array([...words, ...table].map((w2) => w2 | 0)).buffer));
  for (const s of strings) mem.load(s.addr, s.bytes);
  return { bootInfo, freeStart, modules: placed };
}

// emulator/devices.ts
var Console = class {
  out = [];
  input = [];
  inputPos = 0;
  /** Total bytes ever written, for statistics. */
  bytesWritten = 0;
  transmit(byte) {
    this.out.push(byte & 255);
    this.bytesWritten++;
  }
  /** The next input byte, or -1 when none is waiting. */
  receive() {
    return this.inputPos < this.input.length ? this.input[this.inputPos++] : -1;
  }
  hasInput() {
    return this.inputPos < this.input.length;
  }
  /** The input bytes queued and not read yet (a copy). */
  pendingInput() {
    return Uint8Array.from(this.input.slice(this.inputPos));
  }
  feed(text2) {
    const bytes = typeof text2 === "string" ? new TextEncoder().encode(text2) : text2;
    for (const b of bytes) this.input.push(b);
  }
  /** Take the output produced since the last drain. */
  drain() {
    const chunk = Uint8Array.from(this.out);
    this.out.length = 0;
    return chunk;
  }
  /** The same, as text: UTF-8 (a bad sequence becomes U+FFFD), or latin1 (one character a byte). */
  drainText(encoding = "utf8") {
    const chunk = this.drain();
    if (encoding === "utf8") return new TextDecoder("utf-8", { ignoreBOM: true }).decode(chunk);
    let text2 = "";
    for (let i = 0; i < chunk.length; i += 8192) text2 += String.fromCharCode(...chunk.subarray(i, i + 8192));
    return text2;
  }
};
var Devices = class {
  console = new Console();
  /** Set when the guest writes POWER_OFF. */
  poweredOff = false;
  exitCode = 0;
  /** Read a device word; undefined when nothing answers at that address. */
  read(physAddr) {
    switch (physAddr >>> 0) {
      case DEVICE.CONSOLE_TX:
      case DEVICE.POWER_OFF:
        return 0;
      case DEVICE.CONSOLE_RX:
        return this.console.receive() | 0;
      case DEVICE.CONSOLE_STATUS:
        return (this.console.hasInput() ? 1 : 0) | 2;
      default:
        return void 0;
    }
  }
  /** Write a device word; false when nothing answers at that address. */
  write(physAddr, value) {
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
};

// emulator/exits.ts
var exits_exports = {};
__export(exits_exports, {
  EXIT: () => EXIT,
  EXIT_CONTROL: () => EXIT_CONTROL,
  EXIT_NAMES: () => EXIT_NAMES,
  ExitInfo: () => ExitInfo
});
var EXIT = {
  /** mfcr of a control register whose bit is set in crReadExits. Qualification: crn, rd. */
  CR_READ: 1,
  /** mtcr/mxcr of a control register in crWriteExits (STATUS: only bits in statusWriteMask changing). Qualification: crn, value, rd. */
  CR_WRITE: 2,
  TLBFLUSH: 3,
  /** Qualification: the virtual address. */
  INVLPG: 4,
  /** A page or protection fault (or bus error in a walk) the guest raised. Qualification: cause, address. */
  PAGE_FAULT: 5,
  /** A guest-physical address without an EPT mapping (or without the right). Qualification: guest-physical address, access, virtual address. */
  EPT_VIOLATION: 6,
  WFI: 7,
  /** Qualification: the hcall code. */
  HCALL: 8,
  /**
   * Page-modification logging (pml.ts, isa/README.md 6.7): a write needed an EPT D bit set while
   * the log was full. Nothing was set; the access is retried once the VMM drained the log.
   * Qualification: guest-physical address, access, virtual address.
   */
  PML_FULL: 9
};
var EXIT_CONTROL = {
  TLBFLUSH: 1 << 0,
  INVLPG: 1 << 1,
  PAGE_FAULT: 1 << 2,
  WFI: 1 << 3,
  HCALL: 1 << 4
};
var ExitInfo = class {
  reason = 0;
  /** pc of the instruction that exited; it has not retired. */
  pc = 0;
  /** The instruction word. */
  word = 0;
  crn = 0;
  /** Register written by mfcr/mxcr (the VMM puts the emulated value there). */
  rd = 0;
  /** The value a CR write would have written. */
  value = 0;
  /** Virtual address (invlpg, faults). */
  address = 0;
  guestPhys = 0;
  /** EPT violations: met while reading a guest page table, not for the final address. */
  inTableWalk = false;
  /** ACCESS type of a fault or EPT violation. */
  access = 0;
  /** TV32 cause of a PAGE_FAULT exit. */
  cause = 0;
  code = 0;
};
var EXIT_NAMES = new Map(
  Object.entries(EXIT).map(([name, n2]) => [n2, name.toLowerCase().replace(/_/g, "-")])
);

// emulator/cpu-state.ts
var {
  ACCESS: ACCESS2,
  CAUSE: CAUSE2,
  CR: CR2,
  CR_COUNT: CR_COUNT2,
  PTBR_ASID_MASK: PTBR_ASID_MASK2,
  PTBR_ROOT_MASK: PTBR_ROOT_MASK2,
  READ_ONLY_CRS: READ_ONLY_CRS2,
  RESET_STATUS: RESET_STATUS2,
  STATUS: STATUS2,
  STATUS_WRITABLE_MASK: STATUS_WRITABLE_MASK2,
  USER_READABLE_CRS: USER_READABLE_CRS2
} = arch_exports;
var { EXIT: EXIT2, EXIT_CONTROL: EXIT_CONTROL2 } = exits_exports;
var STOP = {
  /** The instruction budget of this call is used up. */
  BUDGET: 0,
  /** The guest wrote the power-off register. */
  HALT: 1,
  /** A VM exit is waiting in `exit`. */
  EXIT: 2,
  /** wfi with interrupts impossible: nothing could ever wake the machine. */
  WFI_DEADLOCK: 3,
  /** Someone called requestStop() (the debugger, Ctrl-C). */
  REQUESTED: 4,
  /** Traps kept coming without a single instruction retiring: the trap handler itself faults. */
  TRAP_LOOP: 5,
  /** A trap was delivered and `trapHook` asked to stop at the handler's first instruction. */
  TRAP: 6
};
var TRAP_LOOP_LIMIT = 64;
var OP_LB = opcodeOf("lb");
var OP_SB = opcodeOf("sb");
var OP_MFCR = opcodeOf("mfcr");
var OP_MTCR = opcodeOf("mtcr");
var OP_MXCR = opcodeOf("mxcr");
var OP_INVLPG = opcodeOf("invlpg");
var OP_SYS2 = opcodeOf("syscall");
var SYS_FUNCT = new Map(INSTRUCTIONS.filter((s) => s.opcode === OP_SYS2).map((s) => [s.mnemonic, s.funct ?? 0]));
var F_SYSCALL = SYS_FUNCT.get("syscall");
var F_BREAK = SYS_FUNCT.get("break");
var F_ERET = SYS_FUNCT.get("eret");
var F_WFI = SYS_FUNCT.get("wfi");
var F_TLBFLUSH = SYS_FUNCT.get("tlbflush");
var F_HCALL = SYS_FUNCT.get("hcall");
var MEM_SIZE = new Int32Array([1, 2, 4, 1, 2, 1, 2, 4]);
var USER_READABLE = USER_READABLE_CRS2.reduce((m, n2) => m | 1 << n2, 0);
var READ_ONLY = READ_ONLY_CRS2.reduce((m, n2) => m | 1 << n2, 0);
var DEFINED_CRS = Object.values(CR2).reduce((m, n2) => m | 1 << n2, 0);
var NO_EXITS = { crReadExits: 0, crWriteExits: 0, statusWriteMask: 0, events: 0 };
var CpuState = class {
  constructor(mem, mmu, devices, stats, profile) {
    this.mem = mem;
    this.mmu = mmu;
    this.devices = devices;
    this.stats = stats;
    this.profile = profile;
    const { mask, match } = opcodeCheckTables();
    for (let op = 0; op < 64; op++) {
      this.fixedMask[op] = mask[op] | 0;
      this.fixedMatch[op] = match[op] | 0;
    }
    this.fixedMask[OP_SYS2] = 0;
    this.fixedMatch[OP_SYS2] = 0;
    for (const spec of INSTRUCTIONS) {
      const extra = spec.cls === "load" ? profile.loadCycles : spec.cls === "store" ? profile.storeCycles : 0;
      this.opCycles[spec.opcode] = (profile.insn[spec.mnemonic] ?? spec.cycles) + extra;
    }
    this.reset(0, 0);
  }
  mem;
  mmu;
  devices;
  stats;
  profile;
  regs = new Int32Array(16);
  pc = 0;
  cr = new Int32Array(CR_COUNT2);
  /** Guest timer: ticks (retired instructions + idle ticks) at which it next fires; Infinity when disarmed. */
  timerDeadline = Infinity;
  timerPending = false;
  /** Ticks spent idle in wfi: the timer counts them, INSTRET does not. */
  idleTicks = 0;
  /** Exit controls: NO_EXITS on bare metal; the VMM sets its own on VM entry. */
  exitControls = NO_EXITS;
  /** In guest mode the VMM owns translation: STATUS.PG and PTBR writes do not reach the MMU. */
  vmmOwnsTranslation = false;
  exit = new ExitInfo();
  stopRequested = false;
  stopCode = STOP.BUDGET;
  /**
   * The debugger's probe on trap entry: called with the cause of every trap delivered (exceptions,
   * interrupts, faults a VMM injects); returning true makes `run` stop with STOP.TRAP before the
   * handler's first instruction. Null (the default) costs nothing: traps are never on the hot path.
   */
  trapHook = null;
  /** Set when trapHook asked for a stop; `run` reports it at its next instruction boundary. */
  trapStop = false;
  /** Per opcode: the fixed-bit mask and match of its instruction (SYS checked in its case). */
  fixedMask = new Int32Array(64);
  fixedMatch = new Int32Array(64);
  /** Per opcode: base cycles plus the data-access cost of loads and stores. */
  opCycles = new Int32Array(64);
  reset(entry, stackTop) {
    this.regs.fill(0);
    this.regs[2] = stackTop | 0;
    this.cr.fill(0);
    this.cr[CR2.STATUS] = RESET_STATUS2;
    this.pc = entry >>> 0;
    this.timerDeadline = Infinity;
    this.timerPending = false;
    this.idleTicks = 0;
    this.syncMmuMode();
  }
  get supervisor() {
    return (this.cr[CR2.STATUS] & STATUS2.MODE) !== 0;
  }
  /** Stop the running loop at the next instruction boundary (safe from a signal handler). */
  requestStop() {
    this.stopRequested = true;
  }
  /** The tick count the timer runs on. */
  get ticks() {
    return this.stats.instructions + this.idleTicks;
  }
  /**
   * Write the LRU stamps of the fast-path hits made since the last call (`*Used` >= 0: the
   * instruction count of the slot's latest hit), oldest first, so the TLB sees exactly the order
   * an eager stamp on every hit would have given. A fetch at instruction i comes before that
   * instruction's data access: times 2i and 2i + 1. Called before every MMU lookup from the loop
   * and at the end of each pass; the caller then clears the `*Used` values.
   */
  stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed) {
    let fT = fIdx >= 0 && fUsed >= 0 ? fUsed * 2 : -1;
    let lT = lIdx >= 0 && lUsed >= 0 ? lUsed * 2 + 1 : -1;
    let sT = sIdx >= 0 && sUsed >= 0 ? sUsed * 2 + 1 : -1;
    const mmu = this.mmu;
    for (let left = (fT >= 0 ? 1 : 0) + (lT >= 0 ? 1 : 0) + (sT >= 0 ? 1 : 0); left > 0; left--) {
      if (fT >= 0 && (lT < 0 || fT < lT) && (sT < 0 || fT < sT)) {
        mmu.itlb.touch(fIdx, ++mmu.clock);
        fT = -1;
      } else if (lT >= 0 && (sT < 0 || lT < sT)) {
        mmu.dtlb.touch(lIdx, ++mmu.clock);
        lT = -1;
      } else {
        mmu.dtlb.touch(sIdx, ++mmu.clock);
        sT = -1;
      }
    }
  }
  // ---------------------------------------------------------------- slow paths
  // Each works on this.pc and this.stats.instructions: it either retires the instruction at
  // this.pc (pc moves on, the count goes up) or traps or exits (the instruction has no effect).
  retire(op) {
    this.stats.instructions++;
    this.stats.cyclesInsn += this.opCycles[op];
    this.pc = this.pc + 4 >>> 0;
  }
  /** A fetch that failed translation, reached a device or was misaligned. */
  fetchFault(phys) {
    const pc = this.pc;
    this.currentWord = 0;
    this.lastAccess = ACCESS2.FETCH;
    if ((pc & 3) !== 0) this.trap(CAUSE2.MISALIGNED_FETCH, pc);
    else if (phys < 0) this.translationFault();
    else this.trap(CAUSE2.BUS_ERROR, pc);
  }
  /** After mmu.translate returned -1: an EPT-violation exit, or a trap (maybe a page-fault exit). */
  translationFault() {
    const mmu = this.mmu;
    if (mmu.faultCause < 0) {
      const e = this.beginExit(mmu.faultCause === -1 ? EXIT2.EPT_VIOLATION : EXIT2.PML_FULL);
      e.address = mmu.faultAddr;
      e.guestPhys = mmu.faultGuestPhys;
      e.inTableWalk = mmu.faultInTable;
      e.access = this.lastAccess;
      return;
    }
    if (mmu.agile && mmu.faultDirect) this.deliverTrap(mmu.faultCause, mmu.faultAddr);
    else this.trap(mmu.faultCause, mmu.faultAddr);
  }
  lastAccess = ACCESS2.FETCH;
  /** A load or store that was misaligned, faulted in translation, or reached a device. */
  slowAccess(w2, va, pa) {
    this.currentWord = w2;
    const op = w2 >>> 26;
    const size = MEM_SIZE[op - OP_LB];
    const isStore = op >= OP_SB;
    this.lastAccess = isStore ? ACCESS2.STORE : ACCESS2.LOAD;
    if ((va & size - 1) !== 0) {
      this.trap(isStore ? CAUSE2.MISALIGNED_STORE : CAUSE2.MISALIGNED_LOAD, va);
      return;
    }
    if (pa < 0) {
      this.translationFault();
      return;
    }
    const rd = w2 >>> 22 & 15;
    if (size !== 4 || !this.devicesAccessible) {
      this.trap(CAUSE2.BUS_ERROR, va);
      return;
    }
    if (isStore) {
      if (!this.devices.write(pa, this.regs[rd])) {
        this.trap(CAUSE2.BUS_ERROR, va);
        return;
      }
      if (this.devices.poweredOff) this.stopCode = STOP.HALT;
    } else {
      const v = this.devices.read(pa);
      if (v === void 0) {
        this.trap(CAUSE2.BUS_ERROR, va);
        return;
      }
      if (rd !== 0) this.regs[rd] = v;
    }
    this.stats.mmioAccesses++;
    this.stats.cyclesMmio += this.profile.mmioCycles;
    this.retire(op);
  }
  /**
   * Under a VMM a guest never reaches its device registers directly: every access exits and the
   * VMM emulates it on the VM's own devices (those this CPU was given). Their interrupt line is
   * not gated by this: console input waiting in a VM's console raises DEVICE_INTERRUPT in its
   * vCPU at the same instruction boundary as on bare metal, as if the VMM injected it the moment
   * the guest could take it (isa/README.md section 7).
   */
  devicesAccessible = true;
  /**
   * A trap at this.pc: precise, the instruction has no effect (isa/README.md, "Trap entry").
   * Under a VMM with page-fault exiting, page and protection faults exit instead.
   */
  trap(cause, badva) {
    if ((this.exitControls.events & EXIT_CONTROL2.PAGE_FAULT) !== 0 && isMemoryFault(cause)) {
      const e = this.beginExit(EXIT2.PAGE_FAULT);
      e.cause = cause;
      e.address = badva >>> 0;
      e.access = this.lastAccess;
      return;
    }
    this.deliverTrap(cause, badva);
  }
  /** Trap entry proper, at this.pc. The VMM uses it to inject a fault into the guest. */
  deliverTrap(cause, badva) {
    if (this.trapHook !== null && this.trapHook(cause)) this.trapStop = true;
    const cr = this.cr;
    this.stats.traps[cause]++;
    if (this.stats.instructions === this.lastTrapInstret) {
      if (++this.trapStreak >= TRAP_LOOP_LIMIT) this.stopCode = STOP.TRAP_LOOP;
    } else {
      this.lastTrapInstret = this.stats.instructions;
      this.trapStreak = 1;
    }
    this.stats.cyclesTrap += this.profile.trapEntryCycles;
    cr[CR2.EPC] = this.pc;
    cr[CR2.CAUSE] = cause;
    cr[CR2.BADVA] = badva;
    const s = cr[CR2.STATUS];
    let next = s & ~(STATUS2.PMODE | STATUS2.PIE | STATUS2.IE);
    if (s & STATUS2.MODE) next |= STATUS2.PMODE;
    if (s & STATUS2.IE) next |= STATUS2.PIE;
    cr[CR2.STATUS] = next | STATUS2.MODE;
    this.mmu.setUserMode(false);
    this.pc = (cr[CR2.EVEC] & ~3) >>> 0;
  }
  /** The word of the instruction in the slow path (exits carry it so the VMM can emulate it). */
  currentWord = 0;
  lastTrapInstret = -1;
  trapStreak = 0;
  beginExit(reason) {
    const e = this.exit;
    e.reason = reason;
    e.pc = this.pc;
    e.word = this.currentWord;
    this.stopCode = STOP.EXIT;
    return e;
  }
  interruptDeliverable() {
    if (!(this.cr[CR2.STATUS] & STATUS2.IE)) return false;
    return this.timerPending || this.devices.console.hasInput();
  }
  /** Take the pending interrupt at this.pc (timer first, then the device). */
  takeInterrupt() {
    this.stats.interrupts++;
    if (this.timerPending) {
      this.timerPending = false;
      this.deliverTrap(CAUSE2.TIMER_INTERRUPT, 0);
    } else {
      this.deliverTrap(CAUSE2.DEVICE_INTERRUPT, 0);
    }
  }
  fireTimer() {
    const interval = this.cr[CR2.TIMER] >>> 0;
    this.timerPending = true;
    while (this.timerDeadline <= this.ticks) this.timerDeadline += interval;
  }
  /** Control registers, MMU maintenance and the SYS group, at this.pc. */
  system(w2, op) {
    this.currentWord = w2;
    if ((w2 & this.fixedMask[op]) !== this.fixedMatch[op]) return this.trap(CAUSE2.ILLEGAL_INSTRUCTION, w2);
    const cr = this.cr;
    const rd = w2 >>> 22 & 15;
    const rs1 = w2 >>> 18 & 15;
    const crn = w2 & 31;
    const user2 = !(cr[CR2.STATUS] & STATUS2.MODE);
    const controls = this.exitControls;
    switch (op) {
      case OP_MFCR: {
        if (user2 && !(USER_READABLE >>> crn & 1)) return this.trap(CAUSE2.PRIVILEGED_INSTRUCTION, w2);
        if (!(DEFINED_CRS >>> crn & 1)) return this.trap(CAUSE2.ILLEGAL_INSTRUCTION, w2);
        if (controls.crReadExits >>> crn & 1) {
          const e = this.beginExit(EXIT2.CR_READ);
          e.word = w2;
          e.crn = crn;
          e.rd = rd;
          return;
        }
        if (rd !== 0) this.regs[rd] = this.readCr(crn);
        return this.retire(op);
      }
      case OP_MTCR:
      case OP_MXCR: {
        if (user2) return this.trap(CAUSE2.PRIVILEGED_INSTRUCTION, w2);
        if (!(DEFINED_CRS >>> crn & 1)) return this.trap(CAUSE2.ILLEGAL_INSTRUCTION, w2);
        const value = this.regs[rs1];
        if (this.crWriteExits(crn, value)) {
          const e = this.beginExit(EXIT2.CR_WRITE);
          e.word = w2;
          e.crn = crn;
          e.value = value;
          e.rd = op === OP_MXCR ? rd : 0;
          return;
        }
        const old = this.readCr(crn);
        this.writeCr(crn, value);
        if (op === OP_MXCR && rd !== 0) this.regs[rd] = old;
        return this.retire(op);
      }
      case OP_INVLPG: {
        if (user2) return this.trap(CAUSE2.PRIVILEGED_INSTRUCTION, w2);
        this.stats.invlpgs++;
        this.stats.cyclesInsn += this.profile.tlbMaintenanceCycles;
        if (controls.events & EXIT_CONTROL2.INVLPG) {
          const e = this.beginExit(EXIT2.INVLPG);
          e.word = w2;
          e.address = this.regs[rs1] >>> 0;
          return;
        }
        this.mmu.flushPage(this.regs[rs1]);
        return this.retire(op);
      }
      case OP_SYS2:
        return this.sysGroup(w2, user2);
      default:
        return this.trap(CAUSE2.ILLEGAL_INSTRUCTION, w2);
    }
  }
  sysGroup(w2, user2) {
    const funct = w2 & 67108863;
    const controls = this.exitControls;
    if (funct === F_SYSCALL) return this.trap(CAUSE2.SYSCALL, 0);
    if (funct === F_BREAK) return this.trap(CAUSE2.BREAKPOINT, 0);
    const isHcall = (funct & ~65535) === F_HCALL;
    if (!isHcall && funct !== F_ERET && funct !== F_WFI && funct !== F_TLBFLUSH) {
      return this.trap(CAUSE2.ILLEGAL_INSTRUCTION, w2);
    }
    if (user2) return this.trap(CAUSE2.PRIVILEGED_INSTRUCTION, w2);
    if (isHcall) {
      if (!(controls.events & EXIT_CONTROL2.HCALL)) return this.trap(CAUSE2.ILLEGAL_INSTRUCTION, w2);
      const e = this.beginExit(EXIT2.HCALL);
      e.word = w2;
      e.code = w2 & 65535;
      return;
    }
    if (funct === F_ERET) return this.eret();
    if (funct === F_TLBFLUSH) {
      this.stats.tlbFlushes++;
      this.stats.cyclesInsn += this.profile.tlbMaintenanceCycles;
      if (controls.events & EXIT_CONTROL2.TLBFLUSH) {
        this.beginExit(EXIT2.TLBFLUSH).word = w2;
        return;
      }
      this.mmu.flushAll();
      return this.retire(OP_SYS2);
    }
    if (controls.events & EXIT_CONTROL2.WFI) {
      this.beginExit(EXIT2.WFI).word = w2;
      return;
    }
    if (!this.idleUntilInterrupt()) {
      this.stopCode = STOP.WFI_DEADLOCK;
      return;
    }
    this.retire(OP_SYS2);
  }
  /**
   * What wfi does: if nothing is pending, idle until the timer fires (the idle ticks count toward
   * the timer and the cycle count, not INSTRET). Returns false when nothing in the machine could
   * ever wake it (timer off, no console input); the wfi has not retired, so a host that queues
   * input later (a terminal, the debugger's `input`) can run the CPU again and it completes.
   */
  idleUntilInterrupt() {
    if (this.timerPending || this.devices.console.hasInput()) return true;
    if (this.timerDeadline === Infinity) return false;
    const idle = this.timerDeadline - this.ticks;
    if (idle > 0) {
      this.idleTicks += idle;
      this.stats.cyclesIdle += idle;
    }
    this.fireTimer();
    return true;
  }
  /** eret retires, then continues at EPC in the mode saved by trap entry. */
  eret() {
    const cr = this.cr;
    const s = cr[CR2.STATUS];
    let next = s & ~(STATUS2.MODE | STATUS2.IE | STATUS2.PMODE) | STATUS2.PIE;
    if (s & STATUS2.PMODE) next |= STATUS2.MODE;
    if (s & STATUS2.PIE) next |= STATUS2.IE;
    cr[CR2.STATUS] = next;
    this.stats.cyclesTrap += this.profile.eretCycles;
    this.mmu.setUserMode(!(next & STATUS2.MODE));
    this.retire(OP_SYS2);
    this.pc = cr[CR2.EPC] >>> 0;
    if ((this.pc & 3) !== 0) this.mmu.generation++;
  }
  crWriteExits(crn, value) {
    const c = this.exitControls;
    if (!(c.crWriteExits >>> crn & 1)) return false;
    if (crn !== CR2.STATUS) return true;
    return ((this.cr[CR2.STATUS] ^ value) & c.statusWriteMask) !== 0;
  }
  /** mfcr semantics (no privilege or exit check). */
  readCr(crn) {
    const stats = this.stats;
    switch (crn) {
      case CR2.CYCLE:
        return stats.cycles % 2 ** 32 | 0;
      case CR2.CYCLEH:
        return Math.floor(stats.cycles / 2 ** 32) | 0;
      case CR2.INSTRET:
        return stats.instructions % 2 ** 32 | 0;
      case CR2.INSTRETH:
        return Math.floor(stats.instructions / 2 ** 32) | 0;
      default:
        return this.cr[crn];
    }
  }
  /** mtcr semantics (no privilege or exit check). */
  writeCr(crn, value) {
    if (READ_ONLY >>> crn & 1) return;
    const cr = this.cr;
    switch (crn) {
      case CR2.STATUS:
        cr[CR2.STATUS] = value & STATUS_WRITABLE_MASK2;
        this.syncMmuMode();
        return;
      case CR2.PTBR:
        cr[CR2.PTBR] = value & (PTBR_ROOT_MASK2 | PTBR_ASID_MASK2);
        this.stats.ptbrWrites++;
        if (!this.vmmOwnsTranslation) this.mmu.writePtbr(value);
        return;
      case CR2.TIMER:
        cr[CR2.TIMER] = value;
        this.timerPending = false;
        this.timerDeadline = value === 0 ? Infinity : this.ticks + 1 + (value >>> 0);
        return;
      case CR2.EVEC:
      case CR2.EPC:
      case CR2.CAUSE:
      case CR2.BADVA:
      case CR2.SCRATCH:
        cr[crn] = value;
        return;
      default:
        return;
    }
  }
  /** Make the MMU follow the mode and, unless the VMM owns translation, STATUS.PG and PTBR. */
  syncMmuMode() {
    const s = this.cr[CR2.STATUS];
    const mmu = this.mmu;
    mmu.setUserMode(!(s & STATUS2.MODE));
    if (this.vmmOwnsTranslation) return;
    mmu.setStage1((s & STATUS2.PG) !== 0);
    const ptbr = this.cr[CR2.PTBR];
    const root = (ptbr & PTBR_ROOT_MASK2) >>> 0;
    const context = mmu.context & ~PTBR_ASID_MASK2 | ptbr & mmu.asidMask;
    if (mmu.stage1Root !== root || mmu.context !== context) {
      mmu.stage1Root = root;
      mmu.context = context;
      mmu.generation++;
    }
  }
  /** Retire the instruction at pc on the guest's behalf: the VMM emulated it. */
  retireEmulated(word) {
    this.stats.instructions++;
    this.stats.cyclesInsn += this.opCycles[word >>> 26];
    this.pc = this.pc + 4 >>> 0;
  }
  save() {
    return {
      regs: Array.from(this.regs),
      pc: this.pc,
      cr: Array.from(this.cr),
      timerDeadline: this.timerDeadline,
      timerPending: this.timerPending,
      idleTicks: this.idleTicks
    };
  }
  restore(s) {
    this.regs.set(s.regs);
    this.pc = s.pc;
    this.cr.set(s.cr);
    this.timerDeadline = s.timerDeadline;
    this.timerPending = s.timerPending;
    this.idleTicks = s.idleTicks;
    this.syncMmuMode();
  }
};
function isMemoryFault(cause) {
  return cause >= CAUSE2.FETCH_PAGE_FAULT && cause <= CAUSE2.STORE_PROTECTION_FAULT;
}

// emulator/jit/code-cache.ts
var CODE_BIT = 2;
var HOT_THRESHOLD = 256;
var DEFAULT_MAX_BLOCKS = 8192;
var NOT_TRANSLATED = -1;
var COLD = -2;
var CodePage = class {
  constructor(epoch) {
    this.epoch = epoch;
  }
  epoch;
  blocks = new Array(1024);
  /** Per word: 0 not seen yet, -1 not translatable (a system instruction), -2 not compiled yet, else the block's length. */
  lengths = new Int16Array(1024);
  /** Per word: how often an entry was reached before it was compiled. */
  heat = new Uint16Array(1024);
  /** Blocks and generated source bytes compiled for this page. */
  count = 0;
  bytes = 0;
};
var JitStats = class {
  /** Blocks put in the cache: compiled when hot, or reused at once (blocksReused: compiled before at the same address with the same words, KnownBlock). */
  blocksCompiled = 0;
  blocksReused = 0;
  /** Bytes of generated source compiled (a measure of the cache's memory). */
  sourceBytes = 0;
  /** Pages dropped because they were written after translation. */
  pagesInvalidated = 0;
  /** Times the cache was emptied because it reached its bound. */
  flushes = 0;
  /** Blocks run, instructions run in blocks, instructions run by the interpreter (Cpu.jitInterpret: cold code, near deadlines, system instructions). */
  blockRuns = 0;
  blockInstructions = 0;
  steppedInstructions = 0;
  toJSON() {
    return { ...this };
  }
};
var PAGE_CODE = /* @__PURE__ */ new WeakMap();
function pageCode(mem) {
  let code = PAGE_CODE.get(mem);
  if (code === void 0) {
    code = { epochs: new Int32Array(mem.dirty.length), words: new Array(mem.dirty.length) };
    PAGE_CODE.set(mem, code);
  }
  return code;
}
var CodeCache = class {
  constructor(mem, maxBlocks = DEFAULT_MAX_BLOCKS) {
    this.mem = mem;
    this.maxBlocks = maxBlocks;
    this.pages = new Array(mem.dirty.length);
    const code = pageCode(mem);
    this.epochs = code.epochs;
    this.words = code.words;
  }
  mem;
  maxBlocks;
  pages;
  epochs;
  /** Per page, the words translations depend on (shared by the memory's CPUs: PageCode). */
  words;
  stats = new JitStats();
  /** Blocks in the cache now. */
  blocks = 0;
  /** Generated source bytes in the cache now. */
  bytes = 0;
  /** Note that a translation of `page` (valid now) depends on word `k` of it. */
  uses(page, k) {
    let words = this.words[page];
    if (words === void 0) words = this.words[page] = new Uint32Array(32);
    words[k >>> 5] |= 1 << (k & 31);
  }
  /** Does a translation of `page` depend on word `k`? (Only meaningful while the page holds translations.) */
  usesWord(page, k) {
    const words = this.words[page];
    return words !== void 0 && (words[k >>> 5] & 1 << (k & 31)) !== 0;
  }
  /**
   * The translations of physical page `page`, valid now: a page that was written since it was
   * translated (its CODE_BIT is gone) or that another CPU translated again starts empty.
   */
  page(page) {
    const dirty = this.mem.dirty;
    const cached = this.pages[page];
    if (cached !== void 0 && (dirty[page] & CODE_BIT) !== 0 && cached.epoch === this.epochs[page]) return cached;
    if (cached !== void 0) this.drop(page, cached);
    if ((dirty[page] & CODE_BIT) === 0) {
      this.epochs[page]++;
      this.words[page]?.fill(0);
      dirty[page] = dirty[page] | CODE_BIT;
    }
    const fresh = new CodePage(this.epochs[page]);
    this.pages[page] = fresh;
    return fresh;
  }
  drop(page, cached) {
    this.blocks -= cached.count;
    this.bytes -= cached.bytes;
    this.pages[page] = void 0;
    this.stats.pagesInvalidated++;
  }
  /** Note a compiled block; empties the cache when it is over its bound. */
  added(page, sourceBytes) {
    this.blocks++;
    this.bytes += sourceBytes;
    page.count++;
    page.bytes += sourceBytes;
    this.stats.blocksCompiled++;
    this.stats.sourceBytes += sourceBytes;
  }
  /** Is the cache over its bound? The engine then calls `flush` between blocks. */
  get full() {
    return this.blocks >= this.maxBlocks;
  }
  flush() {
    this.pages = new Array(this.mem.dirty.length);
    this.blocks = 0;
    this.bytes = 0;
    this.stats.flushes++;
  }
};

// emulator/jit/templates.ts
function isAlu(op) {
  return op >= 1 /* ADD */ && op <= 28 /* AUIPC */;
}
function isMemory(op) {
  return op >= 32 /* LB */ && op <= 39 /* SW */;
}
function isBranch(op) {
  return op >= 40 /* BEQ */ && op <= 45 /* BGEU */;
}
function aluValue(op, o) {
  const a = `R[${o.rs1}]`, b = `R[${o.rs2}]`;
  switch (op) {
    case 1 /* ADD */:
      return `${a} + ${b}`;
    case 2 /* SUB */:
      return `${a} - ${b}`;
    case 3 /* AND */:
      return `${a} & ${b}`;
    case 4 /* OR */:
      return `${a} | ${b}`;
    case 5 /* XOR */:
      return `${a} ^ ${b}`;
    case 6 /* SLL */:
      return `((R[${o.rs2}] >>> 0) > 31 ? 0 : ${a} << (R[${o.rs2}] >>> 0))`;
    case 7 /* SRL */:
      return `((R[${o.rs2}] >>> 0) > 31 ? 0 : ${a} >>> (R[${o.rs2}] >>> 0))`;
    case 8 /* SRA */:
      return `${a} >> ((R[${o.rs2}] >>> 0) > 31 ? 31 : (R[${o.rs2}] >>> 0))`;
    case 9 /* SLT */:
      return `(${a} < ${b} ? 1 : 0)`;
    case 10 /* SLTU */:
      return `((${a} >>> 0) < (${b} >>> 0) ? 1 : 0)`;
    case 11 /* MUL */:
      return `Math.imul(${a}, ${b})`;
    case 12 /* MULH */:
      return `mulh(${a}, ${b})`;
    case 13 /* MULHU */:
      return `mulhu(${a} >>> 0, ${b} >>> 0)`;
    case 14 /* DIV */:
      return `div(${a}, ${b})`;
    case 15 /* DIVU */:
      return `divu(${a}, ${b})`;
    case 16 /* REM */:
      return `rem(${a}, ${b})`;
    case 17 /* REMU */:
      return `remu(${a}, ${b})`;
    case 18 /* ADDI */:
      return `${a} + ${o.imm}`;
    case 19 /* ANDI */:
      return `${a} & ${o.imm}`;
    case 20 /* ORI */:
      return `${a} | ${o.imm}`;
    case 21 /* XORI */:
      return `${a} ^ ${o.imm}`;
    case 22 /* SLTI */:
      return `(${a} < ${o.imm} ? 1 : 0)`;
    case 23 /* SLTIU */:
      return `((${a} >>> 0) < (${o.imm} >>> 0) ? 1 : 0)`;
    case 24 /* SLLI */:
      return `${a} << ${o.shamt}`;
    case 25 /* SRLI */:
      return `${a} >>> ${o.shamt}`;
    case 26 /* SRAI */:
      return `${a} >> ${o.shamt}`;
    case 27 /* LUI */:
      return `${o.upper}`;
    case 28 /* AUIPC */:
      return `${o.pc} + ${o.upper}`;
    default:
      throw new Error(`templates: opcode ${op} is not an ALU instruction`);
  }
}
function branchCondition(op, o) {
  const a = `R[${o.rd}]`, b = `R[${o.rs1}]`;
  switch (op) {
    case 40 /* BEQ */:
      return `${a} === ${b}`;
    case 41 /* BNE */:
      return `${a} !== ${b}`;
    case 42 /* BLT */:
      return `${a} < ${b}`;
    case 43 /* BGE */:
      return `${a} >= ${b}`;
    case 44 /* BLTU */:
      return `(${a} >>> 0) < (${b} >>> 0)`;
    case 45 /* BGEU */:
      return `(${a} >>> 0) >= (${b} >>> 0)`;
    default:
      throw new Error(`templates: opcode ${op} is not a branch`);
  }
}
function loadValue(op, pa) {
  switch (op) {
    case 32 /* LB */:
      return `i8[${pa}]`;
    case 33 /* LH */:
      return `i16[${pa} >>> 1]`;
    case 34 /* LW */:
      return `m32[${pa} >>> 2]`;
    case 35 /* LBU */:
      return `u8[${pa}]`;
    case 36 /* LHU */:
      return `u16[${pa} >>> 1]`;
    default:
      throw new Error(`templates: opcode ${op} is not a load`);
  }
}
function storeStatement(op, pa, value) {
  switch (op) {
    case 37 /* SB */:
      return `u8[${pa}] = ${value};`;
    case 38 /* SH */:
      return `u16[${pa} >>> 1] = ${value};`;
    case 39 /* SW */:
      return `m32[${pa} >>> 2] = ${value};`;
    default:
      throw new Error(`templates: opcode ${op} is not a store`);
  }
}
function accessSize(op) {
  return [1, 2, 4, 1, 2, 1, 2, 4][op - 32 /* LB */];
}
function mulhu(a, b) {
  const aHi = a >>> 16, aLo = a & 65535, bHi = b >>> 16, bLo = b & 65535;
  const lo2 = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = (lo2 >>> 16) + (mid1 & 65535) + (mid2 & 65535) >>> 16;
  return aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry | 0;
}
function mulh(a, b) {
  const hi2 = mulhu(a >>> 0, b >>> 0);
  return hi2 - (a < 0 ? b : 0) - (b < 0 ? a : 0) | 0;
}
function div(a, b) {
  return b === 0 ? -1 : a === -2147483648 && b === -1 ? a : a / b | 0;
}
function divu(a, b) {
  const d = b >>> 0;
  return d === 0 ? -1 : (a >>> 0) / d >>> 0;
}
function rem(a, b) {
  return b === 0 ? a : b === -1 ? 0 : a % b;
}
function remu(a, b) {
  const d = b >>> 0;
  return d === 0 ? a : (a >>> 0) % d;
}

// emulator/jit/translator.ts
var MAX_BLOCK_INSNS = 32;
var FastPath = class {
  pc = 0;
  instret = 0;
  insnCycles = 0;
  gen = -1;
  fVpn = -1;
  fBase = 0;
  fIdx = -1;
  fUsed = -1;
  lVpn = -1;
  lBase = 0;
  lIdx = -1;
  lUsed = -1;
  /** The MMU's clock when jitAccess last filled the load slot (see jitAccess: a store to the same page). */
  lClock = -1;
  sVpn = -1;
  sBase = 0;
  sIdx = -1;
  sUsed = -1;
  /** What blocks compare a store's page with: sVpn, or -1 while the slot's page holds translations. */
  sKey = -1;
  fHits = 0;
  lHits = 0;
  sHits = 0;
  fHitsAtFill = 0;
  /** The instruction count the current pass runs to (blocks that loop on themselves stop before it). */
  limit = 0;
  /** The physical page of the block running now. */
  curPage = -1;
  /** 1: the instruction left through a slow path; the engine ends the pass. */
  status = 0;
  /** 1: stop the block after the current instruction. */
  brk = 0;
  /** The physical address of the instruction at pc when its fetch is done already (the engine's interpreter handed over), else -1. */
  fetched = -1;
};
var R_RESERVED = reserved("R");
var SH_RESERVED = reserved("SH");
function reserved(format) {
  let mask = 0;
  for (const s of INSTRUCTIONS) if (s.format === format) mask |= fixedMask(s) & 67108863;
  return mask | 0;
}
function translatable(w2) {
  const op = w2 >>> 26;
  if (op === 0) return false;
  if (op <= 17 /* REMU */) return (w2 & R_RESERVED) === 0;
  if (op >= 24 /* SLLI */ && op <= 26 /* SRAI */) return (w2 & SH_RESERVED) === 0;
  return isAlu(op) || isMemory(op) || isBranch(op) || op === 48 /* JAL */ || op === 49 /* JALR */;
}
function exitAfter(p, nextPc) {
  return `S.brk = 0; ${p.k === 0 ? "R[0] = 0; " : ""}S.pc = ${nextPc}; S.instret = i0 + ${p.k + 1}; S.insnCycles += ${p.cyclesAfter}; return;`;
}
function fetchesThrough(k) {
  return k === 0 ? "" : fetchAccount(k);
}
function fetchAccount(k) {
  return `if (rf < ${k}) S.fUsed = i0 + ${k}; S.fHits = fh0 + ${k}; `;
}
function writeRd(o, value) {
  return o.rd === "0" ? "" : `R[${o.rd}] = ${value};`;
}
function memoryCode(op, o, p) {
  const size = accessSize(op);
  const isStore = op >= 37 /* SB */;
  const aligned = size === 1 ? "" : ` && (va & ${size - 1}) === 0`;
  const hitPa = isStore ? "(S.sBase | (va & 0xfff))" : "(S.lBase | (va & 0xfff))";
  const access = (pa) => isStore ? storeStatement(op, pa, `R[${o.rd}]`) : writeRd(o, loadValue(op, pa));
  const slot = isStore ? "s" : "l";
  const key = isStore ? "S.sKey" : "S.lVpn";
  const refetch = `S.brk = 0; ${p.k === 0 ? "R[0] = 0; " : ""}S.pc = ${p.pcNext}; S.instret = i0 + ${p.k + 1}; S.insnCycles += ${p.cyclesAfter}; if (cpu.jitRefetch(${p.pcNext}) === 0) return; S.insnCycles -= ${p.cyclesAfter}; fh0 = S.fHits - ${p.k + 1}; rf = ${p.k + 1};`;
  const miss = [
    `${fetchesThrough(p.k)}pa = cpu.jitAccess(${Number(p.word) >>> 16}, ${Number(p.word) & 65535}, va, ${p.pc}, i0 + ${p.k}, ${p.cyclesBefore});`,
    `if (pa < 0) return;`,
    access("pa"),
    p.last ? exitAfter(p, p.pcNext) : `if (S.brk !== 0) { ${refetch} }`
  ];
  return [
    `va = (R[${o.rs1}] + ${o.imm}) | 0;`,
    `if ((va >>> 12) === ${key}${aligned}) {`,
    `  if (S.${slot}Idx >= 0) { S.${slot}Used = i0 + ${p.k}; S.${slot}Hits++; }`,
    `  ${access(hitPa)}`,
    `} else {`,
    ...miss.map((line) => `  ${line}`),
    `}`
  ].join("\n");
}
function instructionCode(op, o, p) {
  if (isAlu(op)) return writeRd(o, aluValue(op, o));
  if (isMemory(op)) return memoryCode(op, o, p);
  if (isBranch(op)) {
    return `if (${branchCondition(op, o)}) { S.pc = (${p.pc} + (${o.imm} << 2)) >>> 0; S.insnCycles += ${p.cyclesAfter} + ${p.takenCycles}; } else { S.pc = ${p.pcNext}; S.insnCycles += ${p.cyclesAfter}; }`;
  }
  if (op === 48 /* JAL */) {
    return `${writeRd(o, p.pcNext)} S.pc = (${p.pc} + (${o.imm} << 2)) >>> 0; S.insnCycles += ${p.cyclesAfter} + ${p.takenCycles};`;
  }
  if (op === 49 /* JALR */) {
    return `{ const target = ((R[${o.rs1}] + ${o.imm}) & ~3) >>> 0; ${writeRd(o, p.pcNext)} S.pc = target; S.insnCycles += ${p.cyclesAfter} + ${p.takenCycles}; }`;
  }
  throw new Error(`translator: opcode ${op} is not translated`);
}
function literalOperands(w2, pc) {
  return {
    rd: String(w2 >>> 22 & 15),
    rs1: String(w2 >>> 18 & 15),
    rs2: String(w2 >>> 14 & 15),
    // jal's 22-bit offset in place of the 18-bit immediate.
    imm: String(w2 >>> 26 === 48 /* JAL */ ? w2 << 10 >> 10 : w2 << 14 >> 14),
    shamt: String(w2 & 31),
    upper: String((w2 & 4194303) << 10 | 0),
    pc
  };
}
var MAX_SEGMENTS = 24;
var MAX_REGION_INSNS = 256;
function entryLength(plan) {
  return plan.starts.length > 1 ? plan.starts[1] : plan.words.length;
}
function segmentPlan(m32, pageBase, start, words, indices, stops) {
  const seen = /* @__PURE__ */ new Set();
  let n2 = 0;
  for (let k = start; k >= 0 && k < 1024 && n2 < MAX_BLOCK_INSNS && !seen.has(k) && (k === start || stops === null || !stops.has(k)); ) {
    const w2 = m32[(pageBase >>> 2) + k];
    if (!translatable(w2)) break;
    words.push(w2);
    indices.push(k);
    seen.add(k);
    n2++;
    const op = w2 >>> 26;
    if (op === 49 /* JALR */) break;
    if (op === 48 /* JAL */) {
      const target = k + (w2 << 10 >> 10);
      if (target === start || target < 0 || target >= 1024) break;
      k = target;
      continue;
    }
    if (isBranch(op) && k + (w2 << 14 >> 14) === start) break;
    k++;
  }
}
function segmentExits(words, indices, from, to, out) {
  for (let i = from; i < to; i++) {
    const w2 = words[i];
    const op = w2 >>> 26;
    const k = indices[i];
    const last = i === to - 1;
    if (isBranch(op)) {
      out.push(k + (w2 << 14 >> 14));
      if (last) out.push(k + 1);
    } else if (op === 48 /* JAL */) {
      if ((w2 >>> 22 & 15) !== 0) out.push(k + 1);
      if (last) out.push(k + (w2 << 10 >> 10));
    } else if (last && op !== 49 /* JALR */) {
      out.push(k + 1);
    }
  }
}
function blockPlan(m32, pageBase, start) {
  const words = [];
  const indices = [];
  const labels = [];
  const planned = /* @__PURE__ */ new Set();
  const queue = [start];
  const exits = [];
  let total = 0;
  for (let q = 0; q < queue.length && labels.length < MAX_SEGMENTS; q++) {
    const s = queue[q];
    if (planned.has(s) || s < 0 || s >= 1024) continue;
    planned.add(s);
    words.length = indices.length = 0;
    segmentPlan(m32, pageBase, s, words, indices, null);
    if (words.length === 0) continue;
    total += words.length;
    if (total > MAX_REGION_INSNS && labels.length > 0) break;
    labels.push(s);
    exits.length = 0;
    segmentExits(words, indices, 0, words.length, exits);
    for (const t2 of exits) if (!planned.has(t2)) queue.push(t2);
  }
  const stops = new Set(labels);
  const starts = [];
  words.length = indices.length = 0;
  for (const s of labels) {
    starts.push(words.length);
    segmentPlan(m32, pageBase, s, words, indices, stops);
  }
  return { words, indices, starts };
}
function blockSource(plan, opCycles, takenCycles) {
  const { words, indices, starts } = plan;
  const base = indices[0];
  const segments = starts.length;
  const segEnd = (j) => j + 1 < segments ? starts[j + 1] : words.length;
  const label = /* @__PURE__ */ new Map();
  for (let j = 0; j < segments; j++) label.set(indices[starts[j]], j);
  const returnPoints = [];
  for (let i = 0; i < words.length; i++) {
    const w2 = words[i];
    if (w2 >>> 26 === 48 /* JAL */ && (w2 >>> 22 & 15) !== 0 && label.has(indices[i] + 1) && !returnPoints.includes(indices[i] + 1)) returnPoints.push(indices[i] + 1);
  }
  const pcOf = (index) => index === base ? "pc0" : `((pc0 + ${4 * (index - base)}) >>> 0)`;
  const goTo = (target, pc) => {
    const j = label.get(target);
    if (j === void 0) return `S.pc = ${pc}; return;`;
    const len = segEnd(j) - starts[j];
    looped = true;
    return `if (S.instret + ${len} <= S.limit) { S.fUsed = S.instret; S.fHits++; i0 = S.instret; fh0 = S.fHits; rf = 0; L = ${j}; continue; } S.pc = ${pc}; return;`;
  };
  let looped = false;
  const lines = [];
  for (let j = 0; j < segments; j++) {
    const from = starts[j];
    const n2 = segEnd(j) - from;
    lines.push(`case ${j}: {`);
    let cycles = 0;
    const fetches = n2 >= 2 ? fetchAccount(n2 - 1) : "";
    for (let k = 0; k < n2; k++) {
      const i = from + k;
      const w2 = words[i];
      const op = w2 >>> 26;
      const index = indices[i];
      const pc = pcOf(index);
      const last = k === n2 - 1;
      const place = {
        k,
        last,
        word: String(w2),
        pc,
        pcNext: pcOf(index + 1),
        cyclesBefore: String(cycles),
        cyclesAfter: String(cycles + opCycles[op]),
        takenCycles
      };
      const o = literalOperands(w2, pc);
      const r0 = k === 0 ? "R[0] = 0; " : "";
      lines.push(`// ${j}.${k}: ${(w2 >>> 0).toString(16).padStart(8, "0")}`);
      const target = index + (op === 48 /* JAL */ ? w2 << 10 >> 10 : w2 << 14 >> 14);
      if (isBranch(op)) {
        lines.push(`if (${branchCondition(op, o)}) { ${r0}${fetchesThrough(k)}S.instret = i0 + ${k + 1}; S.insnCycles += ${place.cyclesAfter} + ${takenCycles}; ${goTo(target, `((${pc} + (${o.imm} << 2)) >>> 0)`)} }`);
        if (k === 0) lines.push("R[0] = 0;");
        cycles += opCycles[op];
        if (last) lines.push(`${fetches}S.instret = i0 + ${n2}; S.insnCycles += ${cycles}; ${goTo(index + 1, place.pcNext)}`);
        continue;
      }
      if (op === 48 /* JAL */) {
        lines.push(writeRd(o, place.pcNext));
        if (k === 0) lines.push("R[0] = 0;");
        cycles += opCycles[op] + takenCycles;
        if (last) lines.push(`${fetches}S.instret = i0 + ${n2}; S.insnCycles += ${cycles}; ${goTo(target, `((${pc} + (${o.imm} << 2)) >>> 0)`)}`);
        continue;
      }
      if (op === 49 /* JALR */) {
        const back = returnPoints.map((r) => `if (target === ${pcOf(r)}) { ${goTo(r, "target")} } `).join("");
        lines.push(`{ const target = ((R[${o.rs1}] + ${o.imm}) & ~3) >>> 0; ${writeRd(o, place.pcNext)} ${r0}${fetches}S.instret = i0 + ${n2}; S.insnCycles += ${cycles + opCycles[op] + takenCycles}; ${back}S.pc = target; return; }`);
        continue;
      }
      lines.push(instructionCode(op, o, place));
      if (k === 0) lines.push("R[0] = 0;");
      cycles += opCycles[op];
      if (last) lines.push(`${fetches}S.instret = i0 + ${n2}; S.insnCycles += ${cycles}; ${goTo(index + 1, place.pcNext)}`);
    }
    lines.push("}");
  }
  const head = "let va = 0, pa = 0;\nlet i0 = S.instret, fh0 = S.fHits, rf = 0;\n";
  if (looped || segments > 1) return `${head}let L = 0;
for (;;) switch (L) {
${lines.join("\n")}
}`;
  return head + lines.slice(1, -1).join("\n");
}
var FUNCTIONS = /* @__PURE__ */ new Map();
var MAX_FACTORIES = 4096;
var HELPER_NAMES = ["mulh", "mulhu", "div", "divu", "rem", "remu"];
var HELPERS = [mulh, mulhu, div, divu, rem, remu];
function functionFor(body) {
  let fn = FUNCTIONS.get(body);
  if (fn === void 0) {
    if (FUNCTIONS.size >= MAX_FACTORIES) FUNCTIONS.clear();
    const prologue = "const S = rt.S, cpu = rt.cpu, R = rt.R, m32 = rt.m32, u8 = rt.u8, i8 = rt.i8, u16 = rt.u16, i16 = rt.i16;";
    fn = new Function(...HELPER_NAMES, `"use strict";
return function block(rt, pc0) {
${prologue}
${body}
};`)(...HELPERS);
    FUNCTIONS.set(body, fn);
  }
  return fn;
}
var BY_WORDS = /* @__PURE__ */ new Map();
function cycleKey(opCycles, takenCycles) {
  return `${takenCycles}:${Array.prototype.join.call(opCycles, ",")}`;
}
function compilePlan(plan, opCycles, takenCycles, costs) {
  const { words, indices } = plan;
  let key = costs;
  for (let k = 0; k < words.length; k++) key += `|${words[k]}@${indices[k] - indices[0]}`;
  key += `#${plan.starts.join(",")}`;
  let known = BY_WORDS.get(key);
  if (known === void 0) {
    const source = blockSource(plan, opCycles, takenCycles);
    if (BY_WORDS.size >= MAX_FACTORIES) BY_WORDS.clear();
    known = { fn: functionFor(source), source };
    BY_WORDS.set(key, known);
  }
  return known;
}
var KNOWN = /* @__PURE__ */ new Map();
function rememberBlock(phys, plan, costs, hot, compiled) {
  if (KNOWN.size >= MAX_KNOWN) KNOWN.clear();
  KNOWN.set(phys, { costs, hot, words: Int32Array.from(plan.words), indices: Int16Array.from(plan.indices), length: entryLength(plan), fn: compiled.fn, source: compiled.source });
}
var MAX_KNOWN = 65536;
function knownBlock(phys, costs, hot, m32) {
  const known = KNOWN.get(phys);
  if (known === void 0 || known.costs !== costs || known.hot !== hot) return void 0;
  const base = phys >>> 2 & ~1023;
  const { words, indices } = known;
  for (let i = 0; i < words.length; i++) if (m32[base + indices[i]] !== words[i]) return void 0;
  return known;
}

// emulator/jit/engine.ts
var OP_SB2 = 37;
var CODE = CODE_BIT;
var SIZES = MEM_SIZE;
var A_LOAD = ACCESS.LOAD;
var A_FETCH = ACCESS.FETCH;
var COLD2 = COLD;
var NOT_TRANSLATED2 = NOT_TRANSLATED;
var A_STORE = ACCESS.STORE;
var WRITTEN = 1;
var JIT_STATES = /* @__PURE__ */ new WeakMap();
var JitEngine = class extends CpuState {
  /** Which engine `run` uses. Both give the same results; see README.md, "Engines". */
  engine = defaultEngine;
  /** The blocks' shared state (the code cache and the rest are in JIT_STATES, outside the CPU's object graph). */
  jitFast = null;
  /** Entries reached this many times are compiled (1: compile everything at once; tests use it). */
  jitHotThreshold = defaultHotThreshold;
  /**
   * Runs of fewer instructions than this (single steps, short slices) go to the interpreter's loop:
   * no block fits in them, and setting the engine up costs more than they do. Tests set 1.
   */
  jitMinBudget = DEFAULT_MIN_BUDGET;
  /** The code cache's bound in blocks (read when the engine first runs). */
  jitMaxBlocks = DEFAULT_MAX_BLOCKS;
  /** Keep each block's generated source (for `jitBlockSources`, debugging). */
  jitKeepSource = false;
  jitSources = /* @__PURE__ */ new Map();
  /** The translating engine's code-cache statistics (null until it first ran). */
  get jitStats() {
    return JIT_STATES.get(this)?.cache.stats ?? null;
  }
  /** Blocks and generated source bytes in the code cache now. */
  get jitCacheSize() {
    const jit = JIT_STATES.get(this);
    return { blocks: jit?.cache.blocks ?? 0, sourceBytes: jit?.cache.bytes ?? 0 };
  }
  /** The generated source of every block compiled while jitKeepSource was set, by physical address. */
  jitBlockSources() {
    return this.jitSources;
  }
  jitState() {
    const known = JIT_STATES.get(this);
    if (known !== void 0) {
      this.jitFast = known.S;
      return known;
    }
    const S = new FastPath();
    const mem = this.mem;
    const rt = { S, cpu: this, R: this.regs, m32: mem.i32, u8: mem.u8, i8: mem.i8, u16: mem.u16, i16: mem.i16 };
    const jit = { S, cache: new CodeCache(mem, this.jitMaxBlocks), rt, costs: cycleKey(this.opCycles, this.profile.branchTakenCycles) };
    JIT_STATES.set(this, jit);
    this.jitFast = S;
    return jit;
  }
  /** `run` on the translating engine: the same contract, the same results. */
  runJit(budget) {
    const { S, cache, rt } = this.jitState();
    const stats = this.stats;
    const mem = this.mem;
    const m32 = mem.i32;
    const dirty = mem.dirty;
    const epochs = cache.epochs;
    const jitStats = cache.stats;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const unified = mmu.itlb === mmu.dtlb;
    const hotThreshold = this.jitHotThreshold;
    S.pc = this.pc;
    S.instret = stats.instructions;
    const endAt = S.instret + budget;
    S.insnCycles = 0;
    S.gen = -1;
    S.fVpn = -1;
    S.fBase = 0;
    S.fIdx = -1;
    S.fUsed = -1;
    S.lVpn = -1;
    S.lBase = 0;
    S.lIdx = -1;
    S.lUsed = -1;
    S.lClock = -1;
    S.sVpn = -1;
    S.sBase = 0;
    S.sIdx = -1;
    S.sUsed = -1;
    S.sKey = -1;
    S.fHits = 0;
    S.lHits = 0;
    S.sHits = 0;
    S.fHitsAtFill = 0;
    S.status = 0;
    S.brk = 0;
    S.curPage = -1;
    S.fetched = -1;
    this.stopCode = this.trapStreak >= TRAP_LOOP_LIMIT ? STOP.TRAP_LOOP : STOP.BUDGET;
    this.stopRequested = false;
    for (; ; ) {
      this.pc = S.pc;
      stats.instructions = S.instret;
      stats.cyclesInsn += S.insnCycles;
      S.insnCycles = 0;
      this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
      S.fUsed = S.lUsed = S.sUsed = -1;
      if (this.stopCode !== STOP.BUDGET) break;
      if (this.stopRequested) {
        this.stopCode = STOP.REQUESTED;
        break;
      }
      if (S.instret >= endAt) break;
      if (this.ticks >= this.timerDeadline) this.fireTimer();
      if (this.interruptDeliverable()) this.takeInterrupt();
      if (this.trapStop) {
        this.trapStop = false;
        this.stopCode = STOP.TRAP;
        break;
      }
      S.pc = this.pc;
      if (mmu.generation !== S.gen) {
        S.gen = mmu.generation;
        S.fVpn = S.lVpn = S.sVpn = S.sKey = -1;
      }
      const limit = Math.max(S.instret + 1, Math.min(endAt, this.timerDeadline - this.idleTicks));
      if (cache.full) cache.flush();
      S.limit = limit;
      hot: while (S.instret < limit) {
        const pc = S.pc;
        let fetchPhys;
        if (S.fetched >= 0) {
          fetchPhys = S.fetched;
          S.fetched = -1;
        } else if (pc >>> 12 === S.fVpn) {
          fetchPhys = S.fBase | pc & 4095;
          S.fUsed = S.instret;
          S.fHits++;
        } else {
          this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
          S.fUsed = S.lUsed = S.sUsed = -1;
          if (S.fIdx < 0) S.fHits = S.fHitsAtFill;
          fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, A_FETCH);
          if (fetchPhys < 0 || fetchPhys >= ramSize || (pc & 3) !== 0) {
            this.pc = pc;
            stats.instructions = S.instret;
            this.fetchFault(fetchPhys);
            S.pc = this.pc;
            break hot;
          }
          if (mmu.generation !== S.gen) {
            S.gen = mmu.generation;
            S.lVpn = S.sVpn = S.sKey = -1;
          } else if (unified && mmu.lastFill >= 0) {
            if (S.lIdx === mmu.lastFill) S.lVpn = -1;
            if (S.sIdx === mmu.lastFill) S.sVpn = S.sKey = -1;
          }
          S.fVpn = pc >>> 12;
          S.fBase = fetchPhys & ~4095;
          S.fIdx = mmu.lastIndex;
          S.fHitsAtFill = S.fHits;
        }
        const frame = fetchPhys >>> 12;
        let page = cache.pages[frame];
        if (page === void 0 || (dirty[frame] & CODE) === 0 || page.epoch !== epochs[frame]) page = this.jitPage(frame);
        const k = fetchPhys >>> 2 & 1023;
        let n2 = page.lengths[k];
        if (n2 === 0) {
          n2 = page.lengths[k] = translatable(m32[fetchPhys >>> 2]) ? COLD2 : NOT_TRANSLATED2;
          cache.uses(frame, k);
          if (n2 === COLD2 && !cache.full) n2 = this.jitInstallKnown(page, frame, k);
        }
        if (n2 === COLD2 && ++page.heat[k] >= hotThreshold) {
          n2 = this.jitCompile(page, frame, k);
          page = cache.pages[frame];
        }
        if (n2 > 0 && n2 <= limit - S.instret) {
          S.curPage = frame;
          const before2 = S.instret;
          page.blocks[k](rt, pc);
          jitStats.blockRuns++;
          jitStats.blockInstructions += S.instret - before2;
          if (S.status !== 0) {
            S.status = 0;
            break hot;
          }
          continue;
        }
        const before = S.instret;
        this.jitInterpret(S, cache, fetchPhys);
        jitStats.steppedInstructions += S.instret - before;
        if (S.status !== 0) {
          S.status = 0;
          break hot;
        }
      }
    }
    if (S.fIdx < 0) S.fHits = S.fHitsAtFill;
    stats.tlbHits[ACCESS.FETCH] += S.fHits;
    stats.tlbHits[ACCESS.LOAD] += S.lHits;
    stats.tlbHits[ACCESS.STORE] += S.sHits;
    return this.stopCode;
  }
  /** The valid translations of a frame; a store slot into it stops taking the blocks' fast path. */
  jitPage(frame) {
    const { S, cache } = JIT_STATES.get(this);
    const page = cache.page(frame);
    if (S.sVpn !== -1 && S.sBase >>> 12 === frame) S.sKey = -1;
    return page;
  }
  /** Compile the block at word k of a frame (a hot entry); returns its length. */
  jitCompile(page, frame, k) {
    const { cache, costs } = JIT_STATES.get(this);
    const base = frame << 12;
    if (cache.full) {
      cache.flush();
      page = this.jitPage(frame);
    }
    const plan = blockPlan(this.mem.i32, base, k);
    for (const index of plan.indices) cache.uses(frame, index);
    const compiled = compilePlan(plan, this.opCycles, this.profile.branchTakenCycles, costs);
    const { fn, source } = compiled;
    const phys = base + 4 * k;
    rememberBlock(phys, plan, costs, this.jitHotThreshold, compiled);
    page.blocks[k] = fn;
    const length = entryLength(plan);
    page.lengths[k] = length;
    cache.added(page, source.length);
    if (this.jitKeepSource) this.jitSources.set(phys, source);
    return length;
  }
  /** At a first visit of word k of a frame: install the block compiled there before, if any; returns the entry's length (COLD without one). */
  jitInstallKnown(page, frame, k) {
    const { cache, costs } = JIT_STATES.get(this);
    const phys = (frame << 12) + 4 * k;
    const known = knownBlock(phys, costs, this.jitHotThreshold, this.mem.i32);
    if (known === void 0) return COLD2;
    for (let i = 0; i < known.indices.length; i++) cache.uses(frame, known.indices[i]);
    page.blocks[k] = known.fn;
    page.lengths[k] = known.length;
    cache.added(page, known.source.length);
    cache.stats.blocksReused++;
    if (this.jitKeepSource) this.jitSources.set(phys, known.source);
    return known.length;
  }
  /**
   * A load or store that missed the blocks' fast path: the interpreter's miss path, on the
   * FastPath fields. Returns the physical address, or -1 when the instruction left through a slow
   * path (a fault, a device, misalignment: S.status is set, this.pc and the counts are the
   * interpreter's). Sets S.brk when the block must stop after this instruction: the fetch slot
   * was dropped (the next fetch must translate) or the block's own page was written.
   * @internal called by generated code.
   */
  jitAccess(wHi, wLo, va, pc, instret, cyclesBefore) {
    const w2 = wHi << 16 | wLo;
    const S = this.jitFast;
    const mmu = this.mmu;
    const mem = this.mem;
    const op = w2 >>> 26;
    const isStore = op >= OP_SB2;
    const aligned = (va & SIZES[op - 32] - 1) === 0;
    if (isStore && aligned && va >>> 12 === S.sVpn) {
      const pa2 = S.sBase | va & 4095;
      if (S.sIdx >= 0) {
        S.sUsed = instret;
        S.sHits++;
      }
      if (this.jitCodeStore(pa2) !== 0) {
        S.sKey = S.sVpn;
        if (pa2 >>> 12 === S.curPage) S.brk = 1;
      }
      return pa2;
    }
    let pa = -1;
    if (aligned) {
      const again = isStore && va >>> 12 === S.lVpn && S.lIdx >= 0 && mmu.clock === S.lClock;
      this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
      S.fUsed = S.lUsed = S.sUsed = -1;
      pa = again ? mmu.translateAt(va, A_STORE, S.lIdx) : mmu.translate(va, isStore ? A_STORE : A_LOAD);
    }
    if (pa < 0 || pa >= mem.sizeBytes) {
      const stats = this.stats;
      this.pc = pc;
      stats.instructions = instret;
      stats.cyclesInsn += S.insnCycles + cyclesBefore;
      S.insnCycles = 0;
      this.slowAccess(w2, va, pa);
      S.pc = this.pc;
      S.instret = stats.instructions;
      S.status = 1;
      return -1;
    }
    if (mmu.generation !== S.gen) {
      S.gen = mmu.generation;
      S.fVpn = S.lVpn = S.sVpn = S.sKey = -1;
    } else if (mmu.lastFill >= 0) {
      const filled = mmu.lastFill;
      if (mmu.itlb === mmu.dtlb && S.fIdx === filled) S.fVpn = -1;
      if (isStore) {
        if (S.lIdx === filled) S.lVpn = -1;
      } else if (S.sIdx === filled) S.sVpn = S.sKey = -1;
    }
    if (isStore) {
      S.sVpn = va >>> 12;
      S.sBase = pa & ~4095;
      S.sIdx = mmu.lastIndex;
      S.sKey = this.jitCodeStore(pa) !== 0 ? S.sVpn : -1;
    } else {
      S.lVpn = va >>> 12;
      S.lBase = pa & ~4095;
      S.lIdx = mmu.lastIndex;
      S.lClock = mmu.clock;
    }
    if (S.fVpn === -1 || (mem.dirty[S.curPage] & CODE) === 0) S.brk = 1;
    return pa;
  }
  /**
   * A CPU store (aligned, so within one word) at physical `pa`, marked in PhysicalMemory.dirty:
   * into a page holding translations that depend on the word written, it invalidates them (the
   * mark becomes 1, which clears CODE_BIT) and returns 1; into such a page elsewhere (data beside
   * code) the translations stay valid (the page is marked written, CODE_BIT kept) and it returns
   * 0, so the store slot stays checked (FastPath.sKey -1). A page with no translations: 1.
   */
  jitCodeStore(pa) {
    const frame = pa >>> 12;
    const dirty = this.mem.dirty;
    if ((dirty[frame] & CODE) !== 0 && !JIT_STATES.get(this).cache.usesWord(frame, pa >>> 2 & 1023)) {
      dirty[frame] = dirty[frame] | WRITTEN;
      return 0;
    }
    dirty[frame] = WRITTEN;
    return 1;
  }
  /**
   * After a fast-path miss in a block dropped the fetch slot: the next instruction's fetch (at pc,
   * with S.pc, S.instret and S.insnCycles retired up to it), exactly as the dispatcher does it.
   * Returns 1 when the block may go on (the fetch landed in the block's own page, whose
   * translations are still valid), else 0: the page was written (no fetch done; the dispatcher
   * fetches), the fetch faulted (S.status = 1), or it landed elsewhere (S.fetched holds it).
   * @internal called by generated code.
   */
  jitRefetch(pc) {
    const S = this.jitFast;
    const mmu = this.mmu;
    const mem = this.mem;
    if (S.fVpn !== -1 || (mem.dirty[S.curPage] & CODE) === 0) return 0;
    this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
    S.fUsed = S.lUsed = S.sUsed = -1;
    if (S.fIdx < 0) S.fHits = S.fHitsAtFill;
    const fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, A_FETCH);
    if (fetchPhys < 0 || fetchPhys >= mem.sizeBytes || (pc & 3) !== 0) {
      this.pc = pc;
      this.stats.instructions = S.instret;
      this.fetchFault(fetchPhys);
      S.pc = this.pc;
      S.status = 1;
      return 0;
    }
    if (mmu.generation !== S.gen) {
      S.gen = mmu.generation;
      S.lVpn = S.sVpn = S.sKey = -1;
    } else if (mmu.itlb === mmu.dtlb && mmu.lastFill >= 0) {
      if (S.lIdx === mmu.lastFill) S.lVpn = -1;
      if (S.sIdx === mmu.lastFill) S.sVpn = S.sKey = -1;
    }
    S.fVpn = pc >>> 12;
    S.fBase = fetchPhys & ~4095;
    S.fIdx = mmu.lastIndex;
    S.fHitsAtFill = S.fHits;
    if (fetchPhys >>> 12 !== S.curPage) {
      S.fetched = fetchPhys;
      return 0;
    }
    return 1;
  }
};
var DEFAULT_MIN_BUDGET = 16;
var defaultEngine = "jit";
var defaultHotThreshold = HOT_THRESHOLD;

// emulator/cpu.ts
var CORE_OPCODES = {
  add: 1 /* ADD */,
  sub: 2 /* SUB */,
  and: 3 /* AND */,
  or: 4 /* OR */,
  xor: 5 /* XOR */,
  sll: 6 /* SLL */,
  srl: 7 /* SRL */,
  sra: 8 /* SRA */,
  slt: 9 /* SLT */,
  sltu: 10 /* SLTU */,
  mul: 11 /* MUL */,
  mulh: 12 /* MULH */,
  mulhu: 13 /* MULHU */,
  div: 14 /* DIV */,
  divu: 15 /* DIVU */,
  rem: 16 /* REM */,
  remu: 17 /* REMU */,
  addi: 18 /* ADDI */,
  andi: 19 /* ANDI */,
  ori: 20 /* ORI */,
  xori: 21 /* XORI */,
  slti: 22 /* SLTI */,
  sltiu: 23 /* SLTIU */,
  slli: 24 /* SLLI */,
  srli: 25 /* SRLI */,
  srai: 26 /* SRAI */,
  lui: 27 /* LUI */,
  auipc: 28 /* AUIPC */,
  lb: 32 /* LB */,
  lh: 33 /* LH */,
  lw: 34 /* LW */,
  lbu: 35 /* LBU */,
  lhu: 36 /* LHU */,
  sb: 37 /* SB */,
  sh: 38 /* SH */,
  sw: 39 /* SW */,
  beq: 40 /* BEQ */,
  bne: 41 /* BNE */,
  blt: 42 /* BLT */,
  bge: 43 /* BGE */,
  bltu: 44 /* BLTU */,
  bgeu: 45 /* BGEU */,
  jal: 48 /* JAL */,
  jalr: 49 /* JALR */,
  mfcr: 56 /* MFCR */,
  mtcr: 57 /* MTCR */,
  invlpg: 58 /* INVLPG */,
  mxcr: 59 /* MXCR */,
  syscall: 62 /* SYS */,
  break: 62 /* SYS */,
  eret: 62 /* SYS */,
  wfi: 62 /* SYS */,
  tlbflush: 62 /* SYS */,
  hcall: 62 /* SYS */
};
for (const spec of INSTRUCTIONS) {
  if (CORE_OPCODES[spec.mnemonic] !== opcodeOf(spec.mnemonic)) {
    throw new Error(`cpu.ts: the core has no case for '${spec.mnemonic}' at opcode ${spec.opcode} (isa/table.ts changed?)`);
  }
}
var J_CODE = CODE_BIT;
var J_COLD = COLD;
var J_SIZES = MEM_SIZE;
var J_FETCH = ACCESS.FETCH;
var J_LOAD = ACCESS.LOAD;
var J_STORE = ACCESS.STORE;
var J_ILLEGAL = CAUSE.ILLEGAL_INSTRUCTION;
function reservedBits(format) {
  const specs = INSTRUCTIONS.filter((s) => s.format === format);
  const bits = new Set(specs.map((s) => fixedMask(s) & 67108863));
  if (bits.size !== 1) throw new Error(`cpu.ts: format ${format} has no single reserved-bit mask`);
  return [...bits][0] | 0;
}
var R_RESERVED2 = reservedBits("R");
var SH_RESERVED2 = reservedBits("SH");
for (const spec of INSTRUCTIONS) {
  const hot = spec.cls !== "cr" && spec.cls !== "system";
  if (hot && spec.format !== "R" && spec.format !== "SH" && (fixedMask(spec) & 67108863) !== 0) {
    throw new Error(`cpu.ts: '${spec.mnemonic}' has reserved bits the hot loop does not check`);
  }
  if (hot && spec.format === "R" && spec.opcode > 17) throw new Error(`cpu.ts: R-format '${spec.mnemonic}' is outside the checked opcode range`);
}
var Cpu = class extends JitEngine {
  /**
   * Run until `budget` more instructions have retired, or the machine halts, exits to the VMM,
   * deadlocks in wfi, or a stop is requested. Returns a STOP code. With `engine` 'jit' the
   * translating engine (emulator/jit/) runs instead, with the same results; a budget shorter
   * than jitMinBudget (a debugger's single step) runs here, which is exact too: each call starts
   * from the architectural state and the TLB, and this loop's stores drop any translation of the
   * pages they write (a store slot's fill marks its page written, clearing CODE_BIT).
   */
  run(budget) {
    if (this.engine === "jit" && budget >= this.jitMinBudget) return this.runJit(budget);
    const stats = this.stats;
    const R = this.regs;
    const mem = this.mem;
    const m32 = mem.i32;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const opCycles = this.opCycles;
    const takenCycles = this.profile.branchTakenCycles;
    const unified = mmu.itlb === mmu.dtlb;
    let pc = this.pc;
    let instret = stats.instructions;
    const endAt = instret + budget;
    let insnCycles = 0;
    let gen = -1;
    let fVpn = -1, fBase = 0, fIdx = -1, fUsed = -1;
    let lVpn = -1, lBase = 0, lIdx = -1, lUsed = -1;
    let sVpn = -1, sBase = 0, sIdx = -1, sUsed = -1;
    let fHits = 0, lHits = 0, sHits = 0;
    let fHitsAtFill = 0;
    this.stopCode = this.trapStreak >= TRAP_LOOP_LIMIT ? STOP.TRAP_LOOP : STOP.BUDGET;
    this.stopRequested = false;
    for (; ; ) {
      this.pc = pc;
      stats.instructions = instret;
      stats.cyclesInsn += insnCycles;
      insnCycles = 0;
      this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
      fUsed = lUsed = sUsed = -1;
      if (this.stopCode !== STOP.BUDGET) break;
      if (this.stopRequested) {
        this.stopCode = STOP.REQUESTED;
        break;
      }
      if (instret >= endAt) break;
      if (this.ticks >= this.timerDeadline) this.fireTimer();
      if (this.interruptDeliverable()) this.takeInterrupt();
      if (this.trapStop) {
        this.trapStop = false;
        this.stopCode = STOP.TRAP;
        break;
      }
      pc = this.pc;
      if (mmu.generation !== gen) {
        gen = mmu.generation;
        fVpn = lVpn = sVpn = -1;
      }
      const limit = Math.max(instret + 1, Math.min(endAt, this.timerDeadline - this.idleTicks));
      hot: while (instret < limit) {
        let fetchPhys;
        if (pc >>> 12 === fVpn) {
          fetchPhys = fBase | pc & 4095;
          fUsed = instret;
          fHits++;
        } else {
          this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
          fUsed = lUsed = sUsed = -1;
          if (fIdx < 0) fHits = fHitsAtFill;
          fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, ACCESS.FETCH);
          if (fetchPhys < 0 || fetchPhys >= ramSize || (pc & 3) !== 0) {
            this.pc = pc;
            stats.instructions = instret;
            this.fetchFault(fetchPhys);
            pc = this.pc;
            break hot;
          }
          if (mmu.generation !== gen) {
            gen = mmu.generation;
            lVpn = sVpn = -1;
          } else if (unified && mmu.lastFill >= 0) {
            if (lIdx === mmu.lastFill) lVpn = -1;
            if (sIdx === mmu.lastFill) sVpn = -1;
          }
          fVpn = pc >>> 12;
          fBase = fetchPhys & ~4095;
          fIdx = mmu.lastIndex;
          fHitsAtFill = fHits;
        }
        const w2 = m32[fetchPhys >>> 2];
        const op = w2 >>> 26;
        if (op <= 17 /* REMU */ ? op === 0 || (w2 & R_RESERVED2) !== 0 : op >= 24 /* SLLI */ && op <= 26 /* SRAI */ && (w2 & SH_RESERVED2) !== 0) {
          this.pc = pc;
          stats.instructions = instret;
          this.trap(CAUSE.ILLEGAL_INSTRUCTION, w2);
          pc = this.pc;
          break hot;
        }
        const rd = w2 >>> 22 & 15;
        const rs1 = w2 >>> 18 & 15;
        if (op >= 32 /* LB */ && op <= 39 /* SW */) {
          const va = R[rs1] + (w2 << 14 >> 14) | 0;
          const isStore = op >= 37 /* SB */;
          let pa;
          if (!isStore && va >>> 12 === lVpn && (va & MEM_SIZE[op - 32 /* LB */] - 1) === 0) {
            pa = lBase | va & 4095;
            if (lIdx >= 0) {
              lUsed = instret;
              lHits++;
            }
          } else if (isStore && va >>> 12 === sVpn && (va & MEM_SIZE[op - 32 /* LB */] - 1) === 0) {
            pa = sBase | va & 4095;
            if (sIdx >= 0) {
              sUsed = instret;
              sHits++;
            }
          } else {
            pa = -1;
            if ((va & MEM_SIZE[op - 32 /* LB */] - 1) === 0) {
              this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
              fUsed = lUsed = sUsed = -1;
              pa = mmu.translate(va, isStore ? ACCESS.STORE : ACCESS.LOAD);
            }
            if (pa < 0 || pa >= ramSize) {
              this.pc = pc;
              stats.instructions = instret;
              stats.cyclesInsn += insnCycles;
              insnCycles = 0;
              this.slowAccess(w2, va, pa);
              pc = this.pc;
              instret = stats.instructions;
              break hot;
            }
            if (mmu.generation !== gen) {
              gen = mmu.generation;
              fVpn = lVpn = sVpn = -1;
            } else if (mmu.lastFill >= 0) {
              const filled = mmu.lastFill;
              if (unified && fIdx === filled) fVpn = -1;
              if (isStore) {
                if (lIdx === filled) lVpn = -1;
              } else if (sIdx === filled) sVpn = -1;
            }
            if (isStore) {
              sVpn = va >>> 12;
              sBase = pa & ~4095;
              sIdx = mmu.lastIndex;
              mem.dirty[pa >>> 12] = 1;
            } else {
              lVpn = va >>> 12;
              lBase = pa & ~4095;
              lIdx = mmu.lastIndex;
            }
          }
          switch (op) {
            case 32 /* LB */:
              R[rd] = mem.i8[pa];
              break;
            case 33 /* LH */:
              R[rd] = mem.i16[pa >>> 1];
              break;
            case 34 /* LW */:
              R[rd] = m32[pa >>> 2];
              break;
            case 35 /* LBU */:
              R[rd] = mem.u8[pa];
              break;
            case 36 /* LHU */:
              R[rd] = mem.u16[pa >>> 1];
              break;
            // Stores: the value register is in the rd position (srcA), the base in rs1 (srcB).
            case 37 /* SB */:
              mem.u8[pa] = R[rd];
              break;
            case 38 /* SH */:
              mem.u16[pa >>> 1] = R[rd];
              break;
            default:
              m32[pa >>> 2] = R[rd];
              break;
          }
          R[0] = 0;
          instret++;
          insnCycles += opCycles[op];
          pc = pc + 4 >>> 0;
          continue;
        }
        const rs2 = w2 >>> 14 & 15;
        const imm = w2 << 14 >> 14;
        let next = pc + 4 >>> 0;
        switch (op) {
          // ALU, register-register
          case 1 /* ADD */:
            R[rd] = R[rs1] + R[rs2];
            break;
          case 2 /* SUB */:
            R[rd] = R[rs1] - R[rs2];
            break;
          case 3 /* AND */:
            R[rd] = R[rs1] & R[rs2];
            break;
          case 4 /* OR */:
            R[rd] = R[rs1] | R[rs2];
            break;
          case 5 /* XOR */:
            R[rd] = R[rs1] ^ R[rs2];
            break;
          case 6 /* SLL */: {
            const s = R[rs2] >>> 0;
            R[rd] = s > 31 ? 0 : R[rs1] << s;
            break;
          }
          case 7 /* SRL */: {
            const s = R[rs2] >>> 0;
            R[rd] = s > 31 ? 0 : R[rs1] >>> s;
            break;
          }
          case 8 /* SRA */: {
            const s = R[rs2] >>> 0;
            R[rd] = R[rs1] >> (s > 31 ? 31 : s);
            break;
          }
          case 9 /* SLT */:
            R[rd] = R[rs1] < R[rs2] ? 1 : 0;
            break;
          case 10 /* SLTU */:
            R[rd] = R[rs1] >>> 0 < R[rs2] >>> 0 ? 1 : 0;
            break;
          case 11 /* MUL */:
            R[rd] = Math.imul(R[rs1], R[rs2]);
            break;
          case 12 /* MULH */:
            R[rd] = mulh2(R[rs1], R[rs2]);
            break;
          case 13 /* MULHU */:
            R[rd] = mulhu2(R[rs1] >>> 0, R[rs2] >>> 0);
            break;
          case 14 /* DIV */: {
            const a = R[rs1], b = R[rs2];
            R[rd] = b === 0 ? -1 : a === -2147483648 && b === -1 ? a : a / b | 0;
            break;
          }
          case 15 /* DIVU */: {
            const b = R[rs2] >>> 0;
            R[rd] = b === 0 ? -1 : (R[rs1] >>> 0) / b >>> 0;
            break;
          }
          case 16 /* REM */: {
            const a = R[rs1], b = R[rs2];
            R[rd] = b === 0 ? a : b === -1 ? 0 : a % b;
            break;
          }
          case 17 /* REMU */: {
            const b = R[rs2] >>> 0;
            R[rd] = b === 0 ? R[rs1] : (R[rs1] >>> 0) % b;
            break;
          }
          // ALU, register-immediate
          case 18 /* ADDI */:
            R[rd] = R[rs1] + imm;
            break;
          case 19 /* ANDI */:
            R[rd] = R[rs1] & imm;
            break;
          case 20 /* ORI */:
            R[rd] = R[rs1] | imm;
            break;
          case 21 /* XORI */:
            R[rd] = R[rs1] ^ imm;
            break;
          case 22 /* SLTI */:
            R[rd] = R[rs1] < imm ? 1 : 0;
            break;
          case 23 /* SLTIU */:
            R[rd] = R[rs1] >>> 0 < imm >>> 0 ? 1 : 0;
            break;
          case 24 /* SLLI */:
            R[rd] = R[rs1] << (w2 & 31);
            break;
          case 25 /* SRLI */:
            R[rd] = R[rs1] >>> (w2 & 31);
            break;
          case 26 /* SRAI */:
            R[rd] = R[rs1] >> (w2 & 31);
            break;
          case 27 /* LUI */:
            R[rd] = (w2 & 4194303) << 10;
            break;
          case 28 /* AUIPC */:
            R[rd] = pc + ((w2 & 4194303) << 10);
            break;
          // Branches: the srcA register sits in the rd position, srcB in rs1.
          case 40 /* BEQ */:
            if (R[rd] === R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 41 /* BNE */:
            if (R[rd] !== R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 42 /* BLT */:
            if (R[rd] < R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 43 /* BGE */:
            if (R[rd] >= R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 44 /* BLTU */:
            if (R[rd] >>> 0 < R[rs1] >>> 0) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 45 /* BGEU */:
            if (R[rd] >>> 0 >= R[rs1] >>> 0) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          // Jumps
          case 48 /* JAL */:
            R[rd] = next;
            next = pc + (w2 << 10 >> 10 << 2) >>> 0;
            insnCycles += takenCycles;
            break;
          case 49 /* JALR */: {
            const target = (R[rs1] + imm & ~3) >>> 0;
            R[rd] = next;
            next = target;
            insnCycles += takenCycles;
            break;
          }
          // Privileged and system instructions, and reserved opcodes: the slow path.
          default:
            this.pc = pc;
            stats.instructions = instret;
            stats.cyclesInsn += insnCycles;
            insnCycles = 0;
            this.system(w2, op);
            R[0] = 0;
            pc = this.pc;
            instret = stats.instructions;
            break hot;
        }
        R[0] = 0;
        instret++;
        insnCycles += opCycles[op];
        pc = next;
      }
    }
    if (fIdx < 0) fHits = fHitsAtFill;
    stats.tlbHits[ACCESS.FETCH] += fHits;
    stats.tlbHits[ACCESS.LOAD] += lHits;
    stats.tlbHits[ACCESS.STORE] += sHits;
    return this.stopCode;
  }
  /**
   * The translating engine's interpreter (emulator/jit/engine.ts runs it for code not compiled,
   * and for blocks that do not fit before a deadline): the hot loop of `run`, the same statements
   * in the same order, on the engine's FastPath fields copied into locals on entry and back on
   * every exit, so that the hand-over is exact (the slots, their lazy LRU stamps and hit counts
   * are the interpreter's own at every instruction). It is entered with the instruction at S.pc
   * already fetched (fetchPhys) and runs until the pass's limit (S.limit), a slow path (S.status
   * = 1; the pass ends as in `run`), or the fetch after a jump or taken branch reaches a block
   * head the engine wants (compiled and fitting, about to be compiled, or in a page not in the
   * cache): it then leaves with that fetch done (S.fetched = its physical address), and the
   * engine dispatches there. Heat (visits of an entry) is counted at those fetches.
   * Stores: the slot's page may hold translations (S.sKey !== S.sVpn, see FastPath.sKey); the
   * first store through it then marks the page written, as the engine's blocks do.
   * @internal called by the translating engine.
   */
  jitInterpret(S, cache, fetchPhys) {
    const stats = this.stats;
    const R = this.regs;
    const mem = this.mem;
    const m32 = mem.i32;
    const dirty = mem.dirty;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const opCycles = this.opCycles;
    const takenCycles = this.profile.branchTakenCycles;
    const unified = mmu.itlb === mmu.dtlb;
    const epochs = cache.epochs;
    const hotThreshold = this.jitHotThreshold;
    const limit = S.limit;
    let pc = S.pc;
    let instret = S.instret;
    let insnCycles = S.insnCycles;
    let gen = S.gen;
    let fVpn = S.fVpn, fBase = S.fBase, fIdx = S.fIdx, fUsed = S.fUsed;
    let lVpn = S.lVpn, lBase = S.lBase, lIdx = S.lIdx, lUsed = S.lUsed;
    let sVpn = S.sVpn, sBase = S.sBase, sIdx = S.sIdx, sUsed = S.sUsed, sKey = S.sKey;
    let fHits = S.fHits, lHits = S.lHits, sHits = S.sHits;
    let fHitsAtFill = S.fHitsAtFill;
    let status = 0;
    let fetched = -1;
    run: for (; ; ) {
      const w2 = m32[fetchPhys >>> 2];
      const op = w2 >>> 26;
      if (op <= 17 /* REMU */ ? op === 0 || (w2 & R_RESERVED2) !== 0 : op >= 24 /* SLLI */ && op <= 26 /* SRAI */ && (w2 & SH_RESERVED2) !== 0) {
        this.pc = pc;
        stats.instructions = instret;
        this.trap(J_ILLEGAL, w2);
        pc = this.pc;
        status = 1;
        break run;
      }
      const rd = w2 >>> 22 & 15;
      const rs1 = w2 >>> 18 & 15;
      let next = pc + 4 >>> 0;
      if (op >= 32 /* LB */ && op <= 39 /* SW */) {
        const va = R[rs1] + (w2 << 14 >> 14) | 0;
        const isStore = op >= 37 /* SB */;
        let pa;
        if (!isStore && va >>> 12 === lVpn && (va & J_SIZES[op - 32 /* LB */] - 1) === 0) {
          pa = lBase | va & 4095;
          if (lIdx >= 0) {
            lUsed = instret;
            lHits++;
          }
        } else if (isStore && va >>> 12 === sVpn && (va & J_SIZES[op - 32 /* LB */] - 1) === 0) {
          pa = sBase | va & 4095;
          if (sIdx >= 0) {
            sUsed = instret;
            sHits++;
          }
          if (sKey !== sVpn && this.jitCodeStore(pa) !== 0) sKey = sVpn;
        } else {
          pa = -1;
          if ((va & J_SIZES[op - 32 /* LB */] - 1) === 0) {
            this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
            fUsed = lUsed = sUsed = -1;
            pa = mmu.translate(va, isStore ? J_STORE : J_LOAD);
          }
          if (pa < 0 || pa >= ramSize) {
            this.pc = pc;
            stats.instructions = instret;
            stats.cyclesInsn += insnCycles;
            insnCycles = 0;
            this.slowAccess(w2, va, pa);
            pc = this.pc;
            instret = stats.instructions;
            status = 1;
            break run;
          }
          if (mmu.generation !== gen) {
            gen = mmu.generation;
            fVpn = lVpn = sVpn = sKey = -1;
          } else if (mmu.lastFill >= 0) {
            const filled = mmu.lastFill;
            if (unified && fIdx === filled) fVpn = -1;
            if (isStore) {
              if (lIdx === filled) lVpn = -1;
            } else if (sIdx === filled) sVpn = sKey = -1;
          }
          if (isStore) {
            sVpn = va >>> 12;
            sBase = pa & ~4095;
            sIdx = mmu.lastIndex;
            sKey = this.jitCodeStore(pa) !== 0 ? sVpn : -1;
          } else {
            lVpn = va >>> 12;
            lBase = pa & ~4095;
            lIdx = mmu.lastIndex;
          }
        }
        switch (op) {
          case 32 /* LB */:
            R[rd] = mem.i8[pa];
            break;
          case 33 /* LH */:
            R[rd] = mem.i16[pa >>> 1];
            break;
          case 34 /* LW */:
            R[rd] = m32[pa >>> 2];
            break;
          case 35 /* LBU */:
            R[rd] = mem.u8[pa];
            break;
          case 36 /* LHU */:
            R[rd] = mem.u16[pa >>> 1];
            break;
          case 37 /* SB */:
            mem.u8[pa] = R[rd];
            break;
          case 38 /* SH */:
            mem.u16[pa >>> 1] = R[rd];
            break;
          default:
            m32[pa >>> 2] = R[rd];
            break;
        }
      } else {
        const rs2 = w2 >>> 14 & 15;
        const imm = w2 << 14 >> 14;
        switch (op) {
          // ALU, register-register
          case 1 /* ADD */:
            R[rd] = R[rs1] + R[rs2];
            break;
          case 2 /* SUB */:
            R[rd] = R[rs1] - R[rs2];
            break;
          case 3 /* AND */:
            R[rd] = R[rs1] & R[rs2];
            break;
          case 4 /* OR */:
            R[rd] = R[rs1] | R[rs2];
            break;
          case 5 /* XOR */:
            R[rd] = R[rs1] ^ R[rs2];
            break;
          case 6 /* SLL */: {
            const s = R[rs2] >>> 0;
            R[rd] = s > 31 ? 0 : R[rs1] << s;
            break;
          }
          case 7 /* SRL */: {
            const s = R[rs2] >>> 0;
            R[rd] = s > 31 ? 0 : R[rs1] >>> s;
            break;
          }
          case 8 /* SRA */: {
            const s = R[rs2] >>> 0;
            R[rd] = R[rs1] >> (s > 31 ? 31 : s);
            break;
          }
          case 9 /* SLT */:
            R[rd] = R[rs1] < R[rs2] ? 1 : 0;
            break;
          case 10 /* SLTU */:
            R[rd] = R[rs1] >>> 0 < R[rs2] >>> 0 ? 1 : 0;
            break;
          case 11 /* MUL */:
            R[rd] = Math.imul(R[rs1], R[rs2]);
            break;
          case 12 /* MULH */:
            R[rd] = mulh2(R[rs1], R[rs2]);
            break;
          case 13 /* MULHU */:
            R[rd] = mulhu2(R[rs1] >>> 0, R[rs2] >>> 0);
            break;
          case 14 /* DIV */: {
            const a = R[rs1], b = R[rs2];
            R[rd] = b === 0 ? -1 : a === -2147483648 && b === -1 ? a : a / b | 0;
            break;
          }
          case 15 /* DIVU */: {
            const b = R[rs2] >>> 0;
            R[rd] = b === 0 ? -1 : (R[rs1] >>> 0) / b >>> 0;
            break;
          }
          case 16 /* REM */: {
            const a = R[rs1], b = R[rs2];
            R[rd] = b === 0 ? a : b === -1 ? 0 : a % b;
            break;
          }
          case 17 /* REMU */: {
            const b = R[rs2] >>> 0;
            R[rd] = b === 0 ? R[rs1] : (R[rs1] >>> 0) % b;
            break;
          }
          // ALU, register-immediate
          case 18 /* ADDI */:
            R[rd] = R[rs1] + imm;
            break;
          case 19 /* ANDI */:
            R[rd] = R[rs1] & imm;
            break;
          case 20 /* ORI */:
            R[rd] = R[rs1] | imm;
            break;
          case 21 /* XORI */:
            R[rd] = R[rs1] ^ imm;
            break;
          case 22 /* SLTI */:
            R[rd] = R[rs1] < imm ? 1 : 0;
            break;
          case 23 /* SLTIU */:
            R[rd] = R[rs1] >>> 0 < imm >>> 0 ? 1 : 0;
            break;
          case 24 /* SLLI */:
            R[rd] = R[rs1] << (w2 & 31);
            break;
          case 25 /* SRLI */:
            R[rd] = R[rs1] >>> (w2 & 31);
            break;
          case 26 /* SRAI */:
            R[rd] = R[rs1] >> (w2 & 31);
            break;
          case 27 /* LUI */:
            R[rd] = (w2 & 4194303) << 10;
            break;
          case 28 /* AUIPC */:
            R[rd] = pc + ((w2 & 4194303) << 10);
            break;
          // Branches: the srcA register sits in the rd position, srcB in rs1.
          case 40 /* BEQ */:
            if (R[rd] === R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 41 /* BNE */:
            if (R[rd] !== R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 42 /* BLT */:
            if (R[rd] < R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 43 /* BGE */:
            if (R[rd] >= R[rs1]) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 44 /* BLTU */:
            if (R[rd] >>> 0 < R[rs1] >>> 0) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          case 45 /* BGEU */:
            if (R[rd] >>> 0 >= R[rs1] >>> 0) {
              next = pc + (imm << 2) >>> 0;
              insnCycles += takenCycles;
            }
            break;
          // Jumps
          case 48 /* JAL */:
            R[rd] = next;
            next = pc + (w2 << 10 >> 10 << 2) >>> 0;
            insnCycles += takenCycles;
            break;
          case 49 /* JALR */: {
            const target = (R[rs1] + imm & ~3) >>> 0;
            R[rd] = next;
            next = target;
            insnCycles += takenCycles;
            break;
          }
          default:
            this.pc = pc;
            stats.instructions = instret;
            stats.cyclesInsn += insnCycles;
            insnCycles = 0;
            this.system(w2, op);
            R[0] = 0;
            pc = this.pc;
            instret = stats.instructions;
            status = 1;
            break run;
        }
      }
      R[0] = 0;
      instret++;
      insnCycles += opCycles[op];
      const jumped = next !== pc + 4 >>> 0;
      pc = next;
      if (instret >= limit) break run;
      if (pc >>> 12 === fVpn) {
        fetchPhys = fBase | pc & 4095;
        fUsed = instret;
        fHits++;
      } else {
        this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
        fUsed = lUsed = sUsed = -1;
        if (fIdx < 0) fHits = fHitsAtFill;
        fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, J_FETCH);
        if (fetchPhys < 0 || fetchPhys >= ramSize || (pc & 3) !== 0) {
          this.pc = pc;
          stats.instructions = instret;
          this.fetchFault(fetchPhys);
          pc = this.pc;
          status = 1;
          break run;
        }
        if (mmu.generation !== gen) {
          gen = mmu.generation;
          lVpn = sVpn = sKey = -1;
        } else if (unified && mmu.lastFill >= 0) {
          if (lIdx === mmu.lastFill) lVpn = -1;
          if (sIdx === mmu.lastFill) sVpn = sKey = -1;
        }
        fVpn = pc >>> 12;
        fBase = fetchPhys & ~4095;
        fIdx = mmu.lastIndex;
        fHitsAtFill = fHits;
      }
      if (jumped) {
        const frame = fetchPhys >>> 12;
        const page = cache.pages[frame];
        if (page === void 0 || (dirty[frame] & J_CODE) === 0 || page.epoch !== epochs[frame]) {
          fetched = fetchPhys;
          break run;
        }
        const k = fetchPhys >>> 2 & 1023;
        const n2 = page.lengths[k];
        if (n2 > 0 ? n2 <= limit - instret : n2 === 0 || n2 === J_COLD && page.heat[k] + 1 >= hotThreshold) {
          fetched = fetchPhys;
          break run;
        }
        if (n2 === J_COLD) page.heat[k]++;
      }
    }
    S.pc = pc;
    S.instret = instret;
    S.insnCycles = insnCycles;
    S.gen = gen;
    S.fVpn = fVpn;
    S.fBase = fBase;
    S.fIdx = fIdx;
    S.fUsed = fUsed;
    S.lVpn = lVpn;
    S.lBase = lBase;
    S.lIdx = lIdx;
    S.lUsed = lUsed;
    S.sVpn = sVpn;
    S.sBase = sBase;
    S.sIdx = sIdx;
    S.sUsed = sUsed;
    S.sKey = sKey;
    S.fHits = fHits;
    S.lHits = lHits;
    S.sHits = sHits;
    S.fHitsAtFill = fHitsAtFill;
    S.status = status;
    S.fetched = fetched;
  }
};
function mulh2(a, b) {
  const hi2 = mulhu2(a >>> 0, b >>> 0);
  return hi2 - (a < 0 ? b : 0) - (b < 0 ? a : 0) | 0;
}
function mulhu2(a, b) {
  const aHi = a >>> 16, aLo = a & 65535, bHi = b >>> 16, bLo = b & 65535;
  const lo2 = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = (lo2 >>> 16) + (mid1 & 65535) + (mid2 & 65535) >>> 16;
  return aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry | 0;
}

// emulator/memory.ts
if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) throw new Error("vmmlab needs a little-endian host");
var PhysicalMemory = class {
  sizeBytes;
  u8;
  u16;
  i16;
  i32;
  i8;
  /**
   * One byte per 4 KiB page: 1 once the page has been written since the map was last cleared.
   * Every writer of memory marks it (the CPU when its store path moves to a new page, the walker's
   * A/D updates, the VMM and the loaders); the debugger's snapshots read and clear it, to keep
   * only the pages that changed between two of them.
   */
  dirty;
  constructor(sizeBytes) {
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % PAGE_SIZE !== 0 || sizeBytes > 4026531840) {
      throw new RangeError(`memory size must be a positive multiple of ${PAGE_SIZE} bytes below 0xF0000000 (got ${sizeBytes})`);
    }
    this.sizeBytes = sizeBytes;
    const buffer = new ArrayBuffer(sizeBytes);
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.dirty = new Uint8Array(sizeBytes / PAGE_SIZE);
  }
  /** Note that the bytes [addr, addr + length) were written. */
  markDirty(addr, length = 1) {
    const last = Math.min(this.dirty.length - 1, addr + Math.max(1, length) - 1 >>> 12);
    for (let p = addr >>> 12; p <= last; p++) this.dirty[p] = 1;
  }
  readWord(addr) {
    return this.i32[addr >>> 2];
  }
  writeWord(addr, value) {
    this.i32[addr >>> 2] = value;
    this.dirty[addr >>> 12] = 1;
  }
  load(addr, bytes) {
    this.u8.set(bytes, addr);
    this.markDirty(addr, bytes.length);
  }
};

// emulator/paging-mode.ts
var AGILE_SWITCH = 1 << 8;
var TV32_PAGING = { name: "tv32", levelBits: [10, 10], largeAllowed: [true, false] };
var AGILE_PAGING = { name: "tv32-agile", levelBits: [10, 10], largeAllowed: [true, false], agile: true };
function eptPagingMode(levels, largePages) {
  if (!Number.isInteger(levels) || levels < 1 || levels > 4) throw new RangeError(`EPT levels must be 1 to 4 (got ${levels})`);
  const levelBits = [];
  let remaining = 20;
  for (let l = 0; l < levels; l++) {
    const bits = Math.ceil(remaining / (levels - l));
    levelBits.push(bits);
    remaining -= bits;
  }
  const largeAllowed = levelBits.map((_, l) => largePages && l < levels - 1);
  return { name: `ept${levels}${largePages ? "-large" : ""}`, levelBits, largeAllowed };
}
function tableBytes(mode, level) {
  return 4 << mode.levelBits[level];
}
function levelShift(mode, level) {
  let shift = 12;
  for (let l = mode.levelBits.length - 1; l > level; l--) shift += mode.levelBits[l];
  return shift;
}

// emulator/pwc.ts
var NONE = -1;
var GUEST = 0;
var EPT = 1;
var PageWalkCache = class _PageWalkCache {
  constructor(entries) {
    this.entries = entries;
    const nodes = entries + 1;
    this.nodeAddr = new Int32Array(nodes);
    this.nodeValue = new Int32Array(nodes);
    this.nodeStage = new Uint8Array(nodes);
    this.chainNext = new Int32Array(nodes);
    this.older = new Int32Array(nodes);
    this.newer = new Int32Array(nodes);
    const bucketBits = 32 - Math.clz32(2 * nodes - 1);
    this.bucketHead = new Int32Array(1 << bucketBits).fill(NONE);
    this.hashShift = 32 - bucketBits;
    for (let n2 = 0; n2 < nodes; n2++) this.chainNext[n2] = n2 + 1 < nodes ? n2 + 1 : NONE;
    this.freeHead = 0;
  }
  entries;
  hits = 0;
  misses = 0;
  /** After a lookup that hit: the cached entry. */
  value = 0;
  /** One node more than the capacity: an insert adds before it evicts. */
  nodeAddr;
  nodeValue;
  nodeStage;
  /** Hash chains (and the free list, through the same links). */
  chainNext;
  bucketHead;
  hashShift;
  /** Per stage: the most and the least recently used node, and how many it holds. */
  head = new Int32Array([NONE, NONE]);
  tail = new Int32Array([NONE, NONE]);
  count = new Int32Array(2);
  older;
  newer;
  freeHead;
  /** Is the entry at hostAddr cached for this stage? On a hit it becomes most recently used and `value` holds it. */
  lookup(stage, hostAddr) {
    const s = stage === "guest" ? GUEST : EPT;
    const node2 = this.find(s, hostAddr);
    if (node2 < 0) {
      this.misses++;
      return false;
    }
    this.unlinkLru(s, node2);
    this.pushLru(s, node2);
    this.hits++;
    this.value = this.nodeValue[node2];
    return true;
  }
  /** Cache a present, non-leaf entry. Both stages share the capacity. */
  insert(stage, hostAddr, value) {
    const s = stage === "guest" ? GUEST : EPT;
    let node2 = this.find(s, hostAddr);
    if (node2 >= 0) this.unlinkLru(s, node2);
    else {
      node2 = this.freeHead;
      this.freeHead = this.chainNext[node2];
      this.nodeAddr[node2] = hostAddr | 0;
      this.nodeStage[node2] = s;
      const b = this.bucket(s, hostAddr);
      this.chainNext[node2] = this.bucketHead[b];
      this.bucketHead[b] = node2;
      this.count[s]++;
    }
    this.nodeValue[node2] = value;
    this.pushLru(s, node2);
    while (this.count[GUEST] + this.count[EPT] > this.entries) {
      const victim = this.count[GUEST] >= this.count[EPT] ? GUEST : EPT;
      this.evict(victim, this.tail[victim]);
    }
  }
  clone() {
    const copy = new _PageWalkCache(this.entries);
    for (const s of [GUEST, EPT]) {
      for (let n2 = this.tail[s]; n2 >= 0; n2 = this.newer[n2]) copy.insert(s === GUEST ? "guest" : "ept", this.nodeAddr[n2] >>> 0, this.nodeValue[n2]);
    }
    return copy;
  }
  flushGuest() {
    while (this.tail[GUEST] >= 0) this.evict(GUEST, this.tail[GUEST]);
  }
  flushAll() {
    this.flushGuest();
    while (this.tail[EPT] >= 0) this.evict(EPT, this.tail[EPT]);
  }
  get size() {
    return this.count[GUEST] + this.count[EPT];
  }
  /** A stage's entries as [host address, entry], least recently used first: for tests and views. */
  contents(stage) {
    const s = stage === "guest" ? GUEST : EPT;
    const out = [];
    for (let n2 = this.tail[s]; n2 >= 0; n2 = this.newer[n2]) out.push([this.nodeAddr[n2] >>> 0, this.nodeValue[n2]]);
    return out;
  }
  bucket(stage, hostAddr) {
    return Math.imul(hostAddr ^ stage << 31, 2654435761) >>> this.hashShift;
  }
  find(stage, hostAddr) {
    const addr = hostAddr | 0;
    for (let n2 = this.bucketHead[this.bucket(stage, hostAddr)]; n2 >= 0; n2 = this.chainNext[n2]) {
      if (this.nodeAddr[n2] === addr && this.nodeStage[n2] === stage) return n2;
    }
    return NONE;
  }
  /** Drop a node: out of its hash chain and its LRU list, back to the free list. */
  evict(stage, node2) {
    const b = this.bucket(stage, this.nodeAddr[node2]);
    let prev = NONE;
    for (let n2 = this.bucketHead[b]; n2 !== node2; n2 = this.chainNext[n2]) prev = n2;
    if (prev >= 0) this.chainNext[prev] = this.chainNext[node2];
    else this.bucketHead[b] = this.chainNext[node2];
    this.unlinkLru(stage, node2);
    this.count[stage]--;
    this.chainNext[node2] = this.freeHead;
    this.freeHead = node2;
  }
  /** Make a node (not in its list) the most recently used of its stage. */
  pushLru(stage, node2) {
    const first = this.head[stage];
    this.newer[node2] = NONE;
    this.older[node2] = first;
    if (first >= 0) this.newer[first] = node2;
    else this.tail[stage] = node2;
    this.head[stage] = node2;
  }
  unlinkLru(stage, node2) {
    const newer = this.newer[node2];
    const older = this.older[node2];
    if (newer >= 0) this.older[newer] = older;
    else this.head[stage] = older;
    if (older >= 0) this.newer[older] = newer;
    else this.tail[stage] = newer;
  }
};

// emulator/tlb.ts
var PAGE_SHIFT2 = PAGE_SHIFT;
var PTE_G = PTE.G;
var DEFAULT_TLB = { entries: 64, ways: 4, replacement: "lru", seed: 1 };
function isPowerOfTwo(n2) {
  return Number.isInteger(n2) && n2 >= 1 && (n2 & n2 - 1) === 0;
}
var LARGE = 1 << 16;
var VALID = 1 << 17;
var NONE2 = -1;
var INDEXED_WAYS = 16;
function contextMatches(flags, entryContext, context) {
  return entryContext === context || (flags & PTE_G) !== 0 && entryContext >>> 8 === context >>> 8;
}
function lruBefore(lastUse, a, b) {
  const ta = lastUse[a], tb = lastUse[b];
  return ta > tb || ta === tb && a > b;
}
function checkTlbConfig(c) {
  if (!isPowerOfTwo(c.entries) || c.entries > 65536) return `TLB entries must be a power of two from 1 to 65536 (got ${c.entries})`;
  if (!isPowerOfTwo(c.ways) || c.ways > c.entries) return `TLB ways must be a power of two from 1 to the entry count (got ${c.ways})`;
  return void 0;
}
var Tlb = class {
  config;
  sets;
  ways;
  /** Virtual page number: va >>> 12 for 4 KiB pages, va >>> pageShift for larger ones. */
  tag;
  pageShift;
  /**
   * The size of the guest's own page that this entry is a piece of (>= pageShift): invlpg drops
   * the whole guest page. Under EPT a guest superpage over 4 KiB EPT pages is cached as several
   * 4 KiB entries, each remembering that it belongs to a 4 MiB guest page.
   */
  guestPageShift;
  context;
  /** Physical base address of the page. */
  base;
  /** PTE bits of the leaf (V W X U G A D), plus LARGE and VALID; 0 for a free way. Read only: write through the methods. */
  flags;
  /** LRU timestamps, from the MMU's clock, always increasing. Read only: stamp through `touch`. */
  lastUse;
  rng;
  random;
  /** Entries dropped by replacement. */
  evictions = 0;
  /** log2(ways): an entry's set is its index >> waysShift. */
  waysShift;
  /** Valid entries per large page size (indexed by pageShift, 13 to 31). */
  largeCount = new Int32Array(32);
  /** Bit n set: some valid entry has pageShift n > 12. `find` probes only these sizes. */
  largeShifts = 0;
  // Indexed sets only (ways >= INDEXED_WAYS); empty otherwise.
  indexed;
  /** Valid entries per set (a full set needs no search for a free way). */
  setValid;
  /** 32 - log2(buckets) of the page hash. */
  hashShift;
  /** Per hash bucket: its first valid entry; chains are kept in index order, so the first match is the lowest way. */
  bucketHead;
  chainNext;
  chainPrev;
  /** Per set: the most and the least recently used valid entry (NONE when the set is empty). */
  lruHead;
  lruTail;
  /** The list from most to least recently used: by lastUse, then by index (the lower one older). */
  lruOlder;
  lruNewer;
  /** Bit (i & 31) of word i >> 5 set: entry i is free. */
  freeBits;
  constructor(config = DEFAULT_TLB) {
    const problem = checkTlbConfig(config);
    if (problem) throw new RangeError(problem);
    const n2 = config.entries;
    this.config = config;
    this.ways = config.ways;
    this.sets = n2 / config.ways;
    this.tag = new Int32Array(n2);
    this.pageShift = new Uint8Array(n2);
    this.guestPageShift = new Uint8Array(n2);
    this.context = new Int32Array(n2);
    this.base = new Int32Array(n2);
    this.flags = new Int32Array(n2);
    this.lastUse = new Float64Array(n2);
    this.rng = config.seed | 0 || 1;
    this.random = config.replacement === "random";
    this.waysShift = 31 - Math.clz32(config.ways);
    this.indexed = config.ways >= INDEXED_WAYS;
    this.setValid = new Int32Array(this.indexed ? this.sets : 0);
    const buckets = this.indexed ? 2 * n2 : 0;
    this.hashShift = this.indexed ? 32 - (31 - Math.clz32(buckets)) : 0;
    this.bucketHead = new Int32Array(buckets).fill(NONE2);
    this.chainNext = new Int32Array(this.indexed ? n2 : 0);
    this.chainPrev = new Int32Array(this.indexed ? n2 : 0);
    this.lruHead = new Int32Array(this.indexed ? this.sets : 0).fill(NONE2);
    this.lruTail = new Int32Array(this.indexed ? this.sets : 0).fill(NONE2);
    this.lruOlder = new Int32Array(this.indexed ? n2 : 0);
    this.lruNewer = new Int32Array(this.indexed ? n2 : 0);
    this.freeBits = new Int32Array(this.indexed ? n2 + 31 >>> 5 : 0).fill(-1);
  }
  /**
   * Find the entry for a 4 KiB virtual page number in a context; -1 on a miss. A hit is stamped
   * most recently used. Large-page entries live in the set their own page number indexes.
   */
  lookup(vpn, context, stamp) {
    const i = this.find(vpn, context);
    if (i >= 0) this.touch(i, stamp);
    return i;
  }
  /** Stamp entry i used at `stamp` (the MMU's clock; the CPU's fast path stamps its hits here). */
  touch(i, stamp) {
    this.lastUse[i] = stamp;
    if (this.indexed) this.lruStamped(i);
  }
  /**
   * The entry that would serve a lookup, without touching its LRU stamp: the lowest way of the
   * page's set holding a 4 KiB entry for it, else the same for each large page size present,
   * smallest first.
   */
  find(vpn, context) {
    if (this.indexed) return this.findIndexed(vpn, context);
    const tag = this.tag;
    const flags = this.flags;
    const first = (vpn & this.sets - 1) * this.ways;
    for (let i = first, end = first + this.ways; i < end; i++) {
      const f = flags[i];
      if (tag[i] === vpn && (f & (VALID | LARGE)) === VALID && contextMatches(f, this.context[i], context)) return i;
    }
    return this.largeShifts === 0 ? -1 : this.findLarge(vpn, context);
  }
  /**
   * Large entries: one probe per large page size present (superpages are 22 bits; EPT large
   * pages fold to the smaller of the two stages, never below 4 KiB), smallest first.
   */
  findLarge(vpn, context) {
    const tag = this.tag;
    const flags = this.flags;
    const mask = this.sets - 1;
    for (let shifts = this.largeShifts; shifts !== 0; ) {
      const lowest = shifts & -shifts;
      shifts ^= lowest;
      const shift = 31 - Math.clz32(lowest);
      const pageNumber = vpn >>> shift - PAGE_SHIFT2;
      if (this.indexed) {
        for (let i = this.bucketHead[this.bucket(pageNumber, shift)]; i >= 0; i = this.chainNext[i]) {
          if (tag[i] === pageNumber && this.pageShift[i] === shift && contextMatches(flags[i], this.context[i], context)) return i;
        }
        continue;
      }
      const first = (pageNumber & mask) * this.ways;
      for (let i = first, end = first + this.ways; i < end; i++) {
        const f = flags[i];
        if (tag[i] === pageNumber && this.pageShift[i] === shift && (f & VALID) !== 0 && contextMatches(f, this.context[i], context)) return i;
      }
    }
    return -1;
  }
  /** `find` in an indexed set: the 4 KiB page's hash chain (every entry on a chain is valid). */
  findIndexed(vpn, context) {
    for (let i = this.bucketHead[this.bucket(vpn, PAGE_SHIFT2)]; i >= 0; i = this.chainNext[i]) {
      if (this.tag[i] === vpn && this.pageShift[i] === PAGE_SHIFT2 && contextMatches(this.flags[i], this.context[i], context)) return i;
    }
    return this.largeShifts === 0 ? -1 : this.findLarge(vpn, context);
  }
  /**
   * Install a translation and return its index. `pageShift` is 12 for a 4 KiB page, 22 for a
   * superpage. `leafBits` are the PTE's permission and A/D bits. `guestPageShift` is the size of
   * the first-stage page the translation belongs to, when that is larger than the entry.
   */
  insert(va, pageShift, context, physBase, leafBits, stamp, guestPageShift = pageShift) {
    const pageNumber = va >>> pageShift;
    const set = pageNumber & this.sets - 1;
    const victim = this.indexed ? this.victimIndexed(set, pageNumber, pageShift, context) : this.victimScanned(set, pageNumber, pageShift, context);
    if (this.flags[victim] & VALID) {
      this.evictions++;
      this.unlink(victim);
    }
    this.tag[victim] = pageNumber;
    this.pageShift[victim] = pageShift;
    this.guestPageShift[victim] = guestPageShift;
    this.context[victim] = context;
    this.base[victim] = physBase;
    this.flags[victim] = leafBits & 255 | VALID | (pageShift > PAGE_SHIFT2 ? LARGE : 0);
    this.lastUse[victim] = stamp;
    this.link(victim);
    return victim;
  }
  /**
   * The way to fill, in a small set, in one pass: an entry for the same page in the same context
   * (so no page is ever cached twice), else the lowest free way, else the replacement policy's.
   */
  victimScanned(set, pageNumber, pageShift, context) {
    const first = set * this.ways;
    const end = first + this.ways;
    const flags = this.flags;
    const tag = this.tag;
    const shifts = this.pageShift;
    const contexts = this.context;
    const lastUse = this.lastUse;
    let free = -1;
    let oldest = -1;
    let oldestUse = Infinity;
    for (let i = first; i < end; i++) {
      if ((flags[i] & VALID) === 0) {
        if (free < 0) free = i;
        continue;
      }
      if (tag[i] === pageNumber && contexts[i] === context && shifts[i] === pageShift) return i;
      const used = lastUse[i];
      if (used < oldestUse) {
        oldestUse = used;
        oldest = i;
      }
    }
    if (free >= 0) return free;
    return this.random ? first + this.nextRandom() : oldest;
  }
  /** The same choice in an indexed set: the page hash, the free-way bitmap, the LRU list's tail. */
  victimIndexed(set, pageNumber, pageShift, context) {
    const next = this.chainNext;
    for (let i = this.bucketHead[this.bucket(pageNumber, pageShift)]; i >= 0; i = next[i]) {
      if (this.tag[i] === pageNumber && this.pageShift[i] === pageShift && this.context[i] === context) return i;
    }
    const first = set * this.ways;
    if (this.setValid[set] < this.ways) {
      const freeBits = this.freeBits;
      if (this.ways < 32) {
        const bits = freeBits[first >>> 5] >>> (first & 31) & (1 << this.ways) - 1;
        if (bits !== 0) return first + 31 - Math.clz32(bits & -bits);
      } else {
        for (let w2 = first >>> 5, end = first + this.ways >>> 5; w2 < end; w2++) {
          const bits = freeBits[w2];
          if (bits !== 0) return (w2 << 5) + 31 - Math.clz32(bits & -bits);
        }
      }
    }
    return this.random ? first + this.nextRandom() : this.lruTail[set];
  }
  /** xorshift32: deterministic for a given seed. A way number within the set. */
  nextRandom() {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return (x >>> 0) % this.ways;
  }
  invalidate(i) {
    if (this.flags[i] & VALID) this.unlink(i);
    this.flags[i] = 0;
  }
  /** tlbflush: drop everything, Global entries included. */
  flushAll() {
    this.flags.fill(0);
    this.largeCount.fill(0);
    this.largeShifts = 0;
    if (this.indexed) {
      this.setValid.fill(0);
      this.bucketHead.fill(NONE2);
      this.lruHead.fill(NONE2);
      this.lruTail.fill(NONE2);
      this.freeBits.fill(-1);
    }
  }
  /** What a PTBR write does: drop the non-Global entries of one context. */
  flushContext(context) {
    for (let i = 0; i < this.flags.length; i++) {
      if (this.context[i] === context && (this.flags[i] & (VALID | PTE_G)) === VALID) this.invalidate(i);
    }
  }
  /** Drop the non-Global and Global entries of every context in one VPID (a VM switch without VPIDs flushes all). */
  flushVpid(vpid) {
    for (let i = 0; i < this.flags.length; i++) if ((this.context[i] >>> 8 & 255) === vpid) this.invalidate(i);
  }
  /**
   * invlpg: drop every entry mapping the page that holds va, in every ASID of the VPID: every
   * piece of it, when the guest's page (a superpage) is cached as several smaller entries.
   */
  flushPage(va, vpid) {
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i] & VALID) || (this.context[i] >>> 8 & 255) !== vpid) continue;
      const guestShift = this.guestPageShift[i];
      const entryVa = this.tag[i] << this.pageShift[i] >>> 0;
      if (entryVa >>> guestShift === va >>> guestShift) this.invalidate(i);
    }
  }
  /** Drop every entry of a VPID whose page overlaps [vaStart, vaEnd). */
  flushRange(vaStart, vaEnd, vpid) {
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i] & VALID) || (this.context[i] >>> 8 & 255) !== vpid) continue;
      const shift = this.pageShift[i];
      const start = this.tag[i] * 2 ** shift;
      if (start < vaEnd && start + 2 ** shift > vaStart) this.invalidate(i);
    }
  }
  isValid(i) {
    return (this.flags[i] & VALID) !== 0;
  }
  /** Bit n set: some valid entry maps a page of 2^n bytes, n > 12 (the sizes a lookup probes beyond 4 KiB). For tests and views. */
  get largePageShifts() {
    return this.largeShifts;
  }
  // ---- The bookkeeping: every entry that becomes valid is linked, every one that stops being valid unlinked ----
  /** Entry i has just been filled (its fields written, VALID set). */
  link(i) {
    const shift = this.pageShift[i];
    if (shift > PAGE_SHIFT2 && this.largeCount[shift]++ === 0) this.largeShifts |= 1 << shift;
    if (!this.indexed) return;
    const set = i >>> this.waysShift;
    this.setValid[set]++;
    this.freeBits[i >>> 5] &= ~(1 << (i & 31));
    const b = this.bucket(this.tag[i], shift);
    let before = NONE2;
    let after = this.bucketHead[b];
    while (after >= 0 && after < i) {
      before = after;
      after = this.chainNext[after];
    }
    this.chainPrev[i] = before;
    this.chainNext[i] = after;
    if (before >= 0) this.chainNext[before] = i;
    else this.bucketHead[b] = i;
    if (after >= 0) this.chainPrev[after] = i;
    this.lruInsert(i, set);
  }
  /** Entry i is valid and is about to be dropped or overwritten. */
  unlink(i) {
    const shift = this.pageShift[i];
    if (shift > PAGE_SHIFT2 && --this.largeCount[shift] === 0) this.largeShifts &= ~(1 << shift);
    if (!this.indexed) return;
    const set = i >>> this.waysShift;
    this.setValid[set]--;
    this.freeBits[i >>> 5] |= 1 << (i & 31);
    const before = this.chainPrev[i];
    const after = this.chainNext[i];
    if (before >= 0) this.chainNext[before] = after;
    else this.bucketHead[this.bucket(this.tag[i], shift)] = after;
    if (after >= 0) this.chainPrev[after] = before;
    this.lruRemove(i, set);
  }
  bucket(pageNumber, shift) {
    return Math.imul(pageNumber ^ Math.imul(shift, 2654435769), 2246822507) >>> this.hashShift;
  }
  /** An entry in an indexed set was stamped: if valid, move it to its place (the front, for an increasing clock). */
  lruStamped(i) {
    if (!(this.flags[i] & VALID)) return;
    const set = i >>> this.waysShift;
    if (this.lruHead[set] === i) {
      const older = this.lruOlder[i];
      if (older < 0 || lruBefore(this.lastUse, i, older)) return;
    }
    this.lruRemove(i, set);
    this.lruInsert(i, set);
  }
  /** Insert a valid entry into its set's LRU list after every entry newer than it (at the front, for the newest stamp). */
  lruInsert(i, set) {
    const lastUse = this.lastUse;
    let newer = NONE2;
    let older = this.lruHead[set];
    while (older >= 0 && lruBefore(lastUse, older, i)) {
      newer = older;
      older = this.lruOlder[older];
    }
    this.lruNewer[i] = newer;
    this.lruOlder[i] = older;
    if (newer >= 0) this.lruOlder[newer] = i;
    else this.lruHead[set] = i;
    if (older >= 0) this.lruNewer[older] = i;
    else this.lruTail[set] = i;
  }
  lruRemove(i, set) {
    const newer = this.lruNewer[i];
    const older = this.lruOlder[i];
    if (newer >= 0) this.lruOlder[newer] = older;
    else this.lruHead[set] = older;
    if (older >= 0) this.lruNewer[older] = newer;
    else this.lruTail[set] = newer;
  }
  /** A readable snapshot, for the debugger and tests. */
  entries() {
    const out = [];
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i] & VALID)) continue;
      const shift = this.pageShift[i];
      out.push({
        index: i,
        set: Math.floor(i / this.ways),
        way: i % this.ways,
        va: this.tag[i] << shift >>> 0,
        pa: this.base[i] >>> 0,
        pageBytes: 2 ** shift,
        guestPageBytes: 2 ** this.guestPageShift[i],
        asid: this.context[i] & 255,
        vpid: this.context[i] >>> 8 & 255,
        pagingOff: (this.context[i] & 1 << 16) !== 0,
        bits: this.flags[i] & 255,
        lastUse: this.lastUse[i]
      });
    }
    return out;
  }
};

// emulator/walker.ts
var WALK_OK = 0;
var WALK_NOT_PRESENT = 1;
var WALK_BAD_LARGE = 2;
var WALK_BUS_ERROR = 3;
var WALK_EPT_VIOLATION = 4;
var StageResult = class {
  status = WALK_OK;
  /** The leaf entry's value (after any A/D update). */
  leaf = 0;
  /** Host-physical address of the leaf entry. */
  leafHostAddr = 0;
  /** log2 of the bytes the leaf maps: 12, or more for a large page. */
  pageShift = PAGE_SHIFT;
  /** The translated address (output of this stage). */
  output = 0;
  /** The level where the walk stopped. */
  level = 0;
  /** When a nested walk fails in the EPT: the guest-physical address that had no mapping. */
  faultGuestPhys = 0;
  /**
   * Agile walks only: the walk passed a switch bit, so the entries from there down (and the
   * leaf, and any fault) are the guest's and `output` is guest-physical. Not set by other walks.
   */
  switched = false;
  /** Nested guest walks: whether the EPT lets the leaf entry be written (A/D updates are writes), and its guest-physical address. */
  leafWritable = true;
  leafGuestAddr = 0;
  /** Nested guest walks: host address of the EPT leaf that maps the leaf entry's table (page-modification logging, pml.ts). */
  leafEptHostAddr = 0;
};
var MAX_PENDING = 8;
var Walker = class {
  constructor(mem) {
    this.mem = mem;
  }
  mem;
  /** References made, by stage, since the counters were last read by the MMU. */
  guestRefs = 0;
  eptRefs = 0;
  /** Set by the debugger to record every step of the next walks; null in normal runs. */
  trace = null;
  /** The page-walk cache, when the machine has one. */
  pwc = null;
  eptScratch = new StageResult();
  /**
   * Guest-stage directory entries read by the current walk, cached only if it ends in a
   * translation (commitPwc): isa/README.md 6.4 asks a kernel to invalidate after changing an
   * entry that a translation came through, so an entry that only led to a fault must not linger.
   */
  pendingHostAddr = new Int32Array(MAX_PENDING);
  pendingEntry = new Int32Array(MAX_PENDING);
  pendingCount = 0;
  /**
   * Walk `mode`'s tables from `root` for `addr`. With `nested`, table addresses are
   * guest-physical and each is translated through the EPT first (steps 1 and 4 of the walk,
   * done once per level, each costing a full EPT walk).
   *
   * This is the miss path: it allocates nothing (unless a trace is attached) and reads each
   * entry once, straight from memory or from the page-walk cache.
   */
  walk(mode, root, addr, stage, out, nested) {
    const levelBits = mode.levelBits;
    const levels = levelBits.length;
    const guestStage = stage === "guest";
    const agile = mode === AGILE_PAGING;
    if (agile) out.switched = false;
    const pwc = this.pwc;
    let shift = PAGE_SHIFT;
    for (let l = 1; l < levels; l++) shift += levelBits[l];
    let table = root >>> 0;
    for (let level = 0; level < levels; level++) {
      const index = addr >>> shift & (1 << levelBits[level]) - 1;
      const entryAddr = table + index * 4 >>> 0;
      let hostAddr = entryAddr;
      if (nested !== null) {
        const s = this.walk(nested.mode, nested.root, entryAddr, "ept", this.eptScratch, null);
        if (s !== WALK_OK) {
          out.status = s === WALK_NOT_PRESENT || s === WALK_BAD_LARGE ? WALK_EPT_VIOLATION : s;
          out.faultGuestPhys = entryAddr;
          out.level = level;
          return out.status;
        }
        hostAddr = this.eptScratch.output;
        out.leafWritable = (this.eptScratch.leaf & PTE.W) !== 0;
        out.leafGuestAddr = entryAddr;
        out.leafEptHostAddr = this.eptScratch.leafHostAddr;
      }
      const last = level === levels - 1;
      const cached = !last && pwc !== null && pwc.lookup(stage, hostAddr);
      let entry;
      if (cached) entry = pwc.value;
      else {
        if (guestStage) this.guestRefs++;
        else this.eptRefs++;
        if (hostAddr + 4 > this.mem.sizeBytes) {
          out.status = WALK_BUS_ERROR;
          out.level = level;
          return out.status;
        }
        entry = this.mem.i32[hostAddr >>> 2];
      }
      if (this.trace !== null) this.record(agile ? out.switched ? "guest" : "shadow" : stage, level, entryAddr, hostAddr, entry, addr, cached);
      if (!(entry & PTE.V)) {
        out.status = WALK_NOT_PRESENT;
        out.level = level;
        return out.status;
      }
      if (last || entry & PTE.L && mode.largeAllowed[level]) {
        const pageMask = (1 << shift) - 1;
        if (!last && (entry & PTE.FRAME_MASK & pageMask) !== 0) {
          out.status = WALK_BAD_LARGE;
          out.level = level;
          return out.status;
        }
        out.status = WALK_OK;
        out.leaf = entry;
        out.leafHostAddr = hostAddr;
        out.pageShift = shift;
        out.level = level;
        out.output = (entry & PTE.FRAME_MASK & ~pageMask | addr & pageMask) >>> 0;
        return WALK_OK;
      }
      if (!cached && pwc !== null) {
        if (!guestStage) pwc.insert(stage, hostAddr, entry);
        else if (this.pendingCount < MAX_PENDING) {
          this.pendingHostAddr[this.pendingCount] = hostAddr;
          this.pendingEntry[this.pendingCount++] = entry;
        }
      }
      if (agile && (entry & AGILE_SWITCH) !== 0) out.switched = true;
      table = (entry & PTE.FRAME_MASK) >>> 0;
      shift -= levelBits[level + 1];
    }
    throw new Error("unreachable: a walk always ends at the last level");
  }
  /** One step for the attached trace (the debugger's `translate`): off the miss path. */
  record(stage, level, entryAddr, hostAddr, entry, addr, cached) {
    this.trace.push(stage === "ept" ? { stage, level, entryAddr, hostAddr, value: entry >>> 0, translating: addr >>> 0, cached } : { stage, level, entryAddr, hostAddr, value: entry >>> 0, cached });
  }
  /** The walk just made ended in a translation: cache the directory entries it read. */
  commitPwc() {
    const pwc = this.pwc;
    if (pwc !== null) for (let i = 0; i < this.pendingCount; i++) pwc.insert("guest", this.pendingHostAddr[i] >>> 0, this.pendingEntry[i]);
    this.pendingCount = 0;
  }
  /** The walk just made faulted (or is about to start): forget what it read. */
  dropPwc() {
    this.pendingCount = 0;
  }
  /** An entry of a table in host memory (the MMU's EPT A/D work, pml.ts). */
  readEntry(hostAddr) {
    return this.mem.i32[hostAddr >>> 2];
  }
  /** Write back an EPT leaf's A/D bits (page-modification logging, pml.ts): one more EPT reference. */
  writeEptLeaf(hostAddr, value) {
    this.mem.i32[hostAddr >>> 2] = value;
    this.mem.dirty[hostAddr >>> 12] = 1;
    this.eptRefs++;
  }
  /** Step 7: write back Accessed (and Dirty for a store) into the leaf. Returns the new value. */
  setAccessedDirty(out, isStore) {
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((out.leaf & want) === want) return false;
    out.leaf |= want;
    this.mem.i32[out.leafHostAddr >>> 2] = out.leaf;
    this.mem.dirty[out.leafHostAddr >>> 12] = 1;
    this.guestRefs++;
    return true;
  }
};

// emulator/mmu.ts
var DEFAULT_MMU = { tlb: DEFAULT_TLB, splitTlb: false, pwcEntries: 0, asidTagging: true };
var PAGING_OFF_TAG = 1 << 16;
var NOT_PRESENT_CAUSE = [CAUSE.FETCH_PAGE_FAULT, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT];
var PROTECTION_CAUSE = [CAUSE.FETCH_PROTECTION_FAULT, CAUSE.LOAD_PROTECTION_FAULT, CAUSE.STORE_PROTECTION_FAULT];
var PAGING_OFF_BITS = PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D;
var A_FETCH2 = ACCESS.FETCH;
var A_STORE2 = ACCESS.STORE;
var P_U = PTE.U;
var P_W = PTE.W;
var P_X = PTE.X;
var P_D = PTE.D;
var P_A = PTE.A;
var PML_FULL_CAUSE = -2;
function permits(bits, access, userMode) {
  if (userMode && !(bits & P_U)) return false;
  if (access === A_STORE2) return (bits & P_W) !== 0;
  if (access === A_FETCH2) return (bits & P_X) !== 0;
  return true;
}
var Mmu = class {
  constructor(mem, stats, profile, config = DEFAULT_MMU) {
    this.stats = stats;
    this.profile = profile;
    this.itlb = new Tlb(config.tlb);
    this.dtlb = config.splitTlb ? new Tlb(config.tlb) : this.itlb;
    this.walker = new Walker(mem);
    if ((config.pwcEntries ?? 0) > 0) this.walker.pwc = new PageWalkCache(config.pwcEntries);
    this.asidMask = config.asidTagging === false ? 0 : PTBR_ASID_MASK;
  }
  stats;
  profile;
  itlb;
  dtlb;
  walker;
  // The paging-mode descriptor of the moment.
  stage1On = false;
  /** Physical (guest-physical under EPT) address of the first-stage root table. */
  stage1Root = 0;
  /** The current context: ASID in bits [7:0], VPID in bits [15:8]. */
  context = 0;
  /**
   * Set by a shadow-paging VMM while the guest runs with paging off (on its physical-mode
   * shadow): its translations then live in the paging-off space, like an EPT guest's with PG = 0.
   */
  pagingOffSpace = false;
  /**
   * Under EPT, the walk's A/D updates of guest page-table entries need the EPT to allow a write
   * (as VT-x's do), else they are EPT violations. The VMM turns it on with page sharing
   * (hypervisor/sharing.ts), whose shared frames are read-only in the EPT; off, they are written
   * whatever the EPT says (what the other designs were built against).
   */
  adWritesCheckEpt = false;
  /**
   * The running VM's Page Modification Log (pml.ts, isa/README.md 6.7), loaded at VM entry; null
   * when PML is off, and then EPT A/D bits are ignored, as before. With one, the EPT walk sets A
   * and D in EPT leaves and logs each D it sets; a TLB entry filled without the EPT's D carries
   * no D, so a store through it walks again, exactly as for the guest's own D bit.
   */
  pml = null;
  /**
   * The tag of the TLB entries filled now: the context, plus PAGING_OFF_TAG when the guest's own
   * paging is off (EPT with PG = 0, or a shadow VMM's physical-mode shadow). Those translations
   * are guest-physical identities and must never meet the guest's paged ones, Global or not.
   */
  get tag() {
    return this.stage1On && !this.pagingOffSpace ? this.context : this.context | PAGING_OFF_TAG;
  }
  userMode = false;
  /** The EPT stage, or null when translation has one stage. */
  nested = null;
  /**
   * Agile paging (isa/README.md 6.6): the first stage is the VMM's shadow table walked the agile
   * way, and `nested` translates only the output of walks that passed a switch bit.
   */
  agile = false;
  /**
   * Bumped whenever a cached translation may have gone, other than by a fill: the CPU drops its
   * fast-path copies. A fill replaces one entry only, the one `lastFill` names.
   */
  generation = 0;
  /** LRU clock: every lookup and fill takes the next tick; the CPU's fast path stamps its hits with it too. */
  clock = 0;
  /** After a successful translate: the TLB slot used (-1 with paging off). */
  lastIndex = -1;
  /**
   * After a translate: the slot it filled (the same as lastIndex), in the TLB of its access type,
   * or -1 when it filled none (a hit, paging off, a fault). Whatever that slot held before is gone:
   * a fast-path copy of it must be dropped, and no other.
   */
  lastFill = -1;
  /** After a failed translate: a TV32 cause and the faulting virtual address... */
  faultCause = 0;
  faultAddr = 0;
  /** ...or an EPT violation: the guest-physical address with no mapping (faultCause is then -1)... */
  faultGuestPhys = 0;
  /** ...met while reading a guest page table (true) or for the final address (false). faultCause -2 (PML_FULL_CAUSE): the PML log was full. */
  faultInTable = false;
  /**
   * Agile paging: the fault came from a guest entry below a switch bit, so it is the guest's own
   * and is delivered to it directly, as under EPT, even while page faults exit.
   */
  faultDirect = false;
  stage1 = new StageResult();
  stage2 = new StageResult();
  /** The PTBR bits that tag TLB entries: the ASID, or nothing with ASID tagging off. */
  asidMask;
  get translating() {
    return this.stage1On || this.nested !== null;
  }
  /**
   * Translate a virtual address for an access. Returns the host-physical address, or -1 with
   * the fault in faultCause/faultAddr (or faultCause = -1 and faultGuestPhys for an EPT violation).
   */
  translate(va, access) {
    va >>>= 0;
    this.lastFill = -1;
    if (!this.stage1On && this.nested === null) {
      this.lastIndex = -1;
      return va;
    }
    const tlb = access === A_FETCH2 ? this.itlb : this.dtlb;
    const tag = this.stage1On && !this.pagingOffSpace ? this.context : this.context | PAGING_OFF_TAG;
    const i = tlb.lookup(va >>> PAGE_SHIFT, tag, ++this.clock);
    if (i >= 0) {
      const bits = tlb.flags[i];
      if (permits(bits, access, this.userMode) && (access !== A_STORE2 || bits & P_D)) {
        this.stats.tlbHits[access]++;
        this.lastIndex = i;
        return (tlb.base[i] | va & (1 << tlb.pageShift[i]) - 1) >>> 0;
      }
      tlb.invalidate(i);
      this.generation++;
    }
    const stats = this.stats;
    stats.tlbMisses[access]++;
    stats.walks++;
    const walker = this.walker;
    const guestRefs0 = walker.guestRefs;
    const eptRefs0 = walker.eptRefs;
    const pwc = walker.pwc;
    const result = pwc === null ? this.walkBothStages(va, access) : this.walkWithPwc(va, access, pwc);
    const guestRefs = walker.guestRefs - guestRefs0;
    const eptRefs = walker.eptRefs - eptRefs0;
    stats.walkGuestRefs += guestRefs;
    stats.walkEptRefs += eptRefs;
    stats.walkRefs += guestRefs + eptRefs;
    stats.cyclesWalk += this.profile.walkStartCycles + (guestRefs + eptRefs) * this.profile.walkRefCycles;
    if (result < 0) return -1;
    const shift = this.combinedShift;
    const evictions = tlb.evictions;
    const filled = tlb.insert(va, shift, tag, (result & ~((1 << shift) - 1)) >>> 0, this.combinedBits, ++this.clock, this.guestPageShift);
    stats.tlbEvictions += tlb.evictions - evictions;
    this.lastIndex = filled;
    this.lastFill = filled;
    return result;
  }
  /**
   * `translate(va, access)` for a data access when the caller knows the data TLB's lookup would
   * find entry i: the last translation resolved va's page to it and the clock has not moved since
   * (no lookup, fill or stamp in between, so the TLB holds what it held). The same hit, counted
   * and stamped alike, without the set's probe; an entry that does not serve the access is left
   * to `translate` (which drops it and walks, as it would have).
   */
  translateAt(va, access, i) {
    const tlb = this.dtlb;
    const bits = tlb.flags[i];
    if (!permits(bits, access, this.userMode) || access === A_STORE2 && !(bits & P_D)) return this.translate(va, access);
    this.lastFill = -1;
    tlb.touch(i, ++this.clock);
    this.stats.tlbHits[access]++;
    this.lastIndex = i;
    return (tlb.base[i] | va >>> 0 & (1 << tlb.pageShift[i]) - 1) >>> 0;
  }
  /**
   * The walk with a page-walk cache: its hits and misses go to the statistics, and the guest-stage
   * entries the walk read are cached only if it ends in a translation. (Without a cache the
   * walker keeps nothing pending, so the miss path skips this.)
   */
  walkWithPwc(va, access, pwc) {
    const hits0 = pwc.hits;
    const misses0 = pwc.misses;
    this.walker.dropPwc();
    const result = this.walkBothStages(va, access);
    if (result >= 0) this.walker.commitPwc();
    this.stats.pwcHits += pwc.hits - hits0;
    this.stats.pwcMisses += pwc.misses - misses0;
    return result;
  }
  finalGuestPhys = -1;
  /** Set while `probe` walks: no A/D write-backs, no TLB fill, no statistics. */
  dryRun = false;
  combinedShift = PAGE_SHIFT;
  combinedBits = 0;
  /** The first stage's page size (what invlpg drops), at least combinedShift. */
  guestPageShift = PAGE_SHIFT;
  /** Both stages of a walk; sets combinedShift/combinedBits on success. */
  walkBothStages(va, access) {
    const walker = this.walker;
    let guestPhys = va;
    let shift = 32;
    let bits = PAGING_OFF_BITS;
    const agile = this.agile;
    let nested = this.nested;
    if (this.stage1On) {
      const s1 = this.stage1;
      const status = agile ? walker.walk(AGILE_PAGING, this.stage1Root, va, "guest", s1, null) : walker.walk(TV32_PAGING, this.stage1Root, va, "guest", s1, nested);
      this.finalGuestPhys = -1;
      if (agile) {
        this.faultDirect = s1.switched;
        if (!s1.switched) nested = null;
      }
      if (status !== WALK_OK) return this.walkFault(status, va, access, s1.faultGuestPhys);
      if (!permits(s1.leaf, access, this.userMode)) return this.fault(PROTECTION_CAUSE[access], va);
      if (this.adWritesCheckEpt && !agile && this.nested !== null && !s1.leafWritable) {
        const ad = PTE.A | (access === A_STORE2 ? P_D : 0);
        if ((s1.leaf & ad) !== ad) return this.walkFault(WALK_EPT_VIOLATION, va, access, s1.leafGuestAddr);
      }
      const pml = this.pml;
      if (pml !== null && this.nested !== null && !this.dryRun) {
        const ad = P_A | (access === A_STORE2 ? P_D : 0);
        if ((s1.leaf & ad) !== ad && !this.eptDirty(pml, s1.leafEptHostAddr, s1.leafGuestAddr)) return this.pmlFull(va, s1.leafGuestAddr);
      }
      if (!this.dryRun && walker.setAccessedDirty(s1, access === A_STORE2)) this.stats.adUpdates++;
      guestPhys = s1.output;
      shift = s1.pageShift;
      bits = s1.leaf;
    }
    let hostPhys = guestPhys;
    this.finalGuestPhys = guestPhys;
    if (nested !== null) {
      const s2 = this.stage2;
      const status = walker.walk(nested.mode, nested.root, guestPhys, "ept", s2, null);
      if (status !== WALK_OK || !permits(s2.leaf | P_U, access, false)) {
        return this.walkFault(status === WALK_BUS_ERROR ? WALK_BUS_ERROR : WALK_EPT_VIOLATION, va, access, guestPhys);
      }
      hostPhys = s2.output;
      const pml = this.pml;
      if (pml !== null && !this.dryRun) {
        if (access === A_STORE2) {
          if (!(s2.leaf & P_D)) {
            if (!this.eptDirty(pml, s2.leafHostAddr, guestPhys)) return this.pmlFull(va, guestPhys);
            s2.leaf |= P_A | P_D;
          }
        } else if (!(s2.leaf & P_A)) {
          s2.leaf |= P_A;
          walker.writeEptLeaf(s2.leafHostAddr, s2.leaf);
        }
        if (!(s2.leaf & P_D)) bits &= ~P_D;
      }
      if (s2.pageShift < shift) shift = s2.pageShift;
      bits &= s2.leaf | ~(P_W | P_X);
    }
    this.combinedShift = shift === 32 ? PAGE_SHIFT : shift;
    this.combinedBits = bits;
    this.guestPageShift = this.stage1On ? this.stage1.pageShift : this.combinedShift;
    return hostPhys;
  }
  /**
   * Set A and D in the EPT leaf at `leafHostAddr` (mapping guest-physical `guestPhys`), logging the
   * page if D was clear. False when it was clear and the log is full: a PML-full event, nothing set.
   */
  eptDirty(pml, leafHostAddr, guestPhys) {
    const leaf = this.walker.readEntry(leafHostAddr);
    if (leaf & P_D) return true;
    if (pml.count >= pml.size) return false;
    pml.entries[pml.count++] = guestPhys & ~4095 | 0;
    this.walker.writeEptLeaf(leafHostAddr, leaf | P_A | P_D);
    return true;
  }
  pmlFull(va, guestPhys) {
    this.faultCause = PML_FULL_CAUSE;
    this.faultAddr = va;
    this.faultGuestPhys = guestPhys;
    this.faultInTable = guestPhys !== this.finalGuestPhys;
    return -1;
  }
  walkFault(status, va, access, guestPhys) {
    switch (status) {
      case WALK_NOT_PRESENT:
      case WALK_BAD_LARGE:
        return this.fault(NOT_PRESENT_CAUSE[access], va);
      case WALK_BUS_ERROR:
        return this.fault(CAUSE.BUS_ERROR, va);
      case WALK_EPT_VIOLATION:
        this.faultInTable = guestPhys !== this.finalGuestPhys;
        this.faultCause = -1;
        this.faultAddr = va;
        this.faultGuestPhys = guestPhys;
        return -1;
      default:
        throw new Error(`unknown walk status ${status}`);
    }
  }
  fault(cause, va) {
    this.faultCause = cause;
    this.faultAddr = va;
    return -1;
  }
  /**
   * What a translation of va would do now, without doing it: the walk's every memory reference
   * (both dimensions under EPT), the outcome, and whether the TLB would hit. No A/D bit is
   * written, the TLB and the statistics are untouched. For the debugger's `translate`.
   */
  probe(va, access) {
    va >>>= 0;
    const tlb = access === A_FETCH2 ? this.itlb : this.dtlb;
    const tlbIndex = this.translating ? tlb.find(va >>> PAGE_SHIFT, this.tag) : -1;
    const saved = [this.faultCause, this.faultAddr, this.faultGuestPhys, this.faultInTable, this.combinedShift, this.combinedBits, this.faultDirect];
    const steps = [];
    this.walker.trace = steps;
    this.dryRun = true;
    const pwc = this.walker.pwc;
    if (pwc !== null) this.walker.pwc = pwc.clone();
    let hostPhys;
    try {
      hostPhys = this.translating ? this.walkBothStages(va, access) : va;
    } finally {
      this.walker.trace = null;
      this.dryRun = false;
      this.walker.pwc = pwc;
    }
    const result = {
      va,
      access,
      hostPhys,
      ok: hostPhys >= 0,
      cause: hostPhys >= 0 ? void 0 : this.faultCause === -1 ? "ept-violation" : this.faultCause,
      faultGuestPhys: hostPhys >= 0 || this.faultCause !== -1 ? void 0 : this.faultGuestPhys,
      pageShift: hostPhys >= 0 && this.translating ? this.combinedShift : PAGE_SHIFT,
      leafBits: hostPhys >= 0 ? this.combinedBits : 0,
      steps,
      tlbHit: tlbIndex >= 0,
      tlbIndex,
      cycles: steps.length > 0 ? this.profile.walkStartCycles + steps.filter((st) => !st.cached).length * this.profile.walkRefCycles : 0
    };
    [this.faultCause, this.faultAddr, this.faultGuestPhys, this.faultInTable, this.combinedShift, this.combinedBits, this.faultDirect] = saved;
    return result;
  }
  // ---- What the architecture says about keeping the TLB coherent (isa/README.md, "TLB") ----
  /** A PTBR write: new root and ASID; drop the non-Global entries of the new context, unless KEEP is set. */
  writePtbr(value) {
    this.stage1Root = (value & PTBR_ROOT_MASK) >>> 0;
    this.context = this.context & ~PTBR_ASID_MASK | value & this.asidMask;
    if (!(value & PTBR_KEEP) || this.asidMask === 0) {
      this.itlb.flushContext(this.context);
      if (this.dtlb !== this.itlb) this.dtlb.flushContext(this.context);
      this.walker.pwc?.flushGuest();
    }
    this.generation++;
  }
  flushAll() {
    this.itlb.flushAll();
    if (this.dtlb !== this.itlb) this.dtlb.flushAll();
    this.walker.pwc?.flushGuest();
    this.generation++;
  }
  flushPage(va) {
    const vpid = this.context >>> 8 & 255;
    this.itlb.flushPage(va >>> 0, vpid);
    if (this.dtlb !== this.itlb) this.dtlb.flushPage(va >>> 0, vpid);
    this.walker.pwc?.flushGuest();
    this.generation++;
  }
  /** Drop the current VPID's entries for [vaStart, vaEnd): the VMM's tool when a shadow table goes. */
  flushRange(vaStart, vaEnd) {
    const vpid = this.context >>> 8 & 255;
    this.itlb.flushRange(vaStart, vaEnd, vpid);
    if (this.dtlb !== this.itlb) this.dtlb.flushRange(vaStart, vaEnd, vpid);
    this.walker.pwc?.flushGuest();
    this.generation++;
  }
  /** Drop every entry of the current VPID. */
  flushVpid() {
    const vpid = this.context >>> 8 & 255;
    this.itlb.flushVpid(vpid);
    if (this.dtlb !== this.itlb) this.dtlb.flushVpid(vpid);
    this.walker.pwc?.flushAll();
    this.generation++;
  }
  setUserMode(user2) {
    if (user2 !== this.userMode) {
      this.userMode = user2;
      this.generation++;
    }
  }
  setStage1(on) {
    if (on !== this.stage1On) {
      this.stage1On = on;
      this.generation++;
    }
  }
  /** Set the whole descriptor at once (the VMM does this on VM entry). */
  configure(stage1On, stage1Root, context, nested) {
    this.stage1On = stage1On;
    this.stage1Root = stage1Root >>> 0;
    this.context = context;
    this.nested = nested;
    this.generation++;
  }
};

// emulator/profile.ts
var DEFAULT_PROFILE = Object.freeze({
  loadCycles: 1,
  storeCycles: 0,
  branchTakenCycles: 1,
  walkStartCycles: 2,
  walkRefCycles: 20,
  trapEntryCycles: 20,
  eretCycles: 10,
  mmioCycles: 50,
  tlbMaintenanceCycles: 10,
  vmExitCycles: 600,
  vmEntryCycles: 400,
  vmmPteReadCycles: 30,
  vmmPteWriteCycles: 30,
  vmmEmulateCycles: 250,
  vmmInjectCycles: 100,
  vmmHandlerCycles: 150,
  insn: {}
});

// emulator/stats.ts
var Stats = class {
  instructions = 0;
  /** Cycles by where they went; `cycles` is their sum. */
  cyclesInsn = 0;
  cyclesWalk = 0;
  cyclesTrap = 0;
  cyclesMmio = 0;
  cyclesIdle = 0;
  /** VM exit and entry transitions (hardware). */
  cyclesExit = 0;
  /** VMM software work while handling exits. */
  cyclesVmm = 0;
  /** Indexed by ACCESS (fetch, load, store). */
  tlbHits = new Float64Array(3);
  tlbMisses = new Float64Array(3);
  tlbEvictions = 0;
  walks = 0;
  /** Every memory reference made by page walks (guestRefs + eptRefs under EPT). */
  walkRefs = 0;
  /** References to guest-stage (or native/shadow) page tables. */
  walkGuestRefs = 0;
  /** References to EPT tables. */
  walkEptRefs = 0;
  /** Write-backs of Accessed/Dirty bits by the walker. */
  adUpdates = 0;
  /** Upper-level entries found in / missing from the page-walk cache. */
  pwcHits = 0;
  pwcMisses = 0;
  /** Traps taken, by cause. */
  traps = new Float64Array(32);
  ptbrWrites = 0;
  invlpgs = 0;
  tlbFlushes = 0;
  interrupts = 0;
  mmioAccesses = 0;
  get cycles() {
    return this.cyclesInsn + this.cyclesWalk + this.cyclesTrap + this.cyclesMmio + this.cyclesIdle + this.cyclesExit + this.cyclesVmm;
  }
  /** Cycles the guest would see natively: everything but the VM transitions and the VMM's work. */
  get cyclesGuest() {
    return this.cycles - this.cyclesExit - this.cyclesVmm;
  }
  get pageFaults() {
    let n2 = 0;
    for (let c = 8; c <= 13; c++) n2 += this.traps[c];
    return n2;
  }
  toJSON() {
    const byAccess = (a) => Object.fromEntries(ACCESS_NAMES.map((n2, i) => [n2, a[i]]));
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    const traps = {};
    this.traps.forEach((n2, cause) => {
      if (n2 > 0) traps[CAUSE_NAMES.get(cause) ?? `cause-${cause}`] = n2;
    });
    return {
      instructions: this.instructions,
      cycles: {
        total: this.cycles,
        guest: this.cyclesGuest,
        insn: this.cyclesInsn,
        walk: this.cyclesWalk,
        trap: this.cyclesTrap,
        mmio: this.cyclesMmio,
        idle: this.cyclesIdle,
        exit: this.cyclesExit,
        vmm: this.cyclesVmm
      },
      tlb: {
        hits: sum(this.tlbHits),
        misses: sum(this.tlbMisses),
        hitsByAccess: byAccess(this.tlbHits),
        missesByAccess: byAccess(this.tlbMisses),
        evictions: this.tlbEvictions
      },
      walk: {
        walks: this.walks,
        refs: this.walkRefs,
        guestRefs: this.walkGuestRefs,
        eptRefs: this.walkEptRefs,
        adUpdates: this.adUpdates,
        pwcHits: this.pwcHits,
        pwcMisses: this.pwcMisses
      },
      faults: { page: this.pageFaults },
      traps,
      ptbrWrites: this.ptbrWrites,
      invlpg: this.invlpgs,
      tlbflush: this.tlbFlushes,
      interrupts: this.interrupts,
      mmioAccesses: this.mmioAccesses
    };
  }
};

// emulator/machine.ts
var DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
var DEFAULT_MAX_INSTRUCTIONS = 1e8;
var Machine = class {
  mem;
  devices = new Devices();
  stats = new Stats();
  profile;
  mmu;
  cpu;
  constructor(options = {}) {
    this.mem = new PhysicalMemory(options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.mmu = new Mmu(this.mem, this.stats, this.profile, options.mmu ?? DEFAULT_MMU);
    this.cpu = new Cpu(this.mem, this.mmu, this.devices, this.stats, this.profile);
    if (options.engine !== void 0) this.cpu.engine = options.engine;
  }
  /** Load an image and reset the CPU to its entry point with sp at the top of RAM. */
  load(image) {
    loadSegments(this.mem, image);
    this.cpu.reset(image.entry, this.mem.sizeBytes);
  }
  /**
   * Boot a kernel with modules: the loader places everything and the kernel starts at its entry
   * with a0 = the boot-information block (isa/README.md, "Boot information").
   */
  boot(kernel, modules, options = {}) {
    const layout = bootLoad(this.mem, kernel, modules, options);
    this.cpu.reset(kernel.entry, this.mem.sizeBytes);
    this.cpu.regs[3] = layout.bootInfo;
    return layout;
  }
  /**
   * Run until the guest powers off or `maxInstructions` more instructions have retired.
   * `onSlice` is called between slices (to stream console output); it may return false to stop.
   */
  run(maxInstructions = DEFAULT_MAX_INSTRUCTIONS, onSlice, sliceInstructions = 1e6) {
    const endAt = this.stats.instructions + maxInstructions;
    let code = STOP.BUDGET;
    while (this.stats.instructions < endAt) {
      code = this.cpu.run(Math.min(sliceInstructions, endAt - this.stats.instructions));
      if (onSlice && onSlice() === false) return this.result("stopped");
      if (code !== STOP.BUDGET && code !== STOP.TRAP) break;
    }
    switch (code) {
      case STOP.HALT:
        return this.result("halted");
      case STOP.WFI_DEADLOCK:
        return this.result("wfi-deadlock");
      case STOP.TRAP_LOOP:
        return this.result("trap-loop");
      case STOP.REQUESTED:
        return this.result("stopped");
      case STOP.EXIT:
        throw new Error("a VM exit on bare metal: exit controls are set without a VMM");
      default:
        return this.result("max-instructions");
    }
  }
  result(reason) {
    return {
      reason,
      exitCode: this.devices.exitCode,
      instructions: this.stats.instructions,
      cycles: this.stats.cycles
    };
  }
};

// hypervisor/paging-counters.ts
function readPagingCounters(vm, commonReasons) {
  const st = vm.stats;
  const reasons = vm.vmm.exitsByReason;
  let commonExits = 0;
  for (const r of commonReasons) commonExits += reasons.get(r) ?? 0;
  return {
    instructions: st.instructions,
    vmCycles: st.cyclesExit + st.cyclesVmm,
    eptRefs: st.walkEptRefs,
    misses: st.tlbMisses[0] + st.tlbMisses[1] + st.tlbMisses[2],
    events: st.ptbrWrites + st.invlpgs + st.tlbFlushes + st.pageFaults + st.adUpdates,
    ptbrWrites: st.ptbrWrites,
    commonExits,
    mmio: vm.vmm.mmioEmulated
  };
}
function pagingCost(start, end, profile) {
  const common = (end.commonExits - start.commonExits) * (profile.vmExitCycles + profile.vmEntryCycles + profile.vmmHandlerCycles) + (end.mmio - start.mmio) * profile.vmmEmulateCycles;
  return {
    exitCycles: Math.max(0, end.vmCycles - start.vmCycles - common),
    eptCycles: (end.eptRefs - start.eptRefs) * profile.walkRefCycles,
    misses: end.misses - start.misses,
    events: end.events - start.events,
    ptbrWrites: end.ptbrWrites - start.ptbrWrites
  };
}

// hypervisor/xorshift.ts
function xorshift32(x) {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

// hypervisor/agile.ts
var DEFAULT_AGILE = { start: "shadow", writes: 2, window: 5e4, switchEvery: 0, seed: 1, root: "cost" };
var ROOT_MARGIN = 20;
var ROOT_HYSTERESIS = 2;
var ROOT_PERIOD_EXITS = 8;
var ROOT_MAX_INTERVAL = 8;
var ROOT_MIN_EVENTS = 1;
var MAX_AGILE_WINDOW = 1e9;
function checkAgileOptions(o) {
  const bad = (option, message) => ({ option, message });
  if (o.start !== "shadow" && o.start !== "nested") return bad("start", `takes shadow or nested (got '${String(o.start)}')`);
  if (!Number.isSafeInteger(o.writes) || o.writes < 0 || o.writes > 1024) return bad("writes", `takes 0 (never) to 1024 writes per window (got ${o.writes})`);
  if (!Number.isSafeInteger(o.window) || o.window < 1e3 || o.window > MAX_AGILE_WINDOW) return bad("window", `takes 1000 to ${MAX_AGILE_WINDOW} guest instructions (got ${o.window})`);
  if (!Number.isSafeInteger(o.switchEvery) || o.switchEvery < 0 || o.switchEvery > MAX_AGILE_WINDOW) return bad("switchEvery", `takes 1 to ${MAX_AGILE_WINDOW} instructions, or 0 for no forced switches (got ${o.switchEvery})`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 4294967295) return bad("seed", `takes 0 to 4294967295 (got ${o.seed})`);
  if (o.root !== "cost" && o.root !== "shadow") return bad("root", `takes cost or shadow (got '${String(o.root)}')`);
  return void 0;
}
function emptyAgileStats() {
  return {
    toNested: 0,
    toShadow: 0,
    forced: 0,
    windows: 0,
    dirtySamples: 0,
    entriesRebuilt: 0,
    nestedTables: 0,
    nestedPeak: 0,
    rootToNested: 0,
    rootToShadow: 0,
    rootNested: 0,
    rootWindows: 0,
    instructionsRootNested: 0,
    rootSwitchCycles: 0
  };
}
function agilePager(options) {
  const problem = checkAgileOptions(options);
  if (problem) throw new RangeError(`agile ${problem.option} ${problem.message}`);
  return { name: "agile", builtIn: true, create: (vmm, settings) => new AgilePager(vmm, settings.shadow, options) };
}
var PAGING_OFF = -1;
var FROM_SUPERPAGE = -2;
var FROM_PAGING_OFF = -3;
var NONE3 = -1;
var AgileRoot = class {
  constructor(id, key) {
    this.id = id;
    this.key = key;
  }
  id;
  key;
  pd = 0;
  /** Per directory index: the shadow page table (0 = none, or a switched entry)... */
  pts = new Int32Array(1024);
  /** ...the guest page table behind it (or FROM_SUPERPAGE / FROM_PAGING_OFF)... */
  guestPt = new Int32Array(1024).fill(NONE3);
  /** ...and whether the entry is switched (the hardware walks the guest table there). */
  switched = new Uint8Array(1024);
  lastUse = 0;
};
var user = (root, pdIndex) => root.id << 10 | pdIndex;
var AgilePager = class {
  constructor(vmm, shadowOptions, options) {
    this.vmm = vmm;
    this.shadowOptions = shadowOptions;
    this.options = options;
    if (!vmm.nested) throw new Error("the agile pager runs only as an agile VM's pager (vmm.nested is missing)");
    this.nested = vmm.nested;
    this.eptRoot = this.nested.allocTable(0);
  }
  vmm;
  shadowOptions;
  options;
  translation = "agile";
  stats = emptyAgileStats();
  nested;
  eptRoot;
  roots = /* @__PURE__ */ new Map();
  rootsById = /* @__PURE__ */ new Map();
  current;
  nextRootId = 1;
  tick = 0;
  /** Guest directory frames, and the roots built from each. */
  pdUsers = /* @__PURE__ */ new Map();
  /** Shadowed guest leaf-table frames, and the directory entries shadowing each. */
  ptUsers = /* @__PURE__ */ new Map();
  /** Switched (nested-mode) guest leaf-table frames, and the directory entries switched to each. */
  nestedUsers = /* @__PURE__ */ new Map();
  /** Switched frames write-protected at the last window end and not written since. */
  armed = /* @__PURE__ */ new Set();
  /** Emulated writes per leaf-table frame in this window. */
  windowWrites = /* @__PURE__ */ new Map();
  /** Writes in a row to a directory frame without it being walked (KVM's write flooding). */
  floodCount = /* @__PURE__ */ new Map();
  /** Per guest frame: writable shadow entries mapping it, as pairs (entry host address, va). */
  writableMaps = /* @__PURE__ */ new Map();
  shadowTables = /* @__PURE__ */ new Set();
  // ------------------------------------------------------------------ what the debugger reads
  get currentRootAddress() {
    return this.rootNested ? void 0 : this.current?.pd;
  }
  /** Switched at the root: the hardware walks the guest's PTBR fully nested through the EPT. */
  get rootIsNested() {
    return this.rootNested;
  }
  get eptRootAddress() {
    return this.eptRoot;
  }
  /** The EPT format of the nested stage. */
  get eptFormat() {
    return this.nested.format;
  }
  /** Guest leaf tables in nested mode now (guest-physical addresses, ascending). */
  nestedTables() {
    return [...this.nestedUsers.keys()].sort((a, b) => a - b).map((f) => f * PAGE_SIZE);
  }
  // ------------------------------------------------------------------ guest events
  vmEntry() {
    this.nested.loadRoot(this.eptRoot);
    if (this.rootNested) {
      this.nested.loadGuestRoot();
      return;
    }
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF });
  }
  ptbrRead(e) {
    this.noteExit(e.instret);
    return this.vmm.readGuestCr(CR.PTBR);
  }
  ptbrWrite(e) {
    this.noteExit(e.instret, true);
    this.switchShadow((e.value & PTBR_KEEP) !== 0);
  }
  pagingChange(e) {
    this.noteExit(e.instret, true);
    this.switchShadow(true);
  }
  switchShadow(keep) {
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.switchRoot(root.pd, { keep, pagingOff: root.key === PAGING_OFF });
  }
  // No invlpg or tlbflush handler, so neither exits (pager.ts: a handler's presence is what makes
  // an event exit): shadowed entries are kept in sync by write protection, and every guest write
  // that changes one drops the TLB entries built from it (a superpage's 4 KiB pieces included,
  // zapDirectoryEntry); switched entries are the guest's own, which the hardware invlpg flushes
  // as it would natively.
  /** A fault of the shadow level: hidden, true, a device, or a write to a protected frame. */
  pageFault(e) {
    this.noteExit(e.instret);
    const vmm = this.vmm;
    const va = e.va;
    const access = e.access;
    const walk = this.walkGuest(va);
    if (walk.status === "bus-error") return vmm.injectFault(CAUSE.BUS_ERROR, va);
    if (walk.status === "not-present") return vmm.injectFault(vmm.arch.notPresentCause(access), va);
    if (!vmm.arch.permits(walk.leaf, access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(access), va);
    this.setAccessedDirty(walk, access === ACCESS.STORE);
    const gpa = walk.guestPhys;
    if (vmm.isMmio(gpa)) return vmm.emulateMmio(gpa);
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(va);
    if (access === ACCESS.STORE && this.isProtected(gpa >>> 12)) {
      const armedWrite = this.storeToProtected(gpa, e.instret);
      if (armedWrite) {
        this.fill(va, walk, e.instret);
        return "agile-dirty";
      }
      return "pt-write";
    }
    this.fill(va, walk, e.instret);
    return "hidden-fault";
  }
  /**
   * The EPT, for a walk that passed a switch bit: a guest-physical address not mapped yet, or a
   * store to a frame protected in the EPT (a guest page table the VMM shadows, or an armed one).
   */
  eptViolation(e) {
    this.noteExit(e.instret);
    const vmm = this.vmm;
    const gpa = e.guestPhys;
    if (vmm.isMmio(gpa)) {
      if (e.inTableWalk) return vmm.injectFault(CAUSE.BUS_ERROR, e.va);
      return vmm.emulateMmio(gpa);
    }
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(e.va);
    const frame = gpa >>> 12;
    if (e.access === ACCESS.STORE && this.isProtected(frame) && this.eptMapped(gpa)) {
      if (this.storeToProtected(gpa, e.instret)) return "agile-dirty";
      return "pt-write";
    }
    this.eptMap(gpa);
    return "ept-violation";
  }
  /**
   * A store the guest's tables allow to a protected frame. An armed switched table: the emulated
   * dirty bit is set (the table was written this window) and the store retries. A shadowed
   * table: the store is emulated and the shadows synced; a leaf table written often goes nested.
   * Returns whether it was an armed table's first write.
   */
  storeToProtected(gpa, instret) {
    const frame = gpa >>> 12;
    if (this.armed.has(frame)) {
      this.armed.delete(frame);
      this.stats.dirtySamples++;
      if (!this.isProtected(frame)) {
        this.eptSetWritable(frame, true);
        return true;
      }
    }
    this.vmm.emulateStore(gpa);
    this.syncTableWrite(frame, (gpa & 4095) >>> 2);
    if (this.pdUsers.has(frame)) {
      const writes = (this.floodCount.get(frame) ?? 0) + 1;
      this.floodCount.set(frame, writes);
      if (writes >= this.shadowOptions.floodThreshold) this.unshadowDirectory(frame);
    } else if (this.ptUsers.has(frame) && this.options.writes > 0) {
      const window = Math.floor(instret / this.options.window);
      if (window !== this.countingWindow) {
        this.countingWindow = window;
        this.windowWrites.clear();
      }
      const writes = (this.windowWrites.get(frame) ?? 0) + 1;
      this.windowWrites.set(frame, writes);
      if (writes >= this.options.writes) this.toNested(frame, false, instret);
    }
    return false;
  }
  // ------------------------------------------------------------------ the policy window
  /**
   * A built-in pager's timer (pager-host.ts `timer`): the VMM calls it at the instruction counts
   * `nextAt` names. Returns the exit's name.
   */
  timer(instructions) {
    let forced = false;
    while (this.nextRandom <= instructions) {
      this.nextRandom = this.randomStep(this.nextRandom);
      forced = true;
    }
    if (forced) this.forceToggle(instructions);
    let reason = forced ? "agile-switch" : "agile-sample";
    if (this.rootSwitchDue) {
      this.rootSwitchDue = false;
      if (!this.rootNested) this.toNestedRoot(instructions, false);
      reason = "agile-root";
    }
    if (instructions >= this.windowEnd) {
      this.endWindow(instructions);
      if (this.rootNested && this.judgeRoot(instructions)) {
        this.toShadowRoot(instructions, false);
        reason = "agile-root";
      } else if (this.rootNested && this.nestedUsers.size === 0) {
        this.rootInterval = this.rootClearlyNested ? Math.min(ROOT_MAX_INTERVAL, this.rootInterval * 2) : 1;
        this.windowEnd += (this.rootInterval - 1) * this.options.window;
      }
    }
    this.plan();
    return reason;
  }
  /**
   * The next instruction count at which the VMM calls `timer`: the end of the window while some
   * table is in nested mode (the timer is off while none is: nothing to watch), or a forced move.
   */
  nextAt = Infinity;
  /** The end of the current window (windows are aligned runs of `window` instructions). */
  windowEnd = 0;
  countingWindow = -1;
  nextRandom = Infinity;
  rng = 1;
  started = false;
  // The switch at the root.
  /** The hardware walks the guest's PTBR fully nested (vmm.nested.loadGuestRoot); no shadow root exists. */
  rootNested = false;
  /** The policy decided to switch the root: done at the timer exit it asked for at once. */
  rootSwitchDue = false;
  rootContext;
  /** The counters the root policy's current period is measured from. */
  rootStart;
  /** With the root shadowed: paging exits, and of those PTBR writes and paging switches, in this period. */
  periodExits = 0;
  periodRootEvents = 0;
  rootVotes = 0;
  /** With the root nested: windows between judgements, and whether the last one found the shadowed root far dearer. */
  rootInterval = 1;
  rootClearlyNested = false;
  /** Periods ending before this instruction count are not judged: the warm-up after a root switch. */
  rootWarmUntil = 0;
  rootSince = 0;
  // Calibration, cumulative over the periods measured in each state (as dynamic.ts's).
  shadowRootCycles = 0;
  shadowRootEvents = 0;
  shadowRootEptCycles = 0;
  shadowRootMisses = 0;
  nestedRootCycles = 0;
  nestedRootMisses = 0;
  /**
   * Set up the test hook's generator (the VMM calls this once, when the VM is made), and give
   * the root policy what it reads (`root` 'cost': without a context the root stays shadowed).
   */
  start(rootContext) {
    if (this.started) return;
    this.started = true;
    if (this.options.root === "cost") this.rootContext = rootContext;
    this.rng = (this.options.seed ^ 2654435769) >>> 0 || 1;
    if (this.options.switchEvery > 0) this.nextRandom = this.randomStep(0);
    this.plan();
  }
  plan() {
    const watching = this.nestedUsers.size > 0 || this.rootNested;
    this.nextAt = Math.min(watching ? this.windowEnd : Infinity, this.nextRandom, this.rootSwitchDue ? 0 : Infinity);
  }
  /** The timer starts when a first table goes nested: at the end of the window `instret` is in. */
  startTimer(instret) {
    if (this.nestedUsers.size === 0) return;
    if (this.windowEnd <= instret) this.windowEnd = (Math.floor(instret / this.options.window) + 1) * this.options.window;
    this.plan();
  }
  // ------------------------------------------------------------------ the switch at the root
  /**
   * A paging exit at `instret` with the root shadowed (`rootEvent`: a PTBR write or paging switch,
   * the exits a shadowed root costs that no leaf-table switch can spare). Every ROOT_PERIOD_EXITS
   * of them end a period, judged in the exit itself: no timer runs while the root is shadowed.
   */
  noteExit(instret, rootEvent = false) {
    const context = this.rootContext;
    if (context === void 0 || this.rootNested || this.rootSwitchDue) return;
    if (this.rootStart === void 0) this.rootStart = context.counters();
    if (rootEvent) this.periodRootEvents++;
    if (++this.periodExits < ROOT_PERIOD_EXITS) return;
    if (this.judgeRoot(instret)) {
      this.rootSwitchDue = true;
      this.plan();
    }
  }
  /**
   * A period ended: measure what the root's state cost in it, estimate what the other would
   * have, and vote for a switch when the other is cheaper by `ROOT_MARGIN` percent and by more
   * than the switch's fixed cost (as dynamic mode judges its windows, dynamic.ts); with the root
   * shadowed, a period votes only if at least ROOT_MIN_EVENTS of its exits were the root's own.
   * Returns whether `ROOT_HYSTERESIS` periods in a row voted.
   */
  judgeRoot(instructions) {
    const context = this.rootContext;
    const end = context.counters();
    const { exitCycles, eptCycles, misses, ptbrWrites } = pagingCost(this.rootStart ?? end, end, context.profile);
    const rootEvents = this.periodRootEvents;
    this.rootStart = end;
    this.periodExits = 0;
    this.periodRootEvents = 0;
    this.stats.rootWindows++;
    const warmingUp = instructions < this.rootWarmUntil;
    const measured = exitCycles + eptCycles;
    let estimate;
    if (!this.rootNested) {
      estimate = misses * this.nestedRootCyclesPerMiss(context);
      if (!warmingUp) {
        this.shadowRootCycles += exitCycles;
        this.shadowRootEvents += rootEvents;
        this.shadowRootEptCycles += eptCycles;
        this.shadowRootMisses += misses;
      }
    } else {
      estimate = ptbrWrites * this.shadowRootCyclesPerEvent(context) + misses * this.shadowRootEptCyclesPerMiss();
      if (!warmingUp) {
        this.nestedRootCycles += measured;
        this.nestedRootMisses += misses;
      }
    }
    const p = context.profile;
    const fixed = p.vmExitCycles + p.vmEntryCycles + 2 * p.vmmHandlerCycles + p.tlbMaintenanceCycles;
    const vote = !warmingUp && (this.rootNested || rootEvents >= ROOT_MIN_EVENTS) && estimate < measured * (1 - ROOT_MARGIN / 100) && measured - estimate > fixed;
    this.rootVotes = vote ? this.rootVotes + 1 : 0;
    this.rootClearlyNested = this.rootNested && !warmingUp && estimate > 4 * measured + fixed;
    return this.rootVotes >= ROOT_HYSTERESIS;
  }
  /**
   * What a shadowed root costs per PTBR write, as measured: the paging exits' cycles of the
   * periods judged with the root shadowed, over the PTBR writes (and paging switches) in them,
   * so that it carries the fills of the address spaces switched to; before 16 of them, four
   * exits' worth.
   */
  shadowRootCyclesPerEvent(context) {
    if (this.shadowRootEvents >= 16) return this.shadowRootCycles / this.shadowRootEvents;
    const p = context.profile;
    return 4 * (p.vmExitCycles + p.vmEntryCycles + p.vmmHandlerCycles);
  }
  /** EPT cycles per TLB miss with the root shadowed (switched leaf tables' walks), as measured. */
  shadowRootEptCyclesPerMiss() {
    return this.shadowRootMisses >= 16 ? this.shadowRootEptCycles / this.shadowRootMisses : 0;
  }
  /** EPT cycles per TLB miss with the root nested, as measured; before 16 misses, the 2-D walk's (guest levels + 1) x m references. */
  nestedRootCyclesPerMiss(context) {
    if (this.nestedRootMisses >= 16) return this.nestedRootCycles / this.nestedRootMisses;
    return 3 * context.eptLevels * context.profile.walkRefCycles;
  }
  /**
   * The whole walk goes nested: every shadow root and table goes back to the host (each entry
   * zapped is charged, as dynamic mode's switch into EPT is), every guest page table the VMM
   * protected is writable again in the EPT, and the hardware walks the guest's PTBR through the
   * EPT: the guest's PTBR writes, paging switches and page faults stop exiting.
   */
  toNestedRoot(instructions, forced) {
    const vmm = this.vmm;
    const protectedFrames = /* @__PURE__ */ new Set([...this.pdUsers.keys(), ...this.ptUsers.keys(), ...this.armed]);
    this.nested.loadGuestRoot();
    let cycles = vmm.costs.pteWrite * this.zapAllRoots();
    this.armed.clear();
    this.windowWrites.clear();
    this.floodCount.clear();
    this.writableMaps.clear();
    for (const frame of protectedFrames) if (this.eptSetWritable(frame, true)) cycles += vmm.costs.pteWrite;
    vmm.chargeVmm(cycles);
    this.stats.rootSwitchCycles += cycles;
    this.current = void 0;
    this.rootNested = true;
    this.rootSince = instructions;
    vmm.flushTlbVm();
    this.noteRootSwitch(instructions, forced);
    this.stats.rootToNested++;
    if (this.windowEnd <= instructions) this.windowEnd = (Math.floor(instructions / this.options.window) + 1) * this.options.window;
  }
  /** Back to a shadowed root: a shadow root for the guest's PTBR now, filled lazily as at the start (hidden faults). */
  toShadowRoot(instructions, forced) {
    this.account(instructions);
    this.rootNested = false;
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF });
    this.vmm.flushTlbVm();
    this.noteRootSwitch(instructions, forced);
    this.stats.rootToShadow++;
  }
  /** After a switch either way: the new state's warm-up (a window) is not judged. */
  noteRootSwitch(instructions, forced) {
    this.stats.rootNested = this.rootNested ? 1 : 0;
    if (forced) this.stats.forced++;
    this.rootVotes = 0;
    this.rootInterval = 1;
    this.rootWarmUntil = instructions + this.options.window;
    this.rootStart = this.rootContext?.counters();
    this.periodExits = 0;
    this.periodRootEvents = 0;
    this.noteNestedCount();
  }
  /** Bring the instructions counted with the root nested up to date (the VMM calls this when a slice ends). */
  account(instructions) {
    if (this.rootNested) this.stats.instructionsRootNested += instructions - this.rootSince;
    this.rootSince = instructions;
  }
  /** Drop every shadow root (and so every shadow table and switched entry). Returns the valid entries zapped. */
  zapAllRoots() {
    let entries = 0;
    for (const root of [...this.roots.values()]) {
      for (let i = 0; i < 1024; i++) {
        const table = root.pts[i];
        if (table === 0 && !root.switched[i]) continue;
        entries++;
        if (table !== 0) {
          for (let j = 0; j < 1024; j++) if (this.vmm.readEntry(table, j) & PTE.V) entries++;
        }
      }
      this.dropRoot(root);
    }
    return entries;
  }
  /** Back to shadow: switched tables not written since the last window end. Arm the others. */
  endWindow(instructions) {
    this.stats.windows++;
    this.windowEnd = (Math.floor(instructions / this.options.window) + 1) * this.options.window;
    for (const frame of [...this.nestedUsers.keys()]) {
      if (this.armed.has(frame)) this.toShadow(frame, false);
      else this.arm(frame);
    }
  }
  arm(frame) {
    if (this.armed.has(frame)) return;
    const wasProtected = this.isProtected(frame);
    this.armed.add(frame);
    if (!wasProtected) this.writeProtect(frame);
  }
  /** The test hook: each leaf table moves to the other mode with probability 1/2, and the root (under `root` 'cost') with probability 1/4. */
  forceToggle(instructions) {
    if (this.rootContext !== void 0 && (this.random() & 3) === 0) {
      if (this.rootNested) this.toShadowRoot(instructions, true);
      else this.toNestedRoot(instructions, true);
      return;
    }
    for (const frame of [...this.nestedUsers.keys()]) if (this.random() & 1) this.toShadow(frame, true);
    for (const frame of [...this.ptUsers.keys()]) {
      if (this.pdUsers.has(frame) || this.nestedUsers.has(frame)) continue;
      if (this.random() & 1) this.toNested(frame, true, instructions);
    }
  }
  // ------------------------------------------------------------------ moving a table between modes
  /** Stop shadowing leaf table `frame`: its directory entries switch to the guest's table. */
  toNested(frame, forced, instret) {
    const vmm = this.vmm;
    const users = [...this.ptUsers.get(frame) ?? []];
    if (users.length === 0 || this.pdUsers.has(frame)) return;
    const host = vmm.writableBacking(frame * PAGE_SIZE);
    for (const u of users) {
      const root = this.rootsById.get(u >>> 10);
      const pdIndex = u & 1023;
      this.zapDirectoryEntry(root, pdIndex);
      this.switchEntry(root, pdIndex, frame, host);
    }
    this.windowWrites.delete(frame);
    this.stats.toNested++;
    if (forced) this.stats.forced++;
    this.noteNestedCount();
    this.startTimer(instret);
  }
  /** Point directory entry `pdIndex` of `root` at guest leaf table `frame` (backed at `host`), switched. */
  switchEntry(root, pdIndex, frame, host) {
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = frame * PAGE_SIZE;
    root.switched[pdIndex] = 1;
    let set = this.nestedUsers.get(frame);
    if (!set) this.nestedUsers.set(frame, set = /* @__PURE__ */ new Set());
    set.add(user(root, pdIndex));
    this.vmm.writeEntry(root.pd, pdIndex, host | PTE.V | AGILE_SWITCH);
    this.vmm.flushTlbRange(pdIndex * 4194304, (pdIndex + 1) * 4194304);
  }
  /** Shadow leaf table `frame` again: protect it and rebuild its shadow tables from the guest's entries. */
  toShadow(frame, forced) {
    const users = [...this.nestedUsers.get(frame) ?? []];
    this.armed.delete(frame);
    for (const u of users) {
      const root = this.rootsById.get(u >>> 10);
      const pdIndex = u & 1023;
      this.zapDirectoryEntry(root, pdIndex);
      this.rebuild(root, pdIndex, frame);
    }
    this.stats.toShadow++;
    if (forced) this.stats.forced++;
    this.noteNestedCount();
  }
  /**
   * A shadow table for directory entry `pdIndex` of `root` from guest leaf table `frame`: every
   * guest entry the hardware has used (V and A set) is shadowed now, read as the VMM's walk does.
   */
  rebuild(root, pdIndex, frame) {
    const vmm = this.vmm;
    const table = this.allocTable(1);
    root.pts[pdIndex] = table;
    root.guestPt[pdIndex] = frame * PAGE_SIZE;
    vmm.writeEntry(root.pd, pdIndex, table | PTE.V);
    this.addUser(this.ptUsers, frame, user(root, pdIndex));
    for (let i = 0; i < 1024; i++) {
      const pte = vmm.readGuestPte(frame * PAGE_SIZE + i * 4) ?? 0;
      if (!(pte & PTE.V) || !(pte & PTE.A)) continue;
      const gpa = (pte & PTE.FRAME_MASK) >>> 0;
      if (!vmm.isGuestRam(gpa)) continue;
      this.writeLeaf(table, i, (pdIndex << 22 | i << 12) >>> 0, pte, gpa >>> 12, false);
      this.stats.entriesRebuilt++;
    }
  }
  noteNestedCount() {
    this.stats.nestedTables = this.nestedUsers.size;
    if (this.stats.nestedTables > this.stats.nestedPeak) this.stats.nestedPeak = this.stats.nestedTables;
  }
  // ------------------------------------------------------------------ the guest walk in software
  walkGuest(va) {
    const vmm = this.vmm;
    if (!(vmm.readGuestCr(CR.STATUS) & STATUS.PG)) {
      return { status: "ok", leaf: PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, leafAddr: -1, guestPhys: va, guestPt: FROM_PAGING_OFF };
    }
    const root = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
    const pdeAddr = root + (va >>> 22) * 4 >>> 0;
    const pde = vmm.readGuestPte(pdeAddr);
    if (pde === void 0) return { status: "bus-error", leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE3 };
    this.floodCount.delete(root >>> 12);
    if (!(pde & PTE.V)) return { status: "not-present", leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE3 };
    if (pde & PTE.L) {
      if (pde & 4190208) return { status: "not-present", leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE3 };
      return { status: "ok", leaf: pde, leafAddr: pdeAddr, guestPhys: (pde & 4290772992 | va & 4194303) >>> 0, guestPt: FROM_SUPERPAGE };
    }
    const pt = (pde & PTE.FRAME_MASK) >>> 0;
    const pteAddr = pt + (va >>> 12 & 1023) * 4 >>> 0;
    const pte = vmm.readGuestPte(pteAddr);
    if (pte === void 0) return { status: "bus-error", leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE3 };
    if (!(pte & PTE.V)) return { status: "not-present", leaf: pte, leafAddr: pteAddr, guestPhys: 0, guestPt: pt };
    return { status: "ok", leaf: pte, leafAddr: pteAddr, guestPhys: (pte & PTE.FRAME_MASK | va & 4095) >>> 0, guestPt: pt };
  }
  setAccessedDirty(walk, isStore) {
    if (walk.leafAddr < 0) return;
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((walk.leaf & want) === want) return;
    walk.leaf |= want;
    this.vmm.writeGuestPte(walk.leafAddr, walk.leaf);
  }
  // ------------------------------------------------------------------ filling the shadow
  fill(va, walk, instret) {
    const root = this.current;
    const pdIndex = va >>> 22;
    if ((root.pts[pdIndex] !== 0 || root.switched[pdIndex]) && root.guestPt[pdIndex] !== walk.guestPt) this.zapDirectoryEntry(root, pdIndex);
    if (walk.guestPt >= 0 && this.nestedUsers.has(walk.guestPt >>> 12)) {
      this.switchEntry(root, pdIndex, walk.guestPt >>> 12, this.vmm.writableBacking(walk.guestPt));
      return;
    }
    let table = root.pts[pdIndex];
    if (table === 0 && this.options.start === "nested" && walk.guestPt >= 0 && !this.pdUsers.has(walk.guestPt >>> 12) && !this.ptUsers.has(walk.guestPt >>> 12)) {
      this.switchEntry(root, pdIndex, walk.guestPt >>> 12, this.vmm.writableBacking(walk.guestPt));
      this.stats.toNested++;
      this.noteNestedCount();
      this.startTimer(instret);
      return;
    }
    if (table === 0) {
      table = this.allocTable(1);
      root.pts[pdIndex] = table;
      root.guestPt[pdIndex] = walk.guestPt;
      this.vmm.writeEntry(root.pd, pdIndex, table | PTE.V);
      if (walk.guestPt >= 0) this.addUser(this.ptUsers, walk.guestPt >>> 12, user(root, pdIndex));
    }
    const global = walk.guestPt === FROM_PAGING_OFF ? 0 : walk.leaf & PTE.G;
    this.writeLeaf(table, va >>> 12 & 1023, (va & ~4095) >>> 0, walk.leaf & ~PTE.G | global, walk.guestPhys >>> 12, true);
  }
  /** A shadow leaf for a guest leaf entry: writable only once the guest's D is set and the frame is not protected. */
  writeLeaf(table, index, pageVa, leaf, gpaFrame, back) {
    const vmm = this.vmm;
    const hostFrame = back ? vmm.backing(gpaFrame * PAGE_SIZE) : vmm.backed(gpaFrame * PAGE_SIZE);
    if (hostFrame < 0) return;
    const writable = (leaf & PTE.W) !== 0 && (leaf & PTE.D) !== 0 && !this.isProtected(gpaFrame);
    const entry = hostFrame | PTE.V | PTE.A | PTE.D | leaf & (PTE.X | PTE.U | PTE.G) | (writable ? PTE.W : 0);
    vmm.writeEntry(table, index, entry);
    if (writable) {
      let list = this.writableMaps.get(gpaFrame);
      if (!list) this.writableMaps.set(gpaFrame, list = []);
      list.push(table + index * 4, pageVa);
    }
  }
  allocTable(level) {
    const table = this.vmm.allocTable(level);
    this.shadowTables.add(table);
    return table;
  }
  freeTable(table) {
    this.shadowTables.delete(table);
    this.vmm.freeTable(table);
  }
  addUser(users, frame, u) {
    const wasProtected = this.isProtected(frame);
    let set = users.get(frame);
    if (!set) users.set(frame, set = /* @__PURE__ */ new Set());
    set.add(u);
    if (!wasProtected) this.writeProtect(frame);
  }
  removeUser(users, frame, u) {
    const set = users.get(frame);
    if (!set) return;
    set.delete(u);
    if (set.size === 0) users.delete(frame);
  }
  isProtected(gpaFrame) {
    return this.pdUsers.has(gpaFrame) || this.ptUsers.has(gpaFrame) || this.armed.has(gpaFrame);
  }
  /** A guest frame became protected: take write access away in the shadow leaves and in the EPT. */
  writeProtect(gpaFrame) {
    const vmm = this.vmm;
    const list = this.writableMaps.get(gpaFrame);
    if (list) {
      this.writableMaps.delete(gpaFrame);
      const hostFrame = vmm.backed(gpaFrame * PAGE_SIZE);
      for (let i = 0; i < list.length; i += 2) {
        const entryAddr = list[i];
        const table = (entryAddr & ~4095) >>> 0;
        const index = (entryAddr & 4095) >>> 2;
        if (!this.shadowTables.has(table)) continue;
        const entry = vmm.readEntry(table, index);
        if (entry & PTE.V && entry & PTE.W && (entry & PTE.FRAME_MASK) >>> 0 === hostFrame) {
          vmm.writeEntry(table, index, entry & ~PTE.W);
          vmm.flushTlbPage(list[i + 1]);
        }
      }
    }
    if (this.eptSetWritable(gpaFrame, false)) this.flushSwitchedRanges();
  }
  flushSwitchedRanges() {
    const done = new Uint8Array(1024);
    for (const set of this.nestedUsers.values()) {
      for (const u of set) {
        const pdIndex = u & 1023;
        if (done[pdIndex]) continue;
        done[pdIndex] = 1;
        this.vmm.flushTlbRange(pdIndex * 4194304, (pdIndex + 1) * 4194304);
      }
    }
  }
  // ------------------------------------------------------------------ the EPT (nested stage of switched walks)
  /** The EPT leaf entry of a guest-physical address: [table, index], or undefined when not mapped. */
  eptLeaf(gpa) {
    const nested = this.nested;
    const mode = nested.format;
    const levels = mode.levelBits.length;
    let table = this.eptRoot;
    for (let level = 0; level < levels; level++) {
      const index = gpa >>> levelShift(mode, level) & (1 << mode.levelBits[level]) - 1;
      const entry = nested.readEntry(table, index);
      if (!(entry & PTE.V)) return void 0;
      if (level === levels - 1) return [table, index];
      table = (entry & PTE.FRAME_MASK) >>> 0;
    }
    return void 0;
  }
  eptMapped(gpa) {
    return this.eptLeaf(gpa) !== void 0;
  }
  /** Give or take W in the EPT entry of a guest frame. Returns whether an entry changed. */
  eptSetWritable(frame, writable) {
    const at = this.eptLeaf(frame * PAGE_SIZE);
    if (!at) return false;
    const entry = this.nested.readEntry(at[0], at[1]);
    const want = writable ? entry | PTE.W : entry & ~PTE.W;
    if (want === entry) return false;
    this.nested.writeEntry(at[0], at[1], want);
    return true;
  }
  /** Back a guest frame and map it in the EPT (4 KiB pages; W unless the frame is protected). */
  eptMap(gpa) {
    const vmm = this.vmm;
    const nested = this.nested;
    const mode = nested.format;
    const levels = mode.levelBits.length;
    const host = vmm.backing(gpa);
    const frame = gpa >>> 12;
    let table = this.eptRoot;
    for (let level = 0; level < levels; level++) {
      const index = gpa >>> levelShift(mode, level) & (1 << mode.levelBits[level]) - 1;
      vmm.chargeVmm(vmm.costs.pteRead);
      const entry = nested.readEntry(table, index);
      if (level === levels - 1) {
        nested.writeEntry(table, index, (host & ~4095) >>> 0 | PTE.V | PTE.X | (this.isProtected(frame) ? 0 : PTE.W));
        return;
      }
      if (entry & PTE.V) table = (entry & PTE.FRAME_MASK) >>> 0;
      else {
        const next = nested.allocTable(level + 1);
        nested.writeEntry(table, index, next | PTE.V);
        table = next;
      }
    }
  }
  // ------------------------------------------------------------------ guest page-table writes
  /** Entry `index` of guest frame `frame` changed: drop what the shadows built from it. */
  syncTableWrite(frame, index) {
    for (const root of [...this.pdUsers.get(frame) ?? []]) this.zapDirectoryEntry(root, index);
    for (const u of [...this.ptUsers.get(frame) ?? []]) {
      const root = this.rootsById.get(u >>> 10);
      const pdIndex = u & 1023;
      const table = root.pts[pdIndex];
      if (table === 0) continue;
      this.vmm.writeEntry(table, index, 0);
      this.vmm.flushTlbPage((pdIndex << 22 | index << 12) >>> 0);
    }
  }
  /** Drop what one directory entry of a shadow root holds: a shadow table, or a switch. */
  zapDirectoryEntry(root, pdIndex) {
    const table = root.pts[pdIndex];
    const switched = root.switched[pdIndex] === 1;
    if (table === 0 && !switched) return;
    const guestPt = root.guestPt[pdIndex];
    if (switched) {
      const frame = guestPt >>> 12;
      this.removeUser(this.nestedUsers, frame, user(root, pdIndex));
      if (!this.nestedUsers.has(frame)) this.armed.delete(frame);
      this.noteNestedCount();
      root.switched[pdIndex] = 0;
    } else if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, user(root, pdIndex));
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = NONE3;
    this.vmm.writeEntry(root.pd, pdIndex, 0);
    if (table !== 0) this.freeTable(table);
    this.vmm.flushTlbRange(pdIndex * 4194304, (pdIndex + 1) * 4194304);
  }
  /** A directory frame the guest keeps writing without walking it: drop the shadows built from it. */
  unshadowDirectory(frame) {
    this.floodCount.delete(frame);
    for (const root of [...this.pdUsers.get(frame) ?? []]) if (root !== this.current) this.dropRoot(root);
    this.vmm.count("unshadowed");
  }
  // ------------------------------------------------------------------ the root cache
  rootForGuestState() {
    const vmm = this.vmm;
    const key = vmm.readGuestCr(CR.STATUS) & STATUS.PG ? (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0 : PAGING_OFF;
    let root = this.roots.get(key);
    if (!root) root = this.createRoot(key);
    root.lastUse = ++this.tick;
    return root;
  }
  createRoot(key) {
    while (this.roots.size >= Math.max(1, this.shadowOptions.cacheRoots)) {
      let victim;
      for (const r of this.roots.values()) if (r !== this.current && (!victim || r.lastUse < victim.lastUse)) victim = r;
      if (!victim) break;
      this.dropRoot(victim);
      this.vmm.count("shadowRootsReclaimed");
    }
    const root = new AgileRoot(this.nextRootId++, key);
    root.pd = this.allocTable(0);
    this.roots.set(key, root);
    this.rootsById.set(root.id, root);
    this.vmm.count("shadowRootsCreated");
    if (key !== PAGING_OFF) this.addUser(this.pdUsers, key >>> 12, root);
    return root;
  }
  dropRoot(root) {
    for (let i = 0; i < 1024; i++) {
      if (root.pts[i] === 0 && !root.switched[i]) continue;
      this.zapDirectoryEntryQuiet(root, i);
    }
    if (root.key !== PAGING_OFF) this.removeUser(this.pdUsers, root.key >>> 12, root);
    this.freeTable(root.pd);
    this.roots.delete(root.key);
    this.rootsById.delete(root.id);
    this.vmm.flushTlbVm();
  }
  /** As zapDirectoryEntry, for a root about to go: no entry write, no flush (dropRoot flushes once). */
  zapDirectoryEntryQuiet(root, pdIndex) {
    const table = root.pts[pdIndex];
    const guestPt = root.guestPt[pdIndex];
    if (root.switched[pdIndex]) {
      this.removeUser(this.nestedUsers, guestPt >>> 12, user(root, pdIndex));
      if (!this.nestedUsers.has(guestPt >>> 12)) this.armed.delete(guestPt >>> 12);
      this.noteNestedCount();
      root.switched[pdIndex] = 0;
    } else if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, user(root, pdIndex));
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = NONE3;
    if (table !== 0) this.freeTable(table);
  }
  // ------------------------------------------------------------------ the test hook's generator
  random() {
    return this.rng = xorshift32(this.rng);
  }
  /** The next forced toggle after `from`: uniform in [1, 2 * switchEvery] instructions later. */
  randomStep(from) {
    return from + 1 + this.random() % (2 * this.options.switchEvery);
  }
};
var AGILE_COMMON_REASONS = ["mmio", "wfi", "hcall", "agile-sample", "agile-switch", "agile-root"];
var AgileTimer = class {
  constructor(vm, host, pager, profile, eptLevels) {
    this.vm = vm;
    this.host = host;
    this.pager = pager;
    this.profile = profile;
    pager.start({ counters: () => readPagingCounters(vm, AGILE_COMMON_REASONS), profile, eptLevels });
    vm.vmm.agile = pager.stats;
  }
  vm;
  host;
  pager;
  profile;
  get nextAt() {
    return this.pager.nextAt;
  }
  /** Bring the instructions counted with the root nested up to date (as dynamic mode's `account`; the VMM calls both alike). */
  account() {
    this.pager.account(this.vm.stats.instructions);
  }
  checkpoint(_vpid = 0) {
    const vm = this.vm;
    if (vm.stats.instructions < this.pager.nextAt) return;
    const p = this.profile;
    vm.stats.cyclesExit += p.vmExitCycles + p.vmEntryCycles;
    vm.stats.cyclesVmm += p.vmmHandlerCycles;
    const stats = this.pager.stats;
    const before = stats.toShadow + stats.toNested;
    const rootBefore = stats.rootToNested + stats.rootToShadow;
    const reason = this.host.timer() ?? "agile-sample";
    vm.vmm.countExit(reason);
    const moved = stats.toShadow + stats.toNested - before;
    const root = stats.rootToNested + stats.rootToShadow !== rootBefore ? stats.rootNested ? "; the root switched to nested" : "; the root switched back to shadow" : stats.rootNested ? "; the root is nested" : "";
    vm.recordExit({
      instructions: vm.stats.instructions,
      pc: vm.cpu.pc >>> 0,
      hardware: "preemption-timer",
      reason,
      detail: `window ${stats.windows}: ${moved} table${moved === 1 ? "" : "s"} moved, ${stats.nestedTables} in nested mode${root}`
    });
  }
};

// hypervisor/ept.ts
var DEFAULT_EPT = { levels: 2, largePages: false };
var EPT_PAGER = {
  name: "ept",
  builtIn: true,
  create: (vmm) => new EptPager(vmm)
};
var EptPager = class {
  constructor(vmm) {
    this.vmm = vmm;
    const mode = vmm.format;
    const levels = mode.levelBits.length;
    this.mode = mode;
    this.largeLevel = levels > 1 && mode.largeAllowed[levels - 2] ? levels - 2 : -1;
    this.root = vmm.allocTable(0);
    if (this.largeLevel >= 0) vmm.backGuestInRuns(2 ** (levelShift(mode, this.largeLevel) - 12));
  }
  vmm;
  translation = "nested";
  mode;
  root;
  /** The level whose entries map large pages (-1 without large pages). */
  largeLevel;
  get pagingMode() {
    return this.mode;
  }
  get rootAddress() {
    return this.root;
  }
  vmEntry() {
    this.vmm.loadRoot(this.root);
  }
  eptViolation(e) {
    const vmm = this.vmm;
    const gpa = e.guestPhys;
    if (vmm.isMmio(gpa)) {
      if (e.inTableWalk) return vmm.injectFault(CAUSE.BUS_ERROR, e.va);
      return vmm.emulateMmio(gpa);
    }
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(e.va);
    this.map(gpa);
    return "ept-violation";
  }
  /** Back the guest frame holding gpa and enter it in the EPT (a large page when enabled). */
  map(gpa) {
    const vmm = this.vmm;
    const mode = this.mode;
    const levels = mode.levelBits.length;
    const hostAddr = vmm.backing(gpa);
    const largeBytes = this.largeLevel >= 0 ? 2 ** levelShift(mode, this.largeLevel) : 0;
    const largeFits = largeBytes > 0 && gpa - gpa % largeBytes + largeBytes <= vmm.guestMemoryBytes;
    const leafLevel = largeFits ? this.largeLevel : levels - 1;
    let table = this.root;
    for (let level = 0; level <= leafLevel; level++) {
      const shift = levelShift(mode, level);
      const index = gpa >>> shift & (1 << mode.levelBits[level]) - 1;
      vmm.chargeVmm(vmm.costs.pteRead);
      const entry = vmm.readEntry(table, index);
      if (level === leafLevel) {
        const pageBase = hostAddr - gpa % 2 ** shift >>> 0;
        vmm.writeEntry(table, index, pageBase | PTE.V | PTE.W | PTE.X | (level < levels - 1 ? PTE.L : 0));
        return;
      }
      if (entry & PTE.V) {
        table = (entry & PTE.FRAME_MASK) >>> 0;
      } else {
        const next = vmm.allocTable(level + 1);
        vmm.writeEntry(table, index, next | PTE.V);
        table = next;
      }
    }
  }
};

// hypervisor/emulate.ts
var ACCESSES = {
  lb: { isStore: false, size: 1, signed: true },
  lh: { isStore: false, size: 2, signed: true },
  lw: { isStore: false, size: 4, signed: true },
  lbu: { isStore: false, size: 1, signed: false },
  lhu: { isStore: false, size: 2, signed: false },
  sb: { isStore: true, size: 1, signed: false },
  sh: { isStore: true, size: 2, signed: false },
  sw: { isStore: true, size: 4, signed: false }
};
function decodeAccess(word) {
  const d = decode(word);
  if (!d) return void 0;
  const a = ACCESSES[d.spec.mnemonic];
  if (!a) return void 0;
  const dataReg = a.isStore ? d.operands.srcA : d.operands.rd;
  return { ...a, dataReg };
}

// hypervisor/host.ts
var FREE = 0;
var VMM_OWNER = -1;
var SHARED_OWNER = -2;
var VMM_WRITE_PROTECT = 1 << 11;
var OutOfHostMemory = class extends Error {
};
var HostMemory = class {
  mem;
  frames;
  /** Owner of every host frame. */
  owner;
  freeList = [];
  /** Frames below this were never handed out (allocated upward, so large runs stay possible). */
  bump = 1;
  // frame 0 stays unused: a zero frame number is never a valid mapping
  inUse = 0;
  peakInUse = 0;
  /**
   * Host swapping (swap.ts): called when an allocation finds no free frame; it frees some and
   * returns true, or returns false (nothing to evict).
   */
  reclaim;
  /** Counts the VM exits handled (Vmm.handleExit): host swapping never evicts a frame touched in the current one. */
  serial = 1;
  /** For each shared frame (owner SHARED_OWNER), by frame number: VM id -> how many of its guest frames map it. */
  sharers = /* @__PURE__ */ new Map();
  constructor(sizeBytes) {
    this.mem = new PhysicalMemory(sizeBytes);
    this.frames = sizeBytes / PAGE_SIZE;
    this.owner = new Int16Array(this.frames);
  }
  /** Allocate one zeroed 4 KiB frame for `owner`; returns its host-physical address. */
  allocFrame(owner) {
    let frame = this.freeList.pop();
    if (frame === void 0 && this.bump >= this.frames && this.reclaim?.()) frame = this.freeList.pop();
    if (frame === void 0) {
      if (this.bump >= this.frames) throw new OutOfHostMemory(`host memory exhausted (${this.frames} frames)${this.reclaim ? ", and host swapping found no guest frame to evict" : ""}`);
      frame = this.bump++;
    }
    this.take(frame, owner);
    return frame * PAGE_SIZE;
  }
  /** Allocate `count` contiguous zeroed frames aligned to `alignFrames` (for large pages and big tables). */
  allocRun(count, alignFrames, owner) {
    let start = Math.ceil(this.bump / alignFrames) * alignFrames;
    if (start + count > this.frames) throw new OutOfHostMemory(`host memory exhausted: no run of ${count} frames left`);
    for (let f = this.bump; f < start; f++) this.freeList.push(f);
    for (let f = start; f < start + count; f++) this.take(f, owner);
    this.bump = start + count;
    return start * PAGE_SIZE;
  }
  take(frame, owner) {
    this.owner[frame] = owner;
    this.mem.u8.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
    this.mem.dirty[frame] = 1;
    this.inUse++;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
  }
  freeFrame(hostPhys) {
    const frame = hostPhys / PAGE_SIZE;
    if (this.owner[frame] === FREE) throw new Error(`double free of host frame ${frame}`);
    this.owner[frame] = FREE;
    this.sharers.delete(frame);
    this.inUse--;
    this.freeList.push(frame);
  }
  /** Whether VM `vmId` may map host frame `hostPhys`: it owns it, or one of its guest frames shares it. */
  mappableBy(hostPhys, vmId) {
    const frame = Math.floor(hostPhys / PAGE_SIZE);
    const owner = this.owner[frame];
    if (owner === vmId) return true;
    return owner === SHARED_OWNER && (this.sharers.get(frame)?.get(vmId) ?? 0) > 0;
  }
  /** Frames that can still be allocated without reclaiming. */
  freeFrames() {
    return this.freeList.length + (this.frames - this.bump);
  }
  ownerOf(hostPhys) {
    return this.owner[Math.floor(hostPhys / PAGE_SIZE)] ?? FREE;
  }
};

// hypervisor/pager-tables.ts
var hex4 = (n2) => "0x" + (n2 >>> 0).toString(16).padStart(8, "0");
var ZAP = 2;
var WRITE_PROTECT = 1;
var PagerTables = class {
  constructor(host, vm, format, profile, violation, shadowKind, agile = false) {
    this.host = host;
    this.vm = vm;
    this.format = format;
    this.profile = profile;
    this.violation = violation;
    this.agile = agile;
    this.shadowKind = shadowKind;
  }
  host;
  vm;
  format;
  profile;
  violation;
  agile;
  tables = /* @__PURE__ */ new Map();
  /** Freed tables still referenced: each must be released before the event ends. */
  dying = /* @__PURE__ */ new Set();
  /** The root the hardware was last given (-1: none yet). */
  root = -1;
  shadowKind;
  /** A valid entry that leads to one of this pager's tables (not a leaf, not a switched entry). */
  leadsToTable(level, entry) {
    return (entry & PTE.V) !== 0 && !this.isLeaf(level, entry) && !this.isSwitched(level, entry);
  }
  /** An agile directory entry with the switch bit: it leads to a guest leaf table (a frame of this VM). */
  isSwitched(level, entry) {
    return this.agile && level === 0 && (entry & PTE.V) !== 0 && (entry & PTE.L) === 0 && (entry & AGILE_SWITCH) !== 0;
  }
  /** At the end of an event: a table freed while still pointed at must have been let go of by now. */
  settle() {
    if (this.dying.size === 0) return;
    const [table] = this.dying;
    const t2 = this.tables.get(table);
    const what = table === this.root ? "the root the hardware uses" : `still pointed at by ${t2.refs} entr${t2.refs === 1 ? "y" : "ies"}`;
    this.violation(`freeTable(${hex4(table)}): the table is ${what}; clear every entry leading to it (and load another root) before the event ends`);
  }
  tableFrames(level) {
    return Math.max(1, tableBytes(this.format, level) / PAGE_SIZE);
  }
  isLeaf(level, entry) {
    return level === this.format.levelBits.length - 1 || (entry & PTE.L) !== 0 && this.format.largeAllowed[level] === true;
  }
  tableAt(table, service) {
    const t2 = typeof table === "number" ? this.tables.get(table) : void 0;
    if (!t2) this.violation(`${service}: ${typeof table === "number" ? hex4(table) : show(table)} is not a table of this pager (allocTable gives them)`);
    if (t2.dead) this.violation(`${service}: the table at ${hex4(table)} was freed`);
    return t2;
  }
  /** allocTable: a zeroed table for `level`, in frames the VMM owns for this pager. */
  alloc(level) {
    const levels = this.format.levelBits.length;
    if (typeof level !== "number" || !Number.isInteger(level) || level < 0 || level >= levels) {
      this.violation(`allocTable(${show(level)}): the level is 0 (the root) to ${levels - 1}`);
    }
    const frames = this.tableFrames(level);
    const table = frames === 1 ? this.host.allocFrame(VMM_OWNER) : this.host.allocRun(frames, 1, VMM_OWNER);
    this.tables.set(table, { level, frames, refs: 0, dead: false });
    if (this.shadowKind) this.vm.vmm.addShadowPages(frames);
    else this.vm.vmm.eptPages += frames;
    return table;
  }
  /** freeTable: released now, or when the last entry pointing at it goes. */
  free(table) {
    const t2 = this.tableAt(table, "freeTable");
    t2.dead = true;
    if (t2.refs === 0) this.destroy(table, t2);
    else this.dying.add(table);
  }
  /** A dead table nothing points at: drop what it points at, and give its frames back. */
  destroy(table, t2) {
    this.dying.delete(table);
    if (t2.level < this.format.levelBits.length - 1) {
      const mem = this.host.mem.i32;
      const entries = 1 << this.format.levelBits[t2.level];
      for (let i = 0; i < entries; i++) {
        const entry = mem[table + i * 4 >>> 2];
        if (this.leadsToTable(t2.level, entry)) this.release((entry & PTE.FRAME_MASK) >>> 0);
      }
    }
    this.tables.delete(table);
    for (let f = 0; f < t2.frames; f++) this.host.freeFrame(table + f * PAGE_SIZE);
    if (this.shadowKind) this.vm.vmm.addShadowPages(-t2.frames);
    else this.vm.vmm.eptPages -= t2.frames;
  }
  release(table) {
    const t2 = this.tables.get(table);
    if (!t2) return;
    t2.refs--;
    if (t2.dead && t2.refs === 0) this.destroy(table, t2);
  }
  read(table, index) {
    const t2 = this.tableAt(table, "readEntry");
    this.checkIndex(t2, index, "readEntry", table);
    return this.host.mem.i32[table + index * 4 >>> 2];
  }
  checkIndex(t2, index, service, table) {
    const entries = 1 << this.format.levelBits[t2.level];
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= entries) {
      this.violation(`${service}(${hex4(table)}, ${show(index)}): a level-${t2.level} table has entries 0 to ${entries - 1}`);
    }
  }
  /** writeEntry: a valid entry leads to a table of the next level, or maps this VM's frames. */
  write(table, index, value) {
    const t2 = this.tableAt(table, "writeEntry");
    this.checkIndex(t2, index, "writeEntry", table);
    if (typeof value !== "number" || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
      this.violation(`writeEntry(${hex4(table)}, ${String(index)}, ${show(value)}): an entry is a 32-bit number`);
    }
    let entry = value | 0;
    const addr = table + index * 4 >>> 0;
    const mem = this.host.mem.i32;
    const old = mem[addr >>> 2];
    if (entry & PTE.V) {
      const frame = (entry & PTE.FRAME_MASK) >>> 0;
      if (this.isLeaf(t2.level, entry)) {
        this.checkLeaf(t2.level, frame, table, index);
        entry &= ~VMM_WRITE_PROTECT;
        if (entry & PTE.W && (this.host.owner[frame >>> 12] === SHARED_OWNER || this.vm.logTrap?.[frame >>> 12] === 1)) entry = entry & ~PTE.W | VMM_WRITE_PROTECT;
        if (!this.shadowKind && this.vm.pmlLog !== void 0) entry &= ~(PTE.A | PTE.D);
      } else if (this.isSwitched(t2.level, entry)) {
        if (this.host.ownerOf(frame) !== this.vm.id) {
          this.violation(`writeEntry: switched entry ${String(index)} of the directory ${hex4(table)} would lead to host frame ${hex4(frame)}, ${this.frameOwner(frame)}; a switched entry leads to the backing frame of one of this VM's page tables (vmm.backing(guestPhys))`);
        }
      } else {
        const next = this.tables.get(frame);
        if (!next || next.dead || next.level !== t2.level + 1) {
          this.violation(`writeEntry: entry ${String(index)} of the level-${t2.level} table ${hex4(table)} would lead to host ${hex4(frame)}, ${this.frameOwner(frame)}; a non-leaf entry leads to one of this pager's level-${t2.level + 1} tables (allocTable(${t2.level + 1}))`);
        }
        next.refs++;
      }
    }
    if (this.leadsToTable(t2.level, old)) this.release((old & PTE.FRAME_MASK) >>> 0);
    mem[addr >>> 2] = entry;
    this.host.mem.dirty[addr >>> 12] = 1;
    this.vm.stats.cyclesVmm += this.profile.vmmPteWriteCycles;
  }
  /** A leaf maps host frames: every frame of its page must be this VM's. */
  checkLeaf(level, frame, table, index) {
    const shift = levelShift(this.format, level);
    const base = (frame & ~(2 ** shift - 1 >>> 0)) >>> 0;
    const vmId = this.vm.id;
    for (let f = 0; f < 2 ** (shift - 12); f++) {
      const hostFrame = base + f * PAGE_SIZE;
      if (!this.host.mappableBy(hostFrame, vmId)) {
        this.violation(`writeEntry: entry ${index} of the level-${level} table ${hex4(table)} would map host frame ${hex4(hostFrame)}, ${this.frameOwner(hostFrame)}; a leaf maps only this VM's frames (vmm.backing(guestPhys))`);
      }
    }
  }
  /** Who owns a host frame, in words. */
  frameOwner(hostPhys) {
    if (hostPhys >= this.host.mem.sizeBytes) return "past the end of host memory";
    const owner = this.host.ownerOf(hostPhys);
    if (owner === 0) return "a free frame";
    if (owner === VMM_OWNER) {
      const t2 = this.tables.get((hostPhys & ~4095) >>> 0);
      return t2 && !t2.dead ? `this pager's level-${t2.level} table` : "a table of the VMM (not this pager's, or freed)";
    }
    if (owner === this.vm.id) return `a frame of this VM`;
    return `a frame of another VM (VM ${owner})`;
  }
  /** The hardware's root register now holds `root` (a level-0 table), which counts as a reference to it. */
  setRoot(root, service) {
    const t2 = this.tableAt(root, service);
    if (t2.level !== 0) this.violation(`${service}(${hex4(root)}): a root is a level-0 table, this one is level ${t2.level}`);
    const r = root;
    if (r !== this.root) {
      t2.refs++;
      const old = this.root;
      this.root = r;
      if (old >= 0) this.release(old);
    }
    return r;
  }
  /** The hardware's root register no longer holds one of these tables (an agile pager switched at the root). */
  clearRoot() {
    const old = this.root;
    this.root = -1;
    if (old >= 0) this.release(old);
  }
  /**
   * Give every table back to the host at once, whatever points at it: the VMM discards this
   * pager (dynamic mode, leaving shadow paging). The hardware must no longer use the root.
   * Returns what was dropped: tables, and the valid entries they held (the work of zapping them).
   */
  releaseAll() {
    const mem = this.host.mem.i32;
    let entries = 0;
    const count = this.tables.size;
    for (const [table, t2] of this.tables) {
      const n2 = 1 << this.format.levelBits[t2.level];
      for (let i = 0; i < n2; i++) if (mem[table + i * 4 >>> 2] & PTE.V) entries++;
      for (let f = 0; f < t2.frames; f++) this.host.freeFrame(table + f * PAGE_SIZE);
      if (this.shadowKind) this.vm.vmm.addShadowPages(-t2.frames);
      else this.vm.vmm.eptPages -= t2.frames;
    }
    this.tables.clear();
    this.dying.clear();
    this.root = -1;
    return { tables: count, entries };
  }
  /**
   * Isolation audit: every leaf reachable from one of the pager's roots maps host frames this VM
   * owns (and, for an EPT, guest-physical addresses inside the VM's memory).
   */
  audit() {
    const problems = [];
    const mem = this.host.mem.i32;
    const mode = this.format;
    const vm = this.vm;
    const visit = (table, level, base) => {
      for (let f = 0; f < this.tableFrames(level); f++) {
        if (this.host.ownerOf(table + f * PAGE_SIZE) !== VMM_OWNER) problems.push(`${this.kind} table at ${hex4(table)} not owned by the VMM`);
      }
      const entries = 1 << mode.levelBits[level];
      const shift = levelShift(mode, level);
      for (let i = 0; i < entries; i++) {
        const entry = mem[table + i * 4 >>> 2];
        if (!(entry & PTE.V)) continue;
        const frame = (entry & PTE.FRAME_MASK) >>> 0;
        const address = base + i * 2 ** shift;
        if (this.isSwitched(level, entry)) {
          if (this.host.ownerOf(frame) !== vm.id) problems.push(`shadow entry for va ${hex4(address)} switches to host frame 0x${frame.toString(16)} not owned by VM ${vm.name}`);
          continue;
        }
        if (!this.isLeaf(level, entry)) {
          const next = this.tables.get(frame);
          if (!next || next.level !== level + 1) problems.push(`${this.kind} entry for ${this.space} ${hex4(address)} leads to host 0x${frame.toString(16)}, not one of the pager's tables`);
          else visit(frame, level + 1, address);
          continue;
        }
        if (!this.shadowKind && address >= vm.sizeBytes) problems.push(`EPT maps guest-physical 0x${address.toString(16)} beyond the VM's memory`);
        const base4k = (frame & ~(2 ** shift - 1 >>> 0)) >>> 0;
        if (entry & PTE.W && this.host.ownerOf(base4k) === SHARED_OWNER) problems.push(`${this.kind} entry for ${this.space} 0x${address.toString(16)} maps the shared host frame 0x${base4k.toString(16)} writable`);
        for (let f = 0; f < 2 ** (shift - 12); f++) {
          if (!this.host.mappableBy(base4k + f * PAGE_SIZE, vm.id)) {
            problems.push(`${this.kind} entry for ${this.space} 0x${address.toString(16)} maps host frame 0x${(base4k + f * PAGE_SIZE).toString(16)} not owned by VM ${vm.name}`);
            break;
          }
        }
      }
    };
    for (const [table, t2] of this.tables) if (t2.level === 0 && !t2.dead) visit(table, 0, 0);
    return problems;
  }
  /**
   * The VMM takes mappings away (host.ts, sharing.ts: the MMU-notifier step of KVM, done here for
   * any pager): every valid leaf of the pager's tables mapping a host frame `action` marks is
   * dropped (ZAP: the next access is a hidden fault or EPT violation the pager fills again through
   * `backing`) or made read-only with the VMM's bit (WRITE_PROTECT). Non-leaf entries are left
   * alone, so the pager's table structure and reference counts stay as they were. The caller
   * flushes the TLB. Returns the entries visited (the cost of the scan) and changed.
   */
  revoke(action) {
    const mem = this.host.mem.i32;
    let visited = 0;
    let changed = 0;
    for (const [table, t2] of this.tables) {
      const n2 = 1 << this.format.levelBits[t2.level];
      const last = t2.level === this.format.levelBits.length - 1;
      if (!last && !this.format.largeAllowed[t2.level]) continue;
      for (let i = 0; i < n2; i++) {
        const at = table + i * 4 >>> 2;
        const entry = mem[at];
        if (!(entry & PTE.V)) continue;
        if (this.isSwitched(t2.level, entry)) {
          visited++;
          if (!action[(entry & PTE.FRAME_MASK) >>> 0 >>> 12]) continue;
          mem[at] = 0;
          this.host.mem.dirty[at >>> 10] = 1;
          changed++;
          continue;
        }
        if (!this.isLeaf(t2.level, entry)) continue;
        visited++;
        const shift = levelShift(this.format, t2.level);
        const base = (entry & PTE.FRAME_MASK) >>> 0 >>> 12;
        let act = 0;
        for (let f = 0; f < 2 ** (shift - 12) && act !== ZAP; f++) act = Math.max(act, action[base + f] ?? 0);
        if (act === 0) continue;
        if (act === ZAP || t2.frames > 1 || shift > 12) mem[at] = 0;
        else if (entry & PTE.W) mem[at] = entry & ~PTE.W | VMM_WRITE_PROTECT;
        else continue;
        this.host.mem.dirty[at >>> 10] = 1;
        changed++;
      }
    }
    return { visited, changed };
  }
  /**
   * The valid leaf the hardware meets for `addr` (a guest-virtual address under shadow paging, a
   * guest-physical one under EPT) walking from the loaded root; -1 when there is none.
   */
  leafFor(addr) {
    const at = this.leafAddress(addr);
    return at < 0 ? -1 : this.host.mem.i32[at >>> 2];
  }
  /**
   * Write-protection dirty logging (dirty-log.ts): give back W to the leaf met for `addr` if the
   * VMM took it (bit 11 set, W clear), clearing bit 11. Whether it did. No TLB flush is needed:
   * a TLB entry without W is dropped and walked again by the store that needs it.
   */
  unprotectLeafFor(addr) {
    const at = this.leafAddress(addr);
    if (at < 0) return false;
    const entry = this.host.mem.i32[at >>> 2];
    if (entry & PTE.W || !(entry & VMM_WRITE_PROTECT)) return false;
    this.host.mem.i32[at >>> 2] = (entry | PTE.W) & ~VMM_WRITE_PROTECT;
    this.host.mem.dirty[at >>> 12] = 1;
    return true;
  }
  /** Page-modification logging: clear the EPT D bit of the leaf met for guest-physical `addr`; whether it was set. The caller flushes the TLB. */
  cleanLeafFor(addr) {
    const at = this.leafAddress(addr);
    if (at < 0) return false;
    const entry = this.host.mem.i32[at >>> 2];
    if (!(entry & PTE.D)) return false;
    this.host.mem.i32[at >>> 2] = entry & ~PTE.D;
    this.host.mem.dirty[at >>> 12] = 1;
    return true;
  }
  /** Page-modification logging starts: clear A and D in every valid leaf; returns the leaves visited. The caller flushes the TLB. */
  cleanAll() {
    const mem = this.host.mem.i32;
    let visited = 0;
    for (const [table, t2] of this.tables) {
      const n2 = 1 << this.format.levelBits[t2.level];
      for (let i = 0; i < n2; i++) {
        const at = table + i * 4 >>> 2;
        const entry = mem[at];
        if (!(entry & PTE.V) || !this.isLeaf(t2.level, entry)) continue;
        visited++;
        mem[at] = entry & ~(PTE.A | PTE.D);
        this.host.mem.dirty[at >>> 10] = 1;
      }
    }
    return visited;
  }
  /** Drop the valid leaf the hardware meets for `addr` (as `revoke` would); whether there was one. */
  zapLeafFor(addr) {
    const at = this.leafAddress(addr);
    if (at < 0) return false;
    this.host.mem.i32[at >>> 2] = 0;
    this.host.mem.dirty[at >>> 12] = 1;
    return true;
  }
  /** Host address of the valid leaf met for `addr`, or -1. */
  leafAddress(addr) {
    if (this.root < 0) return -1;
    const mem = this.host.mem.i32;
    const levels = this.format.levelBits.length;
    let table = this.root;
    for (let level = 0; level < levels; level++) {
      const shift = levelShift(this.format, level);
      const index = Math.floor((addr >>> 0) / 2 ** shift) & (1 << this.format.levelBits[level]) - 1;
      const entry = mem[table + index * 4 >>> 2];
      if (!(entry & PTE.V)) return -1;
      if (this.isLeaf(level, entry)) return table + index * 4 >>> 0;
      table = (entry & PTE.FRAME_MASK) >>> 0;
      if (!this.tables.has(table)) return -1;
    }
    return -1;
  }
  get kind() {
    return this.shadowKind ? "shadow" : "EPT";
  }
  get space() {
    return this.shadowKind ? "va" : "guest-physical";
  }
};
function show(value) {
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) > 255 ? `${value} (${hex4(value)})` : String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}\u2026` : value);
  return value === null ? "null" : typeof value === "object" ? "an object" : String(value);
}

// hypervisor/pager.ts
var PAGER_API_VERSION = 3;
var EVENT_NAMES = {
  create: "create",
  vmEntry: "vm-entry",
  ptbrRead: "ptbr-read",
  ptbrWrite: "ptbr-write",
  pagingChange: "paging-change",
  pageFault: "page-fault",
  invlpg: "invlpg",
  tlbflush: "tlbflush",
  eptViolation: "ept-violation"
};

// hypervisor/pager-host.ts
var VMM_EVENTS = EXIT_CONTROL.WFI | EXIT_CONTROL.HCALL;
var NESTED_ROOT_CONTROLS = { crReadExits: 0, crWriteExits: 0, statusWriteMask: 0, events: VMM_EVENTS };
var NO_PROGRESS_EXITS = 1e5;
var EXIT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
var PagerError = class extends Error {
  constructor(message, pager, event) {
    super(message);
    this.pager = pager;
    this.event = event;
    this.name = "PagerError";
  }
  pager;
  event;
};
var NOT_PRESENT = [CAUSE.FETCH_PAGE_FAULT, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT];
var PROTECTION = [CAUSE.FETCH_PROTECTION_FAULT, CAUSE.LOAD_PROTECTION_FAULT, CAUSE.STORE_PROTECTION_FAULT];
var ARCH = Object.freeze({
  PAGE_SIZE,
  PTE: Object.freeze({ V: PTE.V, W: PTE.W, X: PTE.X, U: PTE.U, G: PTE.G, A: PTE.A, D: PTE.D, L: PTE.L, FRAME_MASK: PTE.FRAME_MASK }),
  CAUSE: Object.freeze({ ...CAUSE }),
  ACCESS: Object.freeze({ ...ACCESS }),
  CR: Object.freeze({ ...CR }),
  STATUS: Object.freeze({ ...STATUS }),
  PTBR_ROOT_MASK,
  PTBR_ASID_MASK,
  PTBR_KEEP,
  AGILE_SWITCH,
  permits: (leaf, access, user2) => permits(leaf, access, user2),
  notPresentCause: (access) => NOT_PRESENT[access],
  protectionCause: (access) => PROTECTION[access]
});
var COUNTERS = {
  unshadowed: "unshadowed",
  ptUnsyncs: "ptUnsyncs",
  ptResyncs: "ptResyncs",
  shadowRootsCreated: "shadowRootsCreated",
  shadowRootsReclaimed: "shadowRootsReclaimed"
};
var hex5 = (n2) => "0x" + (n2 >>> 0).toString(16).padStart(8, "0");
var fmt = (n2) => n2.toLocaleString("en-US");
var PagerHost = class {
  /**
   * `probe`: made only to learn the pager's translation (its VM's mode is not checked against it).
   * `translation`: how the hardware translates while this pager serves the VM; by default the
   * VM's mode says ('shadow' or 'ept'). A dynamic-mode VM (dynamic.ts) has one PagerHost per
   * design and says which each is.
   */
  constructor(vm, context, module, settings, probe = false, translation) {
    this.vm = vm;
    this.context = context;
    this.module = module;
    this.probe = probe;
    this.host = context.host;
    this.mmu = context.mmu;
    this.profile = context.profile;
    this.name = module.name;
    const kind = translation ?? (vm.mode === "shadow" || vm.mode === "pv" ? "shadow" : vm.mode === "agile" ? "agile" : "nested");
    this.agileKind = kind === "agile";
    this.shadowKind = kind === "shadow" || this.agileKind;
    this.format = this.shadowKind ? TV32_PAGING : eptPagingMode(settings.ept.levels, settings.ept.largePages);
    this.tables = new PagerTables(this.host, vm, this.format, this.profile, (what) => this.violation(what), this.shadowKind, this.agileKind);
    if (this.agileKind) {
      this.nestedTables = new PagerTables(this.host, vm, eptPagingMode(settings.ept.levels, settings.ept.largePages), this.profile, (what) => this.violation(what), false);
    }
    const services = this.makeServices();
    const given = Object.freeze({ shadow: Object.freeze({ ...settings.shadow }), ept: Object.freeze({ ...settings.ept }) });
    const pager = this.invoke(() => module.create(services, given));
    this.pager = this.checkShape(pager);
    this.exitControls = exitControlsOf(this.pager);
    this.endEvent(void 0, "void");
  }
  vm;
  context;
  module;
  probe;
  pager;
  name;
  exitControls;
  /** The format the hardware walks the pager's tables in. */
  format;
  shadowKind;
  /** An 'agile' pager: shadow-kind tables (with switched entries), and an EPT of its own (nestedTables). */
  agileKind;
  nestedTables = null;
  host;
  mmu;
  profile;
  /** The pager's tables, and who may point at what (pager-tables.ts). */
  tables;
  nested = null;
  /** An agile pager switched at the root (`vmm.nested.loadGuestRoot`): the hardware walks the guest's PTBR fully nested. */
  guestRootNested = false;
  /** The guest runs with paging off on the loaded (shadow) root. */
  pagingOff = false;
  vpid = 0;
  // The event being handled.
  event = EVENT_NAMES.create;
  exit;
  completedBy;
  rootLoaded = false;
  failure;
  lastInstret = -1;
  streak = 0;
  /** Discarded by the VMM (release): the pager's services refuse from now on. */
  released = false;
  // ------------------------------------------------------------------ the VMM's calls
  /** VM entry: the pager's exits, and the root it loads (or the one it last loaded). */
  enter(vpid) {
    const cpu = this.vm.cpu;
    cpu.exitControls = this.exitControls;
    cpu.vmmOwnsTranslation = this.shadowKind;
    this.vpid = vpid;
    if (this.pager.vmEntry) {
      this.begin(EVENT_NAMES.vmEntry, void 0);
      this.rootLoaded = false;
      const result = this.invoke(() => this.pager.vmEntry());
      if (!this.rootLoaded && this.failure === void 0) this.violation("vmEntry loaded no root: call vmm.loadRoot(root) on every VM entry");
      this.endEvent(result, "void");
    } else if (this.guestRootNested) {
      this.loadGuestRoot();
    } else {
      if (this.tables.root < 0) this.fail(EVENT_NAMES.vmEntry, "the pager has no vmEntry handler and has loaded no root: load one (vmm.loadRoot) in vmEntry");
      this.loadRoot(this.tables.root, { pagingOff: this.pagingOff });
    }
    cpu.syncMmuMode();
  }
  /** The guest's PTBR read (a CR_READ exit): what it reads. */
  ptbrRead(e) {
    const cpu = this.vm.cpu;
    if (!this.pager.ptbrRead) return cpu.readCr(CR.PTBR);
    this.begin(EVENT_NAMES.ptbrRead, e);
    const value = this.invoke(() => this.pager.ptbrRead({ pc: e.pc >>> 0, instret: this.vm.stats.instructions }));
    if (typeof value !== "number" || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
      this.violation(`ptbrRead returned ${show2(value)}; it returns the value the guest reads, a 32-bit number`);
    }
    this.endEvent(void 0, "void");
    return value | 0;
  }
  /** After the VMM emulated a control-register write (`old` is the value before). */
  afterCrWrite(e, old) {
    const pager = this.pager;
    const instret = this.vm.stats.instructions;
    if (e.crn === CR.PTBR && pager.ptbrWrite) {
      this.begin(EVENT_NAMES.ptbrWrite, e);
      const result = this.invoke(() => pager.ptbrWrite({ pc: e.pc >>> 0, instret, value: e.value | 0, previous: old | 0 }));
      this.endEvent(result, "void");
    } else if (e.crn === CR.STATUS && pager.pagingChange) {
      this.begin(EVENT_NAMES.pagingChange, e);
      const enabled = (this.vm.cpu.cr[CR.STATUS] & STATUS.PG) !== 0;
      const result = this.invoke(() => pager.pagingChange({ pc: e.pc >>> 0, instret, enabled }));
      this.endEvent(result, "void");
    }
  }
  /** A paging exit: the pager's handler, and the exit's name; undefined when it is not one. */
  handleExit(e) {
    const pager = this.pager;
    const cpu = this.vm.cpu;
    const pc = e.pc >>> 0;
    const instret = this.vm.stats.instructions;
    switch (e.reason) {
      case EXIT.INVLPG: {
        if (!pager.invlpg) return void 0;
        this.begin(EVENT_NAMES.invlpg, e);
        const result = this.invoke(() => pager.invlpg({ pc, instret, va: e.address >>> 0 }));
        const name = this.endEvent(result, "exit") ?? "invlpg";
        cpu.retireEmulated(e.word);
        return name;
      }
      case EXIT.TLBFLUSH: {
        if (!pager.tlbflush) return void 0;
        this.begin(EVENT_NAMES.tlbflush, e);
        const result = this.invoke(() => pager.tlbflush({ pc, instret }));
        const name = this.endEvent(result, "exit") ?? "tlbflush";
        cpu.retireEmulated(e.word);
        return name;
      }
      case EXIT.PAGE_FAULT: {
        if (!pager.pageFault) return void 0;
        this.begin(EVENT_NAMES.pageFault, e);
        const user2 = !(cpu.cr[CR.STATUS] & STATUS.MODE);
        const result = this.invoke(() => pager.pageFault({ pc, instret, va: e.address >>> 0, access: e.access, cause: e.cause, user: user2 }));
        const name = this.endEvent(result, "exit") ?? this.completedBy ?? "hidden-fault";
        if (this.completedBy === void 0 && name === "hidden-fault") this.vm.vmm.faultsHidden++;
        return name;
      }
      case EXIT.EPT_VIOLATION: {
        if (!pager.eptViolation) return void 0;
        this.begin(EVENT_NAMES.eptViolation, e);
        const result = this.invoke(() => pager.eptViolation({
          pc,
          instret,
          guestPhys: e.guestPhys >>> 0,
          va: e.address >>> 0,
          access: e.access,
          inTableWalk: e.inTableWalk
        }));
        return this.endEvent(result, "exit") ?? this.completedBy ?? "ept-violation";
      }
      default:
        return void 0;
    }
  }
  /** How the hardware translates under this pager. */
  get translation() {
    return this.agileKind ? "agile" : this.shadowKind ? "shadow" : "nested";
  }
  /**
   * The VMM discards this pager (dynamic mode leaving shadow paging): every one of its tables
   * goes back to the host at once, and any later use of its services fails. The caller has
   * already given the hardware another translation and flushed what this one left in the TLB.
   * Returns what was dropped, for the cost of the switch.
   */
  release() {
    const dropped = this.tables.releaseAll();
    if (this.nestedTables) {
      const ept = this.nestedTables.releaseAll();
      dropped.tables += ept.tables;
      dropped.entries += ept.entries;
    }
    this.released = true;
    return dropped;
  }
  /**
   * Isolation audit of the pager's tables: every leaf reachable from one of its roots maps host
   * frames this VM owns (and, for an EPT, guest-physical addresses inside the VM's memory).
   */
  audit() {
    const own = this.pager.audit;
    const tables = this.nestedTables ? [...this.tables.audit(), ...this.nestedTables.audit()] : this.tables.audit();
    return this.module.builtIn && typeof own === "function" ? [...tables, ...own.call(this.pager)] : tables;
  }
  /**
   * A hypercall exit, for a built-in pager that takes hypercalls (the PV pager, pv.ts): it is
   * given a0-a3 and sets a0 (and a1, for a batch); the hcall retires. Undefined (not handled)
   * for every other pager: the VMM answers "no such hypercall".
   */
  hypercall(e) {
    const handler = this.pager.hypercall;
    if (!this.module.builtIn || typeof handler !== "function") return void 0;
    const cpu = this.vm.cpu;
    this.begin("hypercall", e);
    const event = {
      code: e.code,
      pc: e.pc >>> 0,
      instret: this.vm.stats.instructions,
      args: [cpu.regs[3], cpu.regs[4], cpu.regs[5], cpu.regs[6]],
      setGuestPtbr: (value) => cpu.writeCr(CR.PTBR, value)
    };
    const out = this.invoke(() => handler.call(this.pager, event));
    this.endEvent(void 0, "void");
    cpu.regs[3] = out.result;
    if (out.done !== void 0) cpu.regs[4] = out.done;
    cpu.retireEmulated(e.word);
    return out.name;
  }
  /**
   * Is this exit a write to an entry the VMM made read-only (host.ts VMM_WRITE_PROTECT): a store
   * fault on such a shadow leaf, an EPT violation on such an EPT leaf (a store, or the walk's A/D
   * update of a guest table there)? Then it is the VMM's (sharing.ts), not the pager's.
   */
  vmmProtected(e) {
    return this.protectedLeaf(e) !== -1;
  }
  /** The leaf of vmmProtected's test, or -1. */
  protectedLeaf(e) {
    let leaf;
    if (e.reason === EXIT.PAGE_FAULT && this.shadowKind) {
      if (e.access !== ACCESS.STORE || e.cause !== CAUSE.STORE_PROTECTION_FAULT) return -1;
      leaf = this.tables.leafFor(e.address >>> 0);
      const user2 = !(this.vm.cpu.cr[CR.STATUS] & STATUS.MODE);
      if (user2 && !(leaf & PTE.U)) return -1;
    } else if (e.reason === EXIT.EPT_VIOLATION && (!this.shadowKind || this.nestedTables !== null)) {
      leaf = (this.nestedTables ?? this.tables).leafFor(e.guestPhys >>> 0);
    } else return -1;
    return leaf !== -1 && (leaf & PTE.V) !== 0 && (leaf & PTE.W) === 0 && (leaf & VMM_WRITE_PROTECT) !== 0 ? leaf : -1;
  }
  /** The VMM's revocation over this pager's tables (PagerTables.revoke); the caller flushes the TLB. */
  revoke(action) {
    const result = this.tables.revoke(action);
    if (this.nestedTables) {
      const ept = this.nestedTables.revoke(action);
      result.visited += ept.visited;
      result.changed += ept.changed;
    }
    return result;
  }
  /**
   * Guest frame `gfn` no longer uses host frame `frame`: drop its mappings. Under EPT that is
   * the gfn's one leaf, unless the VM keeps no guest frame on `frame` (`all`): then every leaf to
   * it goes, whatever guest-physical address a pager mapped there. Under shadow paging any va may
   * map it: every leaf to it goes. `action` is revoke's scratch array (all zeros; left so).
   */
  dropMappings(gfn, frame, all, action) {
    if (!this.shadowKind && !all) return { visited: 1, changed: this.tables.zapLeafFor(gfn * PAGE_SIZE) ? 1 : 0 };
    action[frame] = ZAP;
    const result = this.revoke(action);
    action[frame] = 0;
    return result;
  }
  /** Whether this pager's tables are in the TV32 (shadow) format, not the EPT's. */
  get shadowTables() {
    return this.shadowKind;
  }
  /** Dirty logging (dirty-log.ts): give W back to the VMM-protected leaf met for `addr` (a va under shadow paging, a guest-physical address under EPT). */
  unprotectLeafFor(addr) {
    return this.tables.unprotectLeafFor(addr);
  }
  /** Page-modification logging (dirty-log.ts): clear the EPT D bit for guest-physical `addr` (EPT tables only). */
  cleanLeafFor(addr) {
    return !this.shadowKind && this.tables.cleanLeafFor(addr);
  }
  /** Page-modification logging starts: A and D cleared in every EPT leaf; returns the leaves visited (0 for shadow tables). */
  cleanAll() {
    return this.shadowKind ? 0 : this.tables.cleanAll();
  }
  /**
   * A built-in pager's timer (the agile pager's policy windows, agile.ts: a VMX-preemption-timer
   * exit): its `timer` handler, given the guest's instruction count. Returns the exit's name;
   * undefined for a pager without one.
   */
  timer() {
    const handler = this.pager.timer;
    if (!this.module.builtIn || typeof handler !== "function") return void 0;
    this.begin("timer", void 0);
    const name = this.invoke(() => handler.call(this.pager, this.vm.stats.instructions));
    this.endEvent(void 0, "void");
    return name;
  }
  /** Every exit: a pager that keeps the guest exiting without retiring anything is stopped. */
  noteExit(instructions, e) {
    if (instructions !== this.lastInstret) {
      this.lastInstret = instructions;
      this.streak = 0;
      return;
    }
    if (++this.streak < NO_PROGRESS_EXITS) return;
    this.exit = e;
    const what = e.reason === EXIT.PAGE_FAULT ? EVENT_NAMES.pageFault : e.reason === EXIT.EPT_VIOLATION ? EVENT_NAMES.eptViolation : "an exit";
    const hint = e.reason === EXIT.PAGE_FAULT ? ": does pageFault fill the entry the guest's tables allow, or inject the fault they give?" : e.reason === EXIT.EPT_VIOLATION ? ": does eptViolation map the guest-physical address?" : "";
    this.fail(what, `made no progress: ${fmt(NO_PROGRESS_EXITS)} exits in a row, and not one instruction retired${hint}`);
  }
  // ------------------------------------------------------------------ events
  begin(event, e) {
    if (this.failure) throw this.raise(this.failure);
    this.event = event;
    this.exit = e;
    this.completedBy = void 0;
  }
  /** Run the pager's code: a user's exception becomes a PagerError naming the event. */
  invoke(body) {
    if (this.module.builtIn) return body();
    try {
      return body();
    } catch (error) {
      if (error instanceof PagerError || error instanceof OutOfHostMemory) throw error;
      const where = this.module.locate?.(error);
      return this.fail(this.event, `threw ${describeError(error)}${where ? ` (${where})` : ""}`);
    }
  }
  /** After a handler: its return value checked, the tables' references settled. Returns the exit name it gave. */
  endEvent(result, kind) {
    if (this.failure) throw this.raise(this.failure);
    this.tables.settle();
    this.nestedTables?.settle();
    if (isThenable(result)) this.violation("returned a Promise: pager handlers run synchronously (no async, no await)");
    if (kind === "void") {
      if (result !== void 0) this.violation(`returned ${show2(result)}; this handler returns nothing`);
      return void 0;
    }
    if (result === void 0) return void 0;
    if (typeof result !== "string" || !EXIT_NAME.test(result)) {
      this.violation(`returned ${show2(result)}; a handler returns nothing or the exit's name, a lowercase word such as 'hidden-fault'`);
    }
    return result;
  }
  /** The guest stops here: a PagerError naming the pager, the event and the guest's position. */
  fail(event, what) {
    if (!this.failure) {
      this.failure = new PagerError(this.message(event, what), this.name, event);
      this.vm.failure = this.failure.message;
      this.vm.stopped = "stopped";
    }
    throw this.raise(this.failure);
  }
  message(event, what) {
    const at = this.describeEvent(event);
    if (what.startsWith("threw ")) return `pager '${this.name}' threw on ${at}: ${what.slice(6)}`;
    if (what.startsWith("made no progress: ")) return `pager '${this.name}' made no progress on ${at}: ${what.slice("made no progress: ".length)}`;
    return `pager '${this.name}' broke the pager API on ${at}: ${what}`;
  }
  raise(error) {
    return this.context.failure ? this.context.failure(error) : error;
  }
  violation(what) {
    return this.fail(this.event, what);
  }
  /** The event in words: what the guest did, where, when. */
  describeEvent(event) {
    const e = this.exit;
    if (!e) return event === EVENT_NAMES.create ? "create (making the pager for VM " + this.vm.name + ")" : event;
    const where = `pc ${hex5(e.pc)}, instruction ${fmt(this.vm.stats.instructions + 1)}`;
    switch (e.reason) {
      case EXIT.PAGE_FAULT:
        return `${event} (${ACCESS_NAMES[e.access] ?? "access"} of va ${hex5(e.address)}, ${causeName(e.cause)}; ${where})`;
      case EXIT.EPT_VIOLATION:
        return `${event} (guest-physical ${hex5(e.guestPhys)}${e.inTableWalk ? ", a guest page table" : ""}, ${ACCESS_NAMES[e.access] ?? "access"} of va ${hex5(e.address)}; ${where})`;
      case EXIT.INVLPG:
        return `${event} (va ${hex5(e.address)}; ${where})`;
      case EXIT.CR_WRITE:
        return `${event} (value ${hex5(e.value)}; ${where})`;
      default:
        return `${event} (${where})`;
    }
  }
  // ------------------------------------------------------------------ the pager's shape
  checkShape(pager) {
    if (pager === null || typeof pager !== "object") {
      this.violation(`the factory returned ${show2(pager)}; it returns the pager: an object with translation and event handlers`);
    }
    const p = pager;
    if (p.translation !== "shadow" && p.translation !== "nested" && p.translation !== "agile") this.violation(`the pager's translation is ${show2(p.translation)}; it is 'shadow', 'nested' or 'agile'`);
    for (const handler of Object.keys(EVENT_NAMES)) {
      if (handler === "create") continue;
      if (p[handler] !== void 0 && typeof p[handler] !== "function") this.violation(`the pager's ${handler} is ${show2(p[handler])}, not a function`);
    }
    if (p.translation === "shadow" && typeof p.pageFault !== "function") this.violation("a 'shadow' pager needs a pageFault handler: the hardware walks only its tables");
    if (p.translation === "nested" && typeof p.eptViolation !== "function") this.violation("a 'nested' pager needs an eptViolation handler: guest-physical addresses it has not mapped exit there");
    if (p.translation === "agile" && (typeof p.pageFault !== "function" || typeof p.eptViolation !== "function")) {
      this.violation("an 'agile' pager needs pageFault and eptViolation handlers: the hardware walks its shadow tables and its EPT");
    }
    const mode = this.vm.mode;
    if (!this.probe && this.translation !== p.translation) {
      this.violation(`the pager's translation is '${String(p.translation)}', so its VMs run with --mode ${p.translation === "shadow" ? "shadow" : p.translation === "agile" ? "agile" : "ept"}, not ${mode}`);
    }
    return pager;
  }
  // ------------------------------------------------------------------ the hardware
  guestAsid() {
    return this.vm.cpu.cr[CR.PTBR] & this.mmu.asidMask;
  }
  loadRoot(root, options) {
    this.guard();
    const r = this.tables.setRoot(root, "loadRoot");
    this.rootLoaded = true;
    const mmu = this.mmu;
    if (this.shadowKind) {
      this.pagingOff = options?.pagingOff === true;
      if (this.agileKind && this.nested === null) this.violation("loadRoot: an agile pager loads its EPT root (vmm.nested.loadRoot) first");
      if (this.guestRootNested) {
        this.guestRootNested = false;
        this.vm.cpu.exitControls = this.exitControls;
        this.vm.cpu.vmmOwnsTranslation = true;
      }
      mmu.agile = this.agileKind;
      mmu.configure(true, r, this.vpid << 8 | this.guestAsid(), this.agileKind ? this.nested : null);
      mmu.pagingOffSpace = this.pagingOff;
      return;
    }
    if (this.nested?.root !== r) this.nested = { mode: this.format, root: r };
    mmu.agile = false;
    mmu.pagingOffSpace = false;
    mmu.configure(mmu.stage1On, mmu.stage1Root, this.vpid << 8 | this.guestAsid(), this.nested);
  }
  /** `vmm.nested.loadGuestRoot()`: an agile pager's switch at the root (pager.ts NestedServices). */
  loadGuestRoot() {
    this.guard();
    if (this.nested === null) this.violation("loadGuestRoot: load the EPT root (vmm.nested.loadRoot) first");
    this.rootLoaded = true;
    this.guestRootNested = true;
    this.pagingOff = false;
    this.tables.clearRoot();
    const cpu = this.vm.cpu;
    cpu.exitControls = NESTED_ROOT_CONTROLS;
    cpu.vmmOwnsTranslation = false;
    const mmu = this.mmu;
    mmu.agile = false;
    mmu.pagingOffSpace = false;
    mmu.configure(mmu.stage1On, mmu.stage1Root, this.vpid << 8 | this.guestAsid(), this.nested);
    cpu.syncMmuMode();
  }
  /** Whether an agile pager has switched at the root (the hardware walks the guest's PTBR fully nested). */
  get nestedAtRoot() {
    return this.guestRootNested;
  }
  switchRoot(root, options) {
    this.guard();
    if (this.guestRootNested) this.violation("switchRoot: the pager switched at the root (loadGuestRoot); load a shadow root with loadRoot first");
    if (!this.shadowKind) this.violation("switchRoot is for 'shadow' pagers (a nested pager's guest writes its own PTBR)");
    if (options === null || typeof options !== "object" || typeof options.keep !== "boolean") this.violation("switchRoot(root, { keep }) needs keep: true or false");
    const r = this.tables.setRoot(root, "switchRoot");
    this.rootLoaded = true;
    this.pagingOff = options.pagingOff === true;
    this.mmu.pagingOffSpace = this.pagingOff;
    this.mmu.writePtbr(r | this.guestAsid() | (options.keep ? PTBR_KEEP : 0));
  }
  // ------------------------------------------------------------------ completing an exit
  /** Only page-fault and EPT-violation handlers complete exits, once each. */
  completing(service) {
    this.guard();
    const e = this.exit;
    if (!e || e.reason !== EXIT.PAGE_FAULT && e.reason !== EXIT.EPT_VIOLATION) {
      this.violation(`${service} completes a page fault or an EPT violation; this is ${this.event}`);
    }
    if (this.completedBy !== void 0) this.violation(`${service}: this exit was already completed (${this.completedBy}); an exit ends one way`);
    return e;
  }
  inject(cause, badva) {
    const vm = this.vm;
    vm.vmm.faultsInjected++;
    vm.stats.cyclesVmm += this.profile.vmmInjectCycles;
    vm.cpu.deliverTrap(cause, badva);
  }
  injectFault(cause, badva) {
    this.completing("injectFault");
    if (typeof cause !== "number" || !Number.isInteger(cause) || cause < 0 || cause > CAUSE.STORE_PROTECTION_FAULT) {
      this.violation(`injectFault(${show2(cause)}): the cause is a TV32 exception, 0 to 13 (isa/README.md 5.1)`);
    }
    if (typeof badva !== "number" || !Number.isFinite(badva)) this.violation(`injectFault(${cause}, ${show2(badva)}): BADVA is a number`);
    this.inject(cause, badva | 0);
    return this.completedBy = "guest-fault";
  }
  refuse(va) {
    this.completing("refuse");
    if (typeof va !== "number" || !Number.isFinite(va)) this.violation(`refuse(${show2(va)}): the virtual address is a number`);
    this.vm.vmm.refusedAccesses++;
    this.inject(CAUSE.BUS_ERROR, va | 0);
    return this.completedBy = "guest-fault";
  }
  /**
   * The load or store at the exiting pc against the VM's devices, as the hardware would have
   * done natively (isa/README.md, "Devices"): words only, unknown registers are bus errors.
   */
  emulateMmio(guestPhys) {
    const e = this.completing("emulateMmio");
    const vm = this.vm;
    if (typeof guestPhys !== "number" || !vm.isMmio(guestPhys >>> 0)) this.violation(`emulateMmio(${typeof guestPhys === "number" ? hex5(guestPhys) : show2(guestPhys)}): not a device address (0xf0000000 to 0xf000ffff)`);
    this.completedBy = "mmio";
    const gpa = guestPhys >>> 0;
    const cpu = vm.cpu;
    const access = decodeAccess(e.word);
    if (e.access === ACCESS.FETCH || !access || access.size !== 4) {
      this.inject(CAUSE.BUS_ERROR, e.address);
      return "mmio";
    }
    vm.vmm.mmioEmulated++;
    vm.stats.cyclesVmm += this.profile.vmmEmulateCycles;
    if (access.isStore) {
      if (!vm.devices.write(gpa, cpu.regs[access.dataReg])) return this.busErrorMmio(e);
      if (gpa === DEVICE.POWER_OFF && vm.devices.poweredOff) vm.stopped = "halted";
    } else {
      const value = vm.devices.read(gpa);
      if (value === void 0) return this.busErrorMmio(e);
      if (access.dataReg !== 0) cpu.regs[access.dataReg] = value;
    }
    vm.stats.mmioAccesses++;
    vm.stats.cyclesMmio += this.profile.mmioCycles;
    cpu.retireEmulated(e.word);
    return "mmio";
  }
  busErrorMmio(e) {
    this.inject(CAUSE.BUS_ERROR, e.address);
    return "mmio";
  }
  /** A store the guest's tables allow, to a frame the pager protects: performed, and retired. */
  emulateStore(guestPhys) {
    const e = this.completing("emulateStore");
    const vm = this.vm;
    const reasonOk = e.reason === EXIT.PAGE_FAULT || this.agileKind && e.reason === EXIT.EPT_VIOLATION;
    if (!reasonOk || e.access !== ACCESS.STORE) this.violation("emulateStore: the exiting access is not a store");
    const access = decodeAccess(e.word);
    if (!access || !access.isStore) this.violation(`emulateStore: the instruction at ${hex5(e.pc)} (${hex5(e.word)}) is not a store`);
    if (typeof guestPhys !== "number" || !vm.isGuestRam(guestPhys >>> 0)) this.violation(`emulateStore(${typeof guestPhys === "number" ? hex5(guestPhys) : show2(guestPhys)}): not in guest RAM`);
    const gpa = guestPhys >>> 0;
    if (gpa % access.size !== 0) this.violation(`emulateStore(${hex5(gpa)}): a ${access.size}-byte store is aligned`);
    vm.writeSized(gpa, vm.cpu.regs[access.dataReg], access.size);
    vm.vmm.ptWritesEmulated++;
    vm.stats.cyclesVmm += this.profile.vmmEmulateCycles;
    vm.cpu.retireEmulated(e.word);
    return this.completedBy = "pt-write";
  }
  // ------------------------------------------------------------------ the services object
  /** After a failure every service refuses (a pager that caught the PagerError still stops). */
  guard() {
    if (this.failure) throw this.raise(this.failure);
    if (this.released) this.violation("the VMM discarded this pager (the VM left its design); its services are gone");
  }
  guestAddress(guestPhys, service) {
    this.guard();
    if (typeof guestPhys !== "number" || !Number.isInteger(guestPhys)) this.violation(`${service}(${show2(guestPhys)}): a guest-physical address is a whole number`);
    const gpa = guestPhys >>> 0;
    if (gpa % 4 !== 0) this.violation(`${service}(${hex5(gpa)}): the address is word-aligned`);
    return gpa;
  }
  makeServices() {
    const vm = this.vm;
    const format = Object.freeze({ name: this.format.name, levelBits: Object.freeze([...this.format.levelBits]), largeAllowed: Object.freeze([...this.format.largeAllowed]) });
    const mem = this.host.mem;
    const profile = this.profile;
    const host = this;
    const services = {
      apiVersion: PAGER_API_VERSION,
      vmName: vm.name,
      guestMemoryBytes: vm.sizeBytes,
      arch: ARCH,
      readGuestCr(crn) {
        host.guard();
        if (typeof crn !== "number" || !Number.isInteger(crn) || crn < 0 || crn > CR.INSTRETH) host.violation(`readGuestCr(${show2(crn)}): control registers are 0 to 11 (isa/README.md 4.2)`);
        return vm.cpu.readCr(crn);
      },
      isGuestRam: (guestPhys) => typeof guestPhys === "number" && vm.isGuestRam(guestPhys >>> 0),
      isMmio: (guestPhys) => typeof guestPhys === "number" && vm.isMmio(guestPhys >>> 0),
      readGuestPte(guestPhys) {
        const gpa = host.guestAddress(guestPhys, "readGuestPte");
        vm.stats.cyclesVmm += profile.vmmPteReadCycles;
        if (!vm.isGuestRam(gpa)) return void 0;
        const h = vm.backed(gpa);
        return h < 0 ? 0 : mem.i32[h >>> 2];
      },
      writeGuestPte(guestPhys, value) {
        const gpa = host.guestAddress(guestPhys, "writeGuestPte");
        if (!vm.isGuestRam(gpa)) host.violation(`writeGuestPte(${hex5(gpa)}): not in guest RAM`);
        const word = host.word(value, "writeGuestPte");
        const h = vm.writableBacking(gpa);
        const old = mem.i32[h >>> 2];
        mem.i32[h >>> 2] = word;
        mem.dirty[h >>> 12] = 1;
        vm.stats.cyclesVmm += profile.vmmPteWriteCycles;
        if (word !== old && (word | old) === word && ((word ^ old) & ~(PTE.A | PTE.D)) === 0) vm.stats.adUpdates++;
      },
      readGuestWord(guestPhys) {
        const gpa = host.guestAddress(guestPhys, "readGuestWord");
        return vm.peekWord(gpa);
      },
      writeGuestWord(guestPhys, value) {
        const gpa = host.guestAddress(guestPhys, "writeGuestWord");
        if (!vm.isGuestRam(gpa)) host.violation(`writeGuestWord(${hex5(gpa)}): not in guest RAM`);
        vm.writeWord(gpa, host.word(value, "writeGuestWord"));
      },
      backing(guestPhys) {
        host.guard();
        return typeof guestPhys === "number" ? vm.backing(guestPhys) : -1;
      },
      backed(guestPhys) {
        host.guard();
        return typeof guestPhys === "number" ? vm.resident(guestPhys >>> 0) : -1;
      },
      writableBacking(guestPhys) {
        host.guard();
        return typeof guestPhys === "number" && vm.isGuestRam(guestPhys >>> 0) ? vm.writableBacking(guestPhys >>> 0) : -1;
      },
      backGuestInRuns(frames) {
        host.guard();
        if (typeof frames !== "number" || !Number.isInteger(frames) || frames < 1 || (frames & frames - 1) !== 0 || frames > 1 << 20) {
          host.violation(`backGuestInRuns(${show2(frames)}): a run is a power of two of frames`);
        }
        vm.allocGranuleFrames = frames;
      },
      format,
      ...this.nestedTables ? { nested: this.makeNestedServices(this.nestedTables) } : {},
      allocTable(level) {
        host.guard();
        return host.tables.alloc(level);
      },
      freeTable(table) {
        host.guard();
        host.tables.free(table);
      },
      readEntry(table, index) {
        host.guard();
        return host.tables.read(table, index);
      },
      writeEntry(table, index, value) {
        host.guard();
        host.tables.write(table, index, value);
      },
      loadRoot: (root, options) => host.loadRoot(root, options),
      switchRoot: (root, options) => host.switchRoot(root, options),
      flushTlbAll() {
        host.guard();
        host.mmu.flushAll();
      },
      flushTlbPage(va) {
        host.guard();
        host.mmu.flushPage(host.number(va, "flushTlbPage"));
      },
      flushTlbRange(from, to) {
        host.guard();
        host.mmu.flushRange(host.number(from, "flushTlbRange"), host.number(to, "flushTlbRange"));
      },
      flushTlbVm() {
        host.guard();
        host.mmu.flushVpid();
      },
      injectFault: (cause, badva) => host.injectFault(cause, badva),
      refuse: (va) => host.refuse(va),
      emulateMmio: (guestPhys) => host.emulateMmio(guestPhys),
      emulateStore: (guestPhys) => host.emulateStore(guestPhys),
      costs: Object.freeze({
        pteRead: profile.vmmPteReadCycles,
        pteWrite: profile.vmmPteWriteCycles,
        emulate: profile.vmmEmulateCycles,
        inject: profile.vmmInjectCycles
      }),
      chargeVmm(cycles) {
        host.guard();
        if (typeof cycles !== "number" || !Number.isFinite(cycles) || cycles < 0) host.violation(`chargeVmm(${show2(cycles)}): cycles are a non-negative number`);
        vm.stats.cyclesVmm += cycles;
      },
      count(counter, n2 = 1) {
        host.guard();
        const field = Object.hasOwn(COUNTERS, counter) ? COUNTERS[counter] : void 0;
        if (!field) host.violation(`count(${show2(counter)}): the counters are ${Object.keys(COUNTERS).join(", ")}`);
        if (typeof n2 !== "number" || !Number.isInteger(n2)) host.violation(`count('${counter}', ${show2(n2)}): n is a whole number`);
        vm.vmm[field] += n2;
      }
    };
    return Object.freeze(services);
  }
  /** An agile pager's EPT services (`vmm.nested`): the same rules as for its shadow tables. */
  makeNestedServices(tables) {
    const host = this;
    const f = tables.format;
    const format = Object.freeze({ name: f.name, levelBits: Object.freeze([...f.levelBits]), largeAllowed: Object.freeze([...f.largeAllowed]) });
    return Object.freeze({
      format,
      allocTable(level) {
        host.guard();
        return tables.alloc(level);
      },
      freeTable(table) {
        host.guard();
        tables.free(table);
      },
      readEntry(table, index) {
        host.guard();
        return tables.read(table, index);
      },
      writeEntry(table, index, value) {
        host.guard();
        tables.write(table, index, value);
      },
      loadRoot(root) {
        host.guard();
        const r = tables.setRoot(root, "nested.loadRoot");
        if (host.nested?.root !== r) host.nested = { mode: f, root: r };
      },
      loadGuestRoot() {
        host.loadGuestRoot();
      }
    });
  }
  word(value, service) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) this.violation(`${service}: ${show2(value)} is not a 32-bit number`);
    return value | 0;
  }
  number(value, service) {
    if (typeof value !== "number" || !Number.isFinite(value)) this.violation(`${service}(${show2(value)}): an address is a number`);
    return value;
  }
};
function exitControlsOf(pager) {
  return {
    crReadExits: pager.ptbrRead ? 1 << CR.PTBR : 0,
    crWriteExits: (pager.ptbrWrite ? 1 << CR.PTBR : 0) | (pager.pagingChange ? 1 << CR.STATUS : 0),
    statusWriteMask: pager.pagingChange ? STATUS.PG : 0,
    events: (pager.pageFault ? EXIT_CONTROL.PAGE_FAULT : 0) | (pager.invlpg ? EXIT_CONTROL.INVLPG : 0) | (pager.tlbflush ? EXIT_CONTROL.TLBFLUSH : 0) | VMM_EVENTS
  };
}
function isThenable(value) {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof value.then === "function";
}
function show2(value) {
  if (value === void 0) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}\u2026` : value);
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) > 255 ? `${value} (${hex5(value)})` : String(value);
  if (typeof value === "function") return "a function";
  if (isThenable(value)) return "a Promise";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : String(value);
}
function describeError(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show2(error);
}

// hypervisor/shadow.ts
var DEFAULT_SHADOW = { cacheRoots: 16, floodThreshold: 3, sync: "wp" };
var SHADOW_PAGER = {
  name: "shadow",
  builtIn: true,
  create: (vmm, settings) => new ShadowPager(vmm, settings.shadow)
};
var PAGING_OFF2 = -1;
var FROM_SUPERPAGE2 = -2;
var FROM_PAGING_OFF2 = -3;
var NONE4 = -1;
var ShadowRoot = class {
  constructor(id, key) {
    this.id = id;
    this.key = key;
  }
  id;
  key;
  /** Host-physical address of the shadow page directory. */
  pd = 0;
  /** Per directory index: host address of the shadow page table (0 = none)... */
  pts = new Int32Array(1024);
  /** ...and the guest page table it shadows (guest-physical), or FROM_SUPERPAGE / FROM_PAGING_OFF. */
  guestPt = new Int32Array(1024).fill(NONE4);
  lastUse = 0;
};
var ShadowPager = class {
  constructor(vmm, options = DEFAULT_SHADOW) {
    this.vmm = vmm;
    this.options = options;
  }
  vmm;
  options;
  translation = "shadow";
  roots = /* @__PURE__ */ new Map();
  rootsById = /* @__PURE__ */ new Map();
  current;
  nextRootId = 1;
  tick = 0;
  /** Guest frames holding page directories, and the shadow roots built from each. */
  pdUsers = /* @__PURE__ */ new Map();
  /** Guest frames holding page tables, and the (root id << 10 | directory index) shadowing each. */
  ptUsers = /* @__PURE__ */ new Map();
  /** Per guest frame: writable shadow entries mapping it, as pairs (entry host address, va). */
  writableMaps = /* @__PURE__ */ new Map();
  shadowTables = /* @__PURE__ */ new Set();
  floodCount = /* @__PURE__ */ new Map();
  /** Guest leaf page-table frames the guest may write without exits until the next resync ('oos'). */
  unsync = /* @__PURE__ */ new Set();
  vmEntry() {
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF2 });
  }
  /**
   * Host-physical address of the shadow directory the guest's current state selects (the real
   * PTBR whenever this VM runs), without creating it; undefined before it exists. For the debugger.
   */
  get currentRootAddress() {
    return this.current?.pd;
  }
  /**
   * Every cached shadow root and what it was built from: the guest directory it shadows and,
   * per directory index, the guest page table each shadow table shadows. Read-only, for the
   * inspection model (inspect/tables.ts links shadow entries to the guest entries behind them).
   */
  shadowRoots() {
    return [...this.roots.values()].map((root) => {
      const tables = [];
      for (let i = 0; i < 1024; i++) {
        const table = root.pts[i];
        if (table === 0) continue;
        const guestPt = root.guestPt[i];
        tables.push({ index: i, table: table >>> 0, from: guestPt === FROM_SUPERPAGE2 ? "superpage" : guestPt === FROM_PAGING_OFF2 ? "paging-off" : guestPt >>> 0 });
      }
      return { directory: root.pd >>> 0, guestRoot: root.key === PAGING_OFF2 ? null : root.key >>> 0, current: root === this.current, tables };
    });
  }
  /** The real PTBR holds the shadow root: the guest reads its own value. */
  ptbrRead() {
    return this.vmm.readGuestCr(CR.PTBR);
  }
  ptbrWrite(e) {
    this.resyncAll();
    this.switchShadow((e.value & PTBR_KEEP) !== 0);
  }
  pagingChange() {
    this.switchShadow(true);
  }
  /**
   * A new guest address space (or paging turned on or off): load its shadow. The real PTBR
   * write drops this ASID's non-Global entries, as the guest's own write would natively; the
   * guest's KEEP bit passes through, the shadow being coherent with the hardware TLB.
   */
  switchShadow(keep) {
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.switchRoot(root.pd, { keep, pagingOff: root.key === PAGING_OFF2 });
  }
  invlpg(e) {
    if (this.unsync.size > 0) this.resyncPage(e.va);
    this.flushGuestPage(e.va);
    return "invlpg";
  }
  tlbflush() {
    this.resyncAll();
    this.vmm.flushTlbAll();
    return "tlbflush";
  }
  // ------------------------------------------------------------------ faults
  pageFault(e) {
    const vmm = this.vmm;
    const va = e.va;
    const access = e.access;
    const walk = this.walkGuest(va);
    if (walk.status === "bus-error") return vmm.injectFault(CAUSE.BUS_ERROR, va);
    if (walk.status === "not-present") return vmm.injectFault(vmm.arch.notPresentCause(access), va);
    if (!vmm.arch.permits(walk.leaf, access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(access), va);
    this.setAccessedDirty(walk, access === ACCESS.STORE);
    const gpa = walk.guestPhys;
    if (vmm.isMmio(gpa)) return vmm.emulateMmio(gpa);
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(va);
    if (access === ACCESS.STORE && this.isProtected(gpa >>> 12)) {
      if (this.options.sync !== "oos" || this.pdUsers.has(gpa >>> 12)) return this.emulatePageTableWrite(gpa);
      this.unsync.add(gpa >>> 12);
      vmm.count("ptUnsyncs");
      this.fill(va, walk);
      return "pt-unsync";
    }
    this.fill(va, walk);
    return "hidden-fault";
  }
  /** Walk the guest's tables in software, as the hardware would natively. */
  walkGuest(va) {
    const vmm = this.vmm;
    if (!(vmm.readGuestCr(CR.STATUS) & STATUS.PG)) {
      return { status: "ok", leaf: PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, leafAddr: -1, guestPhys: va, guestPt: FROM_PAGING_OFF2 };
    }
    const root = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
    const pdeAddr = root + (va >>> 22) * 4 >>> 0;
    const pde = this.readGuestEntry(pdeAddr);
    if (pde === void 0) return { status: "bus-error", leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE4 };
    this.floodCount.delete(root >>> 12);
    if (!(pde & PTE.V)) return { status: "not-present", leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE4 };
    if (pde & PTE.L) {
      if (pde & 4190208) return { status: "not-present", leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE4 };
      const gpa2 = (pde & 4290772992 | va & 4194303) >>> 0;
      return { status: "ok", leaf: pde, leafAddr: pdeAddr, guestPhys: gpa2, guestPt: FROM_SUPERPAGE2 };
    }
    const pt = (pde & PTE.FRAME_MASK) >>> 0;
    const pteAddr = pt + (va >>> 12 & 1023) * 4 >>> 0;
    const pte = this.readGuestEntry(pteAddr);
    if (pte === void 0) return { status: "bus-error", leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE4 };
    this.floodCount.delete(pt >>> 12);
    if (!(pte & PTE.V)) return { status: "not-present", leaf: pte, leafAddr: pteAddr, guestPhys: 0, guestPt: pt };
    const gpa = (pte & PTE.FRAME_MASK | va & 4095) >>> 0;
    return { status: "ok", leaf: pte, leafAddr: pteAddr, guestPhys: gpa, guestPt: pt };
  }
  /** One guest page-table entry, read by the VMM; undefined outside guest RAM (a bus error natively). */
  readGuestEntry(guestPhys) {
    return this.vmm.readGuestPte(guestPhys);
  }
  setAccessedDirty(walk, isStore) {
    if (walk.leafAddr < 0) return;
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((walk.leaf & want) === want) return;
    walk.leaf |= want;
    this.vmm.writeGuestPte(walk.leafAddr, walk.leaf);
  }
  // ------------------------------------------------------------------ filling the shadow
  /** Install the shadow entry for va from a successful guest walk. */
  fill(va, walk) {
    const root = this.current;
    const pdIndex = va >>> 22;
    const ptIndex = va >>> 12 & 1023;
    if (root.pts[pdIndex] !== 0 && root.guestPt[pdIndex] !== walk.guestPt) this.zapDirectoryEntry(root, pdIndex);
    let table = root.pts[pdIndex];
    if (table === 0) {
      table = this.allocTable(1);
      root.pts[pdIndex] = table;
      root.guestPt[pdIndex] = walk.guestPt;
      this.vmm.writeEntry(root.pd, pdIndex, table | PTE.V);
      if (walk.guestPt >= 0) this.addUser(this.ptUsers, walk.guestPt >>> 12, root.id << 10 | pdIndex);
    }
    const gpaFrame = walk.guestPhys >>> 12;
    const hostFrame = this.vmm.backing(gpaFrame * PAGE_SIZE);
    const leaf = walk.leaf;
    const writable = (leaf & PTE.W) !== 0 && (leaf & PTE.D) !== 0 && !this.isProtected(gpaFrame);
    const global = walk.guestPt === FROM_PAGING_OFF2 ? 0 : leaf & PTE.G;
    const entry = hostFrame | PTE.V | PTE.A | PTE.D | leaf & (PTE.X | PTE.U) | global | (writable ? PTE.W : 0);
    const entryAddr = table + ptIndex * 4;
    this.vmm.writeEntry(table, ptIndex, entry);
    if (writable) {
      let list = this.writableMaps.get(gpaFrame);
      if (!list) this.writableMaps.set(gpaFrame, list = []);
      list.push(entryAddr, (va & ~4095) >>> 0);
    }
  }
  /** A shadow directory (level 0) or page table (level 1). */
  allocTable(level) {
    const table = this.vmm.allocTable(level);
    this.shadowTables.add(table);
    return table;
  }
  freeTable(table) {
    this.shadowTables.delete(table);
    this.vmm.freeTable(table);
  }
  addUser(users, frame, user2) {
    const wasProtected = this.isProtected(frame);
    let set = users.get(frame);
    if (!set) users.set(frame, set = /* @__PURE__ */ new Set());
    set.add(user2);
    if (!wasProtected) this.writeProtect(frame);
  }
  removeUser(users, frame, user2) {
    const set = users.get(frame);
    if (!set) return;
    set.delete(user2);
    if (set.size === 0) users.delete(frame);
  }
  isProtected(gpaFrame) {
    return this.pdUsers.has(gpaFrame) || this.ptUsers.has(gpaFrame) && !this.unsync.has(gpaFrame);
  }
  /**
   * The guest's invlpg: the hardware TLB holds a guest superpage as the 4 KiB pieces of the
   * shadow table that splits it, so drop all of them (isa/README.md 6.4: the superpage that
   * contains va). In wp mode the directory write that changed the superpage has already dropped
   * them; this keeps the rule true whatever the sync design.
   */
  flushGuestPage(va) {
    const pdIndex = va >>> 22;
    for (const root of this.roots.values()) {
      if (root.guestPt[pdIndex] === FROM_SUPERPAGE2) {
        this.vmm.flushTlbRange(pdIndex * 4194304, (pdIndex + 1) * 4194304);
        return;
      }
    }
    this.vmm.flushTlbPage(va);
  }
  // ------------------------------------------------------------------ out-of-sync tables
  /** invlpg: drop the shadow entries for va that come from an out-of-sync guest table. */
  resyncPage(va) {
    const pdIndex = va >>> 22;
    const ptIndex = va >>> 12 & 1023;
    for (const root of this.roots.values()) {
      const table = root.pts[pdIndex];
      const guestPt = root.guestPt[pdIndex];
      if (table === 0 || guestPt < 0 || !this.unsync.has(guestPt >>> 12)) continue;
      this.vmm.writeEntry(table, ptIndex, 0);
    }
  }
  /**
   * PTBR write or tlbflush: compare every out-of-sync table with its shadows, drop the shadow
   * entries the guest's entries no longer justify, and write-protect the tables again.
   */
  resyncAll() {
    if (this.unsync.size === 0) return;
    const vmm = this.vmm;
    for (const frame of this.unsync) {
      for (const user2 of this.ptUsers.get(frame) ?? []) {
        const root = this.rootsById.get(user2 >>> 10);
        const table = root.pts[user2 & 1023];
        if (table === 0) continue;
        for (let i = 0; i < 1024; i++) {
          const shadow = vmm.readEntry(table, i);
          if (!(shadow & PTE.V)) continue;
          const guest = this.readGuestEntry(frame * PAGE_SIZE + i * 4) ?? 0;
          if (!this.stillJustified(shadow, guest)) vmm.writeEntry(table, i, 0);
        }
      }
    }
    const frames = [...this.unsync];
    this.unsync.clear();
    for (const frame of frames) this.writeProtect(frame);
    vmm.count("ptResyncs");
    vmm.flushTlbVm();
  }
  /** Does the guest entry still justify the shadow entry built from it (same frame, no more rights, A and D as needed)? */
  stillJustified(shadow, guest) {
    if (!(guest & PTE.V) || !(guest & PTE.A)) return false;
    const host = this.vmm.backed((guest & PTE.FRAME_MASK) >>> 0);
    if (host < 0 || host !== (shadow & PTE.FRAME_MASK) >>> 0) return false;
    if (shadow & PTE.U && !(guest & PTE.U)) return false;
    if (shadow & PTE.X && !(guest & PTE.X)) return false;
    if (shadow & PTE.W && (!(guest & PTE.W) || !(guest & PTE.D))) return false;
    return true;
  }
  /** A guest frame became a page table: take write access away from every shadow mapping of it. */
  writeProtect(gpaFrame) {
    const list = this.writableMaps.get(gpaFrame);
    if (!list) return;
    this.writableMaps.delete(gpaFrame);
    const vmm = this.vmm;
    const hostFrame = vmm.backed(gpaFrame * PAGE_SIZE);
    for (let i = 0; i < list.length; i += 2) {
      const entryAddr = list[i];
      const table = (entryAddr & ~4095) >>> 0;
      const index = (entryAddr & 4095) >>> 2;
      if (!this.shadowTables.has(table)) continue;
      const entry = vmm.readEntry(table, index);
      if (entry & PTE.V && entry & PTE.W && (entry & PTE.FRAME_MASK) >>> 0 === hostFrame) {
        vmm.writeEntry(table, index, entry & ~PTE.W);
        vmm.flushTlbPage(list[i + 1]);
      }
    }
  }
  // ------------------------------------------------------------------ guest page-table writes
  /** A guest store to one of its own page tables: do it, then drop the shadow entries it affects. */
  emulatePageTableWrite(gpa) {
    this.vmm.emulateStore(gpa);
    const frame = gpa >>> 12;
    this.syncTableWrite(frame, (gpa & 4095) >>> 2);
    const writes = (this.floodCount.get(frame) ?? 0) + 1;
    this.floodCount.set(frame, writes);
    if (writes >= this.options.floodThreshold) this.unshadow(frame);
    return "pt-write";
  }
  /** Entry `index` of guest frame `frame` changed: drop what the shadows built from it. */
  syncTableWrite(frame, index) {
    for (const root of [...this.pdUsers.get(frame) ?? []]) this.zapDirectoryEntry(root, index);
    for (const user2 of [...this.ptUsers.get(frame) ?? []]) {
      const root = this.rootsById.get(user2 >>> 10);
      const pdIndex = user2 & 1023;
      const table = root.pts[pdIndex];
      if (table === 0) continue;
      this.vmm.writeEntry(table, index, 0);
      this.vmm.flushTlbPage((pdIndex << 22 | index << 12) >>> 0);
    }
  }
  /** Drop the shadow page table under one directory entry of a shadow root. */
  zapDirectoryEntry(root, pdIndex) {
    const table = root.pts[pdIndex];
    if (table === 0) return;
    const guestPt = root.guestPt[pdIndex];
    if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, root.id << 10 | pdIndex);
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = NONE4;
    this.vmm.writeEntry(root.pd, pdIndex, 0);
    this.freeTable(table);
    this.vmm.flushTlbRange(pdIndex * 4194304, (pdIndex + 1) * 4194304);
  }
  /** Stop shadowing a frame the guest keeps writing (it is most likely not a page table any more). */
  unshadow(frame) {
    this.floodCount.delete(frame);
    for (const user2 of [...this.ptUsers.get(frame) ?? []]) {
      this.zapDirectoryEntry(this.rootsById.get(user2 >>> 10), user2 & 1023);
    }
    for (const root of [...this.pdUsers.get(frame) ?? []]) {
      if (root !== this.current) this.dropRoot(root);
    }
    this.vmm.count("unshadowed");
  }
  // ------------------------------------------------------------------ the root cache
  rootForGuestState() {
    const vmm = this.vmm;
    const key = vmm.readGuestCr(CR.STATUS) & STATUS.PG ? (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0 : PAGING_OFF2;
    let root = this.roots.get(key);
    if (!root) root = this.createRoot(key);
    root.lastUse = ++this.tick;
    return root;
  }
  createRoot(key) {
    while (this.roots.size >= Math.max(1, this.options.cacheRoots)) {
      let victim;
      for (const r of this.roots.values()) if (r !== this.current && (!victim || r.lastUse < victim.lastUse)) victim = r;
      if (!victim) break;
      this.dropRoot(victim);
      this.vmm.count("shadowRootsReclaimed");
    }
    const root = new ShadowRoot(this.nextRootId++, key);
    root.pd = this.allocTable(0);
    this.roots.set(key, root);
    this.rootsById.set(root.id, root);
    this.vmm.count("shadowRootsCreated");
    if (key !== PAGING_OFF2) this.addUser(this.pdUsers, key >>> 12, root);
    return root;
  }
  dropRoot(root) {
    for (let i = 0; i < 1024; i++) {
      const table = root.pts[i];
      if (table === 0) continue;
      const guestPt = root.guestPt[i];
      if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, root.id << 10 | i);
      this.freeTable(table);
    }
    if (root.key !== PAGING_OFF2) this.removeUser(this.pdUsers, root.key >>> 12, root);
    this.freeTable(root.pd);
    this.roots.delete(root.key);
    this.rootsById.delete(root.id);
    this.vmm.flushTlbVm();
  }
};

// hypervisor/vmstats.ts
var VmmStats = class {
  exitsTotal = 0;
  /** By the VMM's classification of the exit (ptbr-write, hidden-fault, pt-write, mmio, …). */
  exitsByReason = /* @__PURE__ */ new Map();
  /** Shadow fills: faults the guest never saw. */
  faultsHidden = 0;
  /** Faults the VMM handed to the guest as they would happen natively. */
  faultsInjected = 0;
  /** Guest stores to write-protected page tables, emulated by the VMM. */
  ptWritesEmulated = 0;
  /** Page-table frames the VMM stopped protecting after a burst of writes (KVM's write flooding). */
  unshadowed = 0;
  /** 'oos' sync: leaf tables let go out of sync, and resyncs of all of them. */
  ptUnsyncs = 0;
  ptResyncs = 0;
  mmioEmulated = 0;
  /** Shadow roots created, and dropped by the cache limit. */
  shadowRootsCreated = 0;
  shadowRootsReclaimed = 0;
  /** Host frames holding this VM's shadow tables: now and at the peak. */
  shadowPages = 0;
  shadowPeakPages = 0;
  /** Host frames holding this VM's EPT. */
  eptPages = 0;
  /** Host frames backing guest memory. */
  guestFrames = 0;
  /** Guest attempts to reach guest-physical addresses outside its memory (answered with a bus error). */
  refusedAccesses = 0;
  /** TLB flushes the host did when switching to this VM (no VPIDs). */
  vmSwitchFlushes = 0;
  /** Dynamic mode (dynamic.ts): its switches and policy windows; null in the other modes. */
  dynamic = null;
  /** The paravirtual MMU (pv.ts): hypercalls, batches, validation failures; null in the other modes. */
  pv = null;
  /** Agile paging (agile.ts): tables moved between shadow and nested mode, windows, dirty samples; null in the other modes. */
  agile = null;
  /** Content-based page sharing (sharing.ts): scans, merges, copy-on-write breaks; null when it is off. */
  sharing = null;
  /** Host swapping (swap.ts): pages out and in; null when it is off. */
  swap = null;
  /** Ballooning (balloon.ts): frames in the balloon, hypercalls, touches of given frames; null when it is off. */
  balloon = null;
  /** Dirty logging (dirty-log.ts): pages logged, its exits, harvests, cycles; null when it is off. */
  dirtyLog = null;
  /** Pre-copy live migration (migration.ts): rounds, pages, time, downtime; null when it is off. */
  migration = null;
  countExit(reason) {
    this.exitsTotal++;
    this.exitsByReason.set(reason, (this.exitsByReason.get(reason) ?? 0) + 1);
  }
  addShadowPages(delta) {
    this.shadowPages += delta;
    if (this.shadowPages > this.shadowPeakPages) this.shadowPeakPages = this.shadowPages;
  }
  toJSON() {
    return {
      exits: { total: this.exitsTotal, byReason: Object.fromEntries([...this.exitsByReason].sort()) },
      faults: { hidden: this.faultsHidden, injected: this.faultsInjected },
      emulated: { ptWrites: this.ptWritesEmulated, mmio: this.mmioEmulated },
      shadow: {
        pages: this.shadowPages,
        peakPages: this.shadowPeakPages,
        rootsCreated: this.shadowRootsCreated,
        rootsReclaimed: this.shadowRootsReclaimed,
        unshadowed: this.unshadowed,
        unsyncs: this.ptUnsyncs,
        resyncs: this.ptResyncs
      },
      ept: { pages: this.eptPages },
      guestFrames: this.guestFrames,
      refusedAccesses: this.refusedAccesses,
      vmSwitchFlushes: this.vmSwitchFlushes,
      ...this.dynamic ? { dynamic: { ...this.dynamic } } : {},
      ...this.pv ? { pv: this.pv.toJSON() } : {},
      ...this.agile ? { agile: { ...this.agile } } : {},
      ...this.sharing ? { sharing: { ...this.sharing } } : {},
      ...this.swap ? { swap: { ...this.swap } } : {},
      ...this.balloon ? { balloon: { ...this.balloon } } : {},
      ...this.dirtyLog ? { dirtyLog: { ...this.dirtyLog } } : {},
      ...this.migration ? { migration: { ...this.migration, pagesPerRound: [...this.migration.pagesPerRound] } } : {}
    };
  }
};
function emptyDynamicStats() {
  return { switches: 0, toShadow: 0, toNested: 0, forced: 0, windows: 0, switchCycles: 0, shadowTablesDropped: 0, instructionsShadow: 0, instructionsNested: 0 };
}

// hypervisor/dynamic.ts
var DEFAULT_DYNAMIC = {
  start: "ept",
  policy: "cost",
  window: 5e4,
  margin: 20,
  hysteresis: 2,
  switchAt: [],
  randomEvery: 0,
  seed: 1
};
var MAX_DYNAMIC_WINDOW = 1e9;
function checkDynamicOptions(o) {
  const bad = (option, message) => ({ option, message });
  if (o.start !== "shadow" && o.start !== "ept") return bad("start", `takes shadow or ept (got '${String(o.start)}')`);
  if (o.policy !== "cost" && o.policy !== "off") return bad("policy", `takes cost or off (got '${String(o.policy)}')`);
  if (!Number.isSafeInteger(o.window) || o.window < 1e3 || o.window > MAX_DYNAMIC_WINDOW) return bad("window", `takes 1000 to ${MAX_DYNAMIC_WINDOW} guest instructions (got ${o.window})`);
  if (!Number.isFinite(o.margin) || o.margin < 0 || o.margin > 100) return bad("margin", `takes a percentage, 0 to 100 (got ${o.margin})`);
  if (!Number.isSafeInteger(o.hysteresis) || o.hysteresis < 1 || o.hysteresis > 1e3) return bad("hysteresis", `takes 1 to 1000 windows (got ${o.hysteresis})`);
  if (!Number.isSafeInteger(o.randomEvery) || o.randomEvery < 0 || o.randomEvery > MAX_DYNAMIC_WINDOW) return bad("randomEvery", `takes 1 to ${MAX_DYNAMIC_WINDOW} instructions, or 0 for no random switches (got ${o.randomEvery})`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 4294967295) return bad("seed", `takes 0 to 4294967295 (got ${o.seed})`);
  for (let i = 0; i < o.switchAt.length; i++) {
    const at = o.switchAt[i];
    if (!Number.isSafeInteger(at) || at < 1) return bad("switchAt", `takes instruction counts of at least 1 (got ${at})`);
    if (i > 0 && at <= o.switchAt[i - 1]) return bad("switchAt", `takes counts in ascending order (${o.switchAt[i - 1]} then ${at})`);
  }
  return void 0;
}
var SWITCH_LOG_SIZE = 4096;
var COMMON_REASONS = ["mmio", "wfi", "hcall", "dynamic-sample", "dynamic-switch"];
var SAMPLE_EXIT = "preemption-timer";
var DynamicPaging = class {
  constructor(vm, context, settings, options, profile) {
    this.vm = vm;
    this.context = context;
    this.settings = settings;
    this.options = options;
    this.profile = profile;
    const problem = checkDynamicOptions(options);
    if (problem) throw new RangeError(`dynamic ${problem.option} ${problem.message}`);
    this.nestedHost = new PagerHost(vm, context, EPT_PAGER, settings, false, "nested");
    this.current = this.hostFor(options.start === "shadow" ? "shadow" : "nested");
    vm.vmm.dynamic = this.stats;
    this.rng = (options.seed ^ 2654435769) >>> 0 || 1;
    this.windowEnd = options.window;
    if (options.randomEvery > 0) this.nextRandom = this.randomStep(0);
    this.start = this.read();
    this.plan();
  }
  vm;
  context;
  settings;
  options;
  profile;
  /** The PagerHost of the design the VM runs in now. */
  current;
  shadowHost;
  nestedHost;
  stats = emptyDynamicStats();
  /** The next instruction count at which the VMM must call `checkpoint`. */
  nextAt = Infinity;
  windowEnd;
  forcedIndex = 0;
  nextRandom = Infinity;
  rng;
  start;
  votes = 0;
  /** The window after a switch measures the new design's warm-up: it is not judged. */
  warmingUp = false;
  designSince = 0;
  // Calibration, cumulative over the windows measured in each design.
  shadowCycles = 0;
  shadowEvents = 0;
  nestedCycles = 0;
  nestedMisses = 0;
  /** The last window judged (for the debugger and tests). */
  lastWindow;
  /** The switches so far, oldest first (the first SWITCH_LOG_SIZE; the exit log keeps only recent exits). */
  switchLog = [];
  /** Every PagerHost of the VM holding tables now (the EPT's is kept while the VM runs shadowed). */
  hosts() {
    return this.shadowHost ? [this.nestedHost, this.shadowHost] : [this.nestedHost];
  }
  /** How the hardware translates now. */
  get translation() {
    return this.current.translation;
  }
  /** The VM has retired `nextAt` instructions (or more): force a switch, or judge a window. `vpid` is the VM's. */
  checkpoint(vpid) {
    const now = this.vm.stats.instructions;
    if (now < this.nextAt) return;
    let forced = false;
    while (this.forcedIndex < this.options.switchAt.length && this.options.switchAt[this.forcedIndex] <= now) {
      this.forcedIndex++;
      forced = true;
    }
    while (this.nextRandom <= now) {
      this.nextRandom = this.randomStep(this.nextRandom);
      forced = true;
    }
    if (forced) {
      this.switchTo(this.other(), vpid, true, "forced by the test hook");
      this.windowEnd = now + this.options.window;
    } else if (now >= this.windowEnd) {
      this.judge(vpid);
      this.windowEnd = now + this.options.window;
    }
    this.plan();
  }
  /** Bring the per-design instruction counts up to date (the VMM calls this when a slice ends). */
  account() {
    const now = this.vm.stats.instructions;
    if (this.current.translation === "shadow") this.stats.instructionsShadow += now - this.designSince;
    else this.stats.instructionsNested += now - this.designSince;
    this.designSince = now;
  }
  /** Isolation audit of both designs' tables. */
  audit() {
    return [...this.shadowHost?.audit() ?? [], ...this.nestedHost.audit()];
  }
  // ------------------------------------------------------------------ the policy
  judge(vpid) {
    const { exitCycles, eptCycles, misses, events } = pagingCost(this.start, this.read(), this.profile);
    const design = this.current.translation;
    let measured;
    let estimate;
    if (design === "shadow") {
      measured = exitCycles;
      estimate = misses * this.nestedCyclesPerMiss();
      if (!this.warmingUp) {
        this.shadowCycles += measured;
        this.shadowEvents += events;
      }
    } else {
      measured = exitCycles + eptCycles;
      estimate = events * this.shadowCyclesPerEvent();
      if (!this.warmingUp) {
        this.nestedCycles += measured;
        this.nestedMisses += misses;
      }
    }
    this.stats.windows++;
    const fixed = this.switchFixedCycles();
    const vote = !this.warmingUp && this.options.policy === "cost" && estimate < measured * (1 - this.options.margin / 100) && measured - estimate > fixed;
    this.lastWindow = { design, measured, estimate, vote };
    this.votes = vote ? this.votes + 1 : 0;
    const other = this.other();
    const detail = `${design === "shadow" ? "shadow" : "ept"} cost ${fmt2(measured)} cycles, ${other === "shadow" ? "shadow" : "ept"} estimate ${fmt2(estimate)}`;
    if (this.votes >= this.options.hysteresis) {
      this.switchTo(other, vpid, false, `policy: ${detail} over ${this.options.hysteresis} window${this.options.hysteresis === 1 ? "" : "s"}`);
      return;
    }
    this.warmingUp = false;
    this.sampleExit("dynamic-sample", `window ${this.stats.windows}: ${detail}${vote ? ` (vote ${this.votes} of ${this.options.hysteresis})` : ""}`);
    this.start = this.read();
  }
  /** Cycles a shadow pager spends per guest page-table event, as measured; before any, two exits' worth. */
  shadowCyclesPerEvent() {
    if (this.shadowEvents >= 16) return this.shadowCycles / this.shadowEvents;
    const p = this.profile;
    return 2 * (p.vmExitCycles + p.vmEntryCycles + p.vmmHandlerCycles);
  }
  /** EPT cycles per TLB miss, as measured; before any, the 2-D walk's extra references. */
  nestedCyclesPerMiss() {
    if (this.nestedMisses >= 16) return this.nestedCycles / this.nestedMisses;
    const guestLevels = 2;
    return (guestLevels + 1) * this.settings.ept.levels * this.profile.walkRefCycles;
  }
  /** What every switch costs whatever it drops: the exit, the VMM's reconfiguration of the VM, the TLB flush. */
  switchFixedCycles() {
    const p = this.profile;
    return p.vmExitCycles + p.vmEntryCycles + 2 * p.vmmHandlerCycles + p.tlbMaintenanceCycles;
  }
  read() {
    return readPagingCounters(this.vm, COMMON_REASONS);
  }
  // ------------------------------------------------------------------ switching
  other() {
    return this.current.translation === "shadow" ? "nested" : "shadow";
  }
  hostFor(translation) {
    if (translation === "nested") return this.nestedHost;
    this.shadowHost = new PagerHost(this.vm, this.context, SHADOW_PAGER, this.settings, false, "shadow");
    return this.shadowHost;
  }
  /** Move the VM to `target`: the old design's state goes (or stays, the EPT), the TLB is flushed, the VM re-entered. */
  switchTo(target, vpid, forced, why) {
    this.account();
    const from = this.current.translation;
    const p = this.profile;
    const vm = this.vm;
    const cyclesBefore = vm.stats.cyclesExit + vm.stats.cyclesVmm;
    vm.stats.cyclesExit += p.vmExitCycles + p.vmEntryCycles;
    vm.stats.cyclesVmm += 2 * p.vmmHandlerCycles + p.tlbMaintenanceCycles;
    this.context.mmu.flushVpid();
    let dropped = "";
    if (from === "shadow" && this.shadowHost) {
      const { tables, entries } = this.shadowHost.release();
      vm.stats.cyclesVmm += entries * p.vmmPteWriteCycles;
      this.stats.shadowTablesDropped += tables;
      this.shadowHost = void 0;
      dropped = `, ${tables} shadow table${tables === 1 ? "" : "s"} (${entries} entries) dropped`;
    }
    this.current = this.hostFor(target);
    this.current.enter(vpid);
    vm.cpu.syncMmuMode();
    this.stats.switches++;
    if (target === "shadow") this.stats.toShadow++;
    else this.stats.toNested++;
    if (forced) this.stats.forced++;
    const cycles = vm.stats.cyclesExit + vm.stats.cyclesVmm - cyclesBefore;
    this.stats.switchCycles += cycles;
    if (this.switchLog.length < SWITCH_LOG_SIZE) this.switchLog.push({ instructions: vm.stats.instructions, from, to: target, forced, cycles });
    this.votes = 0;
    this.warmingUp = true;
    const name = (t2) => t2 === "shadow" ? "shadow" : "ept";
    vm.vmm.countExit("dynamic-switch");
    vm.recordExit({
      instructions: vm.stats.instructions,
      pc: vm.cpu.pc >>> 0,
      hardware: SAMPLE_EXIT,
      reason: "dynamic-switch",
      detail: `${name(from)} \u2192 ${name(target)} (${why}${dropped})`
    });
    this.start = this.read();
  }
  /** A window ended without a switch: the timer exit that ended it, charged and logged. */
  sampleExit(reason, detail) {
    const vm = this.vm;
    vm.stats.cyclesExit += this.profile.vmExitCycles + this.profile.vmEntryCycles;
    vm.stats.cyclesVmm += this.profile.vmmHandlerCycles;
    vm.vmm.countExit(reason);
    vm.recordExit({ instructions: vm.stats.instructions, pc: vm.cpu.pc >>> 0, hardware: SAMPLE_EXIT, reason, detail });
  }
  plan() {
    const forced = this.forcedIndex < this.options.switchAt.length ? this.options.switchAt[this.forcedIndex] : Infinity;
    const windowEnd = this.options.policy === "cost" ? this.windowEnd : Infinity;
    this.nextAt = Math.min(windowEnd, forced, this.nextRandom);
  }
  /** The next random switch after `from`: uniform in [1, 2 * randomEvery] instructions later (xorshift32). */
  randomStep(from) {
    const x = this.rng = xorshift32(this.rng);
    return from + 1 + x % (2 * this.options.randomEvery);
  }
};
var fmt2 = (n2) => Math.round(n2).toLocaleString("en-US");

// hypervisor/pv-abi.ts
var HC = {
  /** a0 = guest-physical address of a list of (PTE guest-physical address, new value) pairs, a1 = count. */
  MMU_UPDATE: 1,
  /** a0 = the new PTBR value (root, ASID, KEEP), as `mtcr ptbr` takes it. */
  SET_PTBR: 2,
  /** a0 = a virtual address: `invlpg` of it. */
  INVLPG: 3,
  /** `tlbflush`. */
  TLBFLUSH: 4,
  /** a0 = guest-physical address of a frame, a1 = level (1: a page directory, 0: a page table): validate it and pin it as that type. */
  PIN_TABLE: 5,
  /** a0 = guest-physical address of a pinned frame: drop the pin (the frame is data again once nothing else refers to it). */
  UNPIN_TABLE: 6,
  /** a0 = guest-physical address of a list of entries of four words (number, arg0, arg1, result), a1 = count. */
  MULTICALL: 7,
  /** Ballooning (any mode but pv and agile, when the VMM balloons; isa/README.md 3.8.2): a0 = 0, a1 = frames to give (> 0) or take back (< 0). */
  BALLOON_TARGET: 16,
  /** a0 = guest-physical address of a free frame the guest gives to the VMM: a0 = 0 or an error. */
  BALLOON_INFLATE: 17,
  /** a0 = guest-physical address of a frame the VMM gives back (unbacked, it reads 0), or 0 when it holds none. */
  BALLOON_DEFLATE: 18
};
var HC_NAMES = /* @__PURE__ */ new Map([
  [HC.MMU_UPDATE, "mmu-update"],
  [HC.SET_PTBR, "set-ptbr"],
  [HC.INVLPG, "invlpg"],
  [HC.TLBFLUSH, "tlbflush"],
  [HC.PIN_TABLE, "pin-table"],
  [HC.UNPIN_TABLE, "unpin-table"],
  [HC.MULTICALL, "multicall"],
  [HC.BALLOON_TARGET, "balloon-target"],
  [HC.BALLOON_INFLATE, "balloon-inflate"],
  [HC.BALLOON_DEFLATE, "balloon-deflate"]
]);
var HC_ERR = {
  /** No such hypercall (or one a multicall may not contain: multicall itself). */
  ENOSYS: -1,
  /** A malformed request: a misaligned address, a count over the limit, a level that is not 0 or 1, a misaligned superpage, a table entry in a frame that is not a pinned table. */
  EINVAL: -2,
  /** A list (of an mmu_update or multicall) that is not wholly in guest RAM. */
  EFAULT: -3,
  /** A frame the guest does not own: outside its RAM (and not its device window). */
  EPERM: -4,
  /** A type conflict: a writable mapping of a page table, a table made of a frame with writable mappings or of the other type, unpinning what is not pinned. */
  EBUSY: -5
};
var HC_ERROR_NAMES = new Map(Object.entries(HC_ERR).map(([name, value]) => [value, name]));
var MAX_BATCH = 512;

// hypervisor/pv.ts
var PV_PAGER = {
  name: "pv",
  builtIn: true,
  create: (vmm) => new PvPager(vmm)
};
var PV_SCAN_ENTRY_CYCLES = 1;
var ENTRIES = 1024;
var SUPER_FRAME_MASK = 4290772992;
var SPLIT_KEY_MASK = SUPER_FRAME_MASK | PTE.W | PTE.X | PTE.U | PTE.G;
var PvStats = class {
  hypercalls = /* @__PURE__ */ new Map();
  /** mmu_update batches with a valid list, and the entries they carried (applied or not). */
  batches = 0;
  updates = 0;
  largestBatch = 0;
  /** Entries applied, tables validated (typed), and by error name the requests refused. */
  applied = 0;
  tablesValidated = 0;
  failures = /* @__PURE__ */ new Map();
  /** Guest stores to a page table through a writable superpage, refused with a protection fault. */
  writesRefused = 0;
  /** Hidden faults: the lazily split superpages and the paging-off identity map being filled. */
  fills = 0;
  toJSON() {
    const sorted = (m) => Object.fromEntries([...m].sort());
    return {
      hypercalls: sorted(this.hypercalls),
      batches: this.batches,
      updates: this.updates,
      updatesPerBatch: this.batches === 0 ? 0 : Math.round(this.updates / this.batches * 100) / 100,
      largestBatch: this.largestBatch,
      applied: this.applied,
      tablesValidated: this.tablesValidated,
      failures: sorted(this.failures),
      writesRefused: this.writesRefused,
      fills: this.fills
    };
  }
};
var PvPager = class {
  constructor(vmm) {
    this.vmm = vmm;
    this.frames = vmm.guestMemoryBytes / PAGE_SIZE;
    this.type = new Uint8Array(this.frames);
    this.typeRefs = new Int32Array(this.frames);
    this.pins = new Int32Array(this.frames);
    this.writable = new Int32Array(this.frames);
  }
  vmm;
  translation = "shadow";
  stats = new PvStats();
  frames;
  type;
  /** References holding each frame's type. */
  typeRefs;
  /** Explicit pins (pin_table) of each frame. */
  pins;
  /** Writable 4 KiB mappings of each frame, in validated page tables. */
  writable;
  /** The real table of each typed frame (host-physical). */
  real = /* @__PURE__ */ new Map();
  splits = /* @__PURE__ */ new Map();
  splitTables = /* @__PURE__ */ new Set();
  /** Real directories' split-table entries per directory index (so invlpg knows a superpage). */
  splitAt = new Int32Array(ENTRIES);
  /** The guest directory the loaded PTBR holds a reference on (-1: none, or its root failed validation). */
  ptbrFrame = -1;
  pagingOffRoot = -1;
  pagingOffTables = new Int32Array(ENTRIES);
  /** An empty real directory: the translation of a guest PTBR whose root failed validation. */
  emptyRoot = -1;
  inMulticall = false;
  // ------------------------------------------------------------------ hardware events
  vmEntry() {
    const { root, pagingOff } = this.currentRoot();
    this.vmm.loadRoot(root, { pagingOff });
  }
  ptbrRead() {
    return this.vmm.readGuestCr(CR.PTBR);
  }
  /** A plain `mtcr ptbr` is taken as set_ptbr (the VMM has written the guest's PTBR already). */
  ptbrWrite(e) {
    const problem = this.canTakeRoot(e.value);
    if (problem !== 0) this.counted(problem);
    this.moveRoot(problem === 0 ? (e.value & PTBR_ROOT_MASK) >>> 0 >>> 12 : -1);
    this.switchRoot((e.value & PTBR_KEEP) !== 0);
  }
  pagingChange() {
    this.switchRoot(true);
  }
  invlpg(e) {
    this.flushPage(e.va);
    return "invlpg";
  }
  tlbflush() {
    this.vmm.flushTlbVm();
    return "tlbflush";
  }
  pageFault(e) {
    const vmm = this.vmm;
    const { va, access } = e;
    const paged = (vmm.readGuestCr(CR.STATUS) & STATUS.PG) !== 0;
    let leaf = PTE.V | PTE.W | PTE.X | PTE.U;
    let gpa = va >>> 0;
    let superpage = false;
    if (paged) {
      const rootFrame = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 12;
      if (rootFrame !== this.ptbrFrame) return vmm.injectFault(vmm.arch.notPresentCause(access), va);
      const pde = vmm.readGuestPte(rootFrame * PAGE_SIZE + (va >>> 22) * 4) ?? 0;
      if (!(pde & PTE.V)) return vmm.injectFault(vmm.arch.notPresentCause(access), va);
      if (pde & PTE.L) {
        superpage = true;
        leaf = pde;
        gpa = (pde & SUPER_FRAME_MASK | va & 4194303) >>> 0;
      } else {
        const pte = vmm.readGuestPte((pde & PTE.FRAME_MASK) + (va >>> 12 & 1023) * 4) ?? 0;
        if (!(pte & PTE.V)) return vmm.injectFault(vmm.arch.notPresentCause(access), va);
        leaf = pte;
        gpa = (pte & PTE.FRAME_MASK | va & 4095) >>> 0;
      }
    }
    if (!vmm.arch.permits(leaf, access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(access), va);
    if (vmm.isMmio(gpa)) return vmm.emulateMmio(gpa);
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(va);
    const frame = gpa >>> 12;
    if (access === ACCESS.STORE && this.type[frame] !== 0 /* NONE */) {
      this.stats.writesRefused++;
      return vmm.injectFault(CAUSE.STORE_PROTECTION_FAULT, va);
    }
    if (!paged) {
      this.fillPagingOff(frame);
      return "pv-fill";
    }
    if (!superpage) throw new Error(`PV pager bug: a fault at ${hex6(va)} on a validated 4 KiB mapping of guest frame ${hex6(gpa)}`);
    const split = this.splitFor(leaf);
    this.fillSplit(split, gpa >>> 12 & 1023);
    return "pv-fill";
  }
  // ------------------------------------------------------------------ hypercalls
  /** A hypercall exit (pager-host.ts): carry it out; the guest gets `result` in a0 (and `done` in a1). */
  hypercall(e) {
    const name = `hc-${HC_NAMES.get(e.code) ?? "unknown"}`;
    this.stats.hypercalls.set(name, (this.stats.hypercalls.get(name) ?? 0) + 1);
    const [a0, a1] = e.args;
    if (e.code === HC.MULTICALL) {
      const { result: result2, done: done2 } = this.multicall(a0 >>> 0, a1 >>> 0, e);
      return { name, result: this.counted(result2), done: done2 };
    }
    const { result, done } = this.call(e.code, a0, a1, e);
    return done === void 0 ? { name, result: this.counted(result) } : { name, result: this.counted(result), done };
  }
  counted(result) {
    if (result !== 0) {
      const key = HC_ERROR_NAMES.get(result) ?? String(result);
      this.stats.failures.set(key, (this.stats.failures.get(key) ?? 0) + 1);
    }
    return result;
  }
  call(code, a0, a1, e) {
    switch (code) {
      case HC.MMU_UPDATE:
        return this.mmuUpdate(a0 >>> 0, a1 >>> 0);
      case HC.SET_PTBR:
        return { result: this.setPtbr(a0, e) };
      case HC.INVLPG:
        this.flushPage(a0 >>> 0);
        return { result: 0 };
      case HC.TLBFLUSH:
        this.vmm.flushTlbVm();
        return { result: 0 };
      case HC.PIN_TABLE:
        return { result: this.pin(a0 >>> 0, a1) };
      case HC.UNPIN_TABLE:
        return { result: this.unpin(a0 >>> 0) };
      default:
        return { result: HC_ERR.ENOSYS };
    }
  }
  /** Entries (number, arg0, arg1, result) run in order; the first that fails stops the list. */
  multicall(list, count, e) {
    if (this.inMulticall) return { result: HC_ERR.ENOSYS, done: 0 };
    const bad = this.checkList(list, count, 16);
    if (bad !== 0) return { result: bad, done: 0 };
    this.inMulticall = true;
    try {
      for (let i = 0; i < count; i++) {
        const at = list + i * 16;
        const code = this.word(at);
        this.vmm.chargeVmm(this.vmm.costs.pteRead);
        const { result } = code === HC.MULTICALL ? { result: HC_ERR.ENOSYS } : this.call(code, this.word(at + 4), this.word(at + 8), e);
        this.vmm.writeGuestWord(at + 12, result);
        if (result !== 0) return { result, done: i };
      }
      return { result: 0, done: count };
    } finally {
      this.inMulticall = false;
    }
  }
  checkList(list, count, entryBytes) {
    if (count > MAX_BATCH || list % 4 !== 0) return HC_ERR.EINVAL;
    const end = list + count * entryBytes;
    if (count > 0 && (!this.vmm.isGuestRam(list) || !this.vmm.isGuestRam(end - 4))) return HC_ERR.EFAULT;
    return 0;
  }
  /**
   * The batch of (PTE address, value) pairs, in order. The first entry that fails stops it:
   * those before it stay applied (a1 counts them), it and those after are not (Xen's semantics).
   */
  mmuUpdate(list, count) {
    const bad = this.checkList(list, count, 8);
    if (bad !== 0) return { result: bad, done: 0 };
    this.stats.batches++;
    this.stats.updates += count;
    if (count > this.stats.largestBatch) this.stats.largestBatch = count;
    for (let i = 0; i < count; i++) {
      const result = this.update(this.word(list + i * 8), this.word(list + i * 8 + 4));
      if (result !== 0) return { result, done: i };
      this.stats.applied++;
    }
    return { result: 0, done: count };
  }
  /** One validated page-table update: the guest's entry and the real one. */
  update(pteAddr, value) {
    const vmm = this.vmm;
    vmm.chargeVmm(vmm.costs.pteRead);
    if (pteAddr % 4 !== 0) return HC_ERR.EINVAL;
    if (!vmm.isGuestRam(pteAddr)) return HC_ERR.EPERM;
    const frame = pteAddr >>> 12;
    const index = (pteAddr & 4095) >>> 2;
    const kind = this.type[frame];
    if (kind === 0 /* NONE */) return HC_ERR.EINVAL;
    const old = this.word(pteAddr);
    if (kind === 1 /* TABLE */) {
      const problem = this.checkLeaf(value, []);
      if (problem !== 0) return problem;
      this.takeLeaf(value);
      this.writeRealLeaf(this.real.get(frame), index, value);
      this.dropLeaf(old);
    } else {
      const problem = this.checkDirectoryEntry(value, [frame]);
      if (problem !== 0) return problem;
      this.takeDirectoryEntry(value);
      this.writeRealDirectoryEntry(this.real.get(frame), index, value);
      this.dropDirectoryEntry(old);
    }
    vmm.writeGuestPte(pteAddr, value);
    return 0;
  }
  setPtbr(value, e) {
    const problem = this.canTakeRoot(value);
    if (problem !== 0) return problem;
    e.setGuestPtbr(value);
    this.moveRoot((value & PTBR_ROOT_MASK) >>> 0 >>> 12);
    this.switchRoot((value & PTBR_KEEP) !== 0);
    return 0;
  }
  pin(gpa, level) {
    if (gpa % PAGE_SIZE !== 0 || level !== 0 && level !== 1) return HC_ERR.EINVAL;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const frame = gpa >>> 12;
    const want = level === 1 ? 2 /* DIRECTORY */ : 1 /* TABLE */;
    const problem = this.canType(frame, want, []);
    if (problem !== 0) return problem;
    this.takeType(frame, want);
    this.pins[frame]++;
    return 0;
  }
  unpin(gpa) {
    if (gpa % PAGE_SIZE !== 0) return HC_ERR.EINVAL;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const frame = gpa >>> 12;
    if (this.pins[frame] === 0) return HC_ERR.EBUSY;
    this.pins[frame]--;
    this.putType(frame);
    return 0;
  }
  // ------------------------------------------------------------------ validation
  /** May `frame` take (one more reference of) type `want`? `pending`: frames becoming typed in this same validation. */
  canType(frame, want, pending) {
    const kind = this.type[frame];
    if (kind === want) return 0;
    if (kind !== 0 /* NONE */ || this.writable[frame] > 0 || pending.includes(frame)) return HC_ERR.EBUSY;
    const vmm = this.vmm;
    const base = frame * PAGE_SIZE;
    const entries = [];
    for (let i = 0; i < ENTRIES; i++) {
      const entry = this.word(base + i * 4);
      vmm.chargeVmm(entry & PTE.V ? vmm.costs.pteRead : PV_SCAN_ENTRY_CYCLES);
      if (entry & PTE.V) entries.push(entry);
    }
    if (want === 1 /* TABLE */) {
      const mine2 = [...pending, frame];
      for (const entry of entries) {
        const problem = this.checkLeaf(entry, mine2);
        if (problem !== 0) return problem;
      }
      return 0;
    }
    const children = /* @__PURE__ */ new Set();
    for (const entry of entries) {
      if (entry & PTE.L) continue;
      const child = (entry & PTE.FRAME_MASK) >>> 12;
      if (child < this.frames && this.type[child] === 0 /* NONE */) children.add(child);
    }
    const mine = [...pending, frame, ...children];
    for (const entry of entries) {
      const problem = this.checkDirectoryEntry(entry, mine, children);
      if (problem !== 0) return problem;
    }
    return 0;
  }
  /** A leaf of a page table: maps this VM's RAM or its device window; writable only if not a table. */
  checkLeaf(entry, pending) {
    if (!(entry & PTE.V)) return 0;
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (this.vmm.isMmio(gpa)) return 0;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const frame = gpa >>> 12;
    if (entry & PTE.W && (this.type[frame] !== 0 /* NONE */ || pending.includes(frame))) return HC_ERR.EBUSY;
    return 0;
  }
  /**
   * A directory entry: a superpage (aligned, in RAM) or a page table, which must be one or become
   * one (validated now, unless it is among `checked`, the children a directory validation
   * checks itself).
   */
  checkDirectoryEntry(entry, pending, checked) {
    if (!(entry & PTE.V)) return 0;
    if (entry & PTE.L) {
      if (entry & 4190208) return HC_ERR.EINVAL;
      const base = (entry & SUPER_FRAME_MASK) >>> 0;
      return this.vmm.isGuestRam(base) || this.vmm.isMmio(base) ? 0 : HC_ERR.EPERM;
    }
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const child = gpa >>> 12;
    if (this.type[child] === 1 /* TABLE */) return 0;
    if (checked?.has(child)) {
      if (this.writable[child] > 0) return HC_ERR.EBUSY;
      return this.canType(child, 1 /* TABLE */, pending.filter((f) => f !== child));
    }
    return this.canType(child, 1 /* TABLE */, [...pending]);
  }
  canTakeRoot(value) {
    const gpa = (value & PTBR_ROOT_MASK) >>> 0;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    return this.canType(gpa >>> 12, 2 /* DIRECTORY */, []);
  }
  /** The loaded PTBR's reference moves to directory `frame` (-1: to none, a root that failed validation). */
  moveRoot(frame) {
    const old = this.ptbrFrame;
    this.ptbrFrame = frame;
    if (frame >= 0) this.takeType(frame, 2 /* DIRECTORY */);
    if (old >= 0) this.putType(old);
  }
  // ------------------------------------------------------------------ types and references (checked first: these cannot fail)
  /** One more reference of type `want` on `frame`; the first validates it and builds its real table. */
  takeType(frame, want) {
    if (this.typeRefs[frame]++ > 0) return;
    this.type[frame] = want;
    this.stats.tablesValidated++;
    const vmm = this.vmm;
    const base = frame * PAGE_SIZE;
    const table = vmm.allocTable(want === 2 /* DIRECTORY */ ? 0 : 1);
    this.real.set(frame, table);
    this.protectInSplits(frame);
    for (let i = 0; i < ENTRIES; i++) {
      const entry = this.word(base + i * 4);
      if (!(entry & PTE.V)) continue;
      if (want === 1 /* TABLE */) {
        this.takeLeaf(entry);
        this.writeRealLeaf(table, i, entry);
      } else {
        this.takeDirectoryEntry(entry);
        this.writeRealDirectoryEntry(table, i, entry);
      }
    }
  }
  /** One reference fewer; the last releases what the table's entries hold, and its real table. */
  putType(frame) {
    if (--this.typeRefs[frame] > 0) return;
    const kind = this.type[frame];
    const table = this.real.get(frame);
    const base = frame * PAGE_SIZE;
    for (let i = 0; i < ENTRIES; i++) {
      const entry = this.word(base + i * 4);
      if (!(entry & PTE.V)) continue;
      if (kind === 1 /* TABLE */) this.dropLeaf(entry);
      else {
        if (entry & PTE.L && this.splitTables.has((this.vmm.readEntry(table, i) & PTE.FRAME_MASK) >>> 0)) this.splitAt[i]--;
        this.dropDirectoryEntry(entry);
      }
    }
    this.type[frame] = 0 /* NONE */;
    this.real.delete(frame);
    this.vmm.freeTable(table);
    if (kind === 2 /* DIRECTORY */) this.vmm.flushTlbVm();
    this.unprotectInSplits(frame);
  }
  takeLeaf(entry) {
    if (!(entry & PTE.V) || !(entry & PTE.W)) return;
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (this.vmm.isGuestRam(gpa)) this.writable[gpa >>> 12]++;
  }
  dropLeaf(entry) {
    if (!(entry & PTE.V) || !(entry & PTE.W)) return;
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (this.vmm.isGuestRam(gpa)) this.writable[gpa >>> 12]--;
  }
  takeDirectoryEntry(entry) {
    if (!(entry & PTE.V) || entry & PTE.L) return;
    this.takeType((entry & PTE.FRAME_MASK) >>> 12, 1 /* TABLE */);
  }
  dropDirectoryEntry(entry) {
    if (!(entry & PTE.V) || entry & PTE.L) return;
    this.putType((entry & PTE.FRAME_MASK) >>> 12);
  }
  // ------------------------------------------------------------------ the real tables
  /** A guest leaf as the hardware walks it: its host frame (RAM), or nothing (the device window: emulated on each access). */
  writeRealLeaf(table, index, entry) {
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (!(entry & PTE.V) || !this.vmm.isGuestRam(gpa)) {
      this.vmm.writeEntry(table, index, 0);
      return;
    }
    const host = this.vmm.backing(gpa);
    this.vmm.writeEntry(table, index, (host | entry & (PTE.V | PTE.W | PTE.X | PTE.U | PTE.G | PTE.A | PTE.D)) >>> 0);
  }
  writeRealDirectoryEntry(table, index, entry) {
    const old = this.vmm.readEntry(table, index);
    if (!(entry & PTE.V)) {
      this.vmm.writeEntry(table, index, 0);
    } else if (entry & PTE.L && !this.vmm.isGuestRam((entry & SUPER_FRAME_MASK) >>> 0)) {
      this.vmm.writeEntry(table, index, 0);
    } else if (entry & PTE.L) {
      const split = this.splitFor(entry);
      split.installedAt.add(index);
      this.splitAt[index]++;
      this.vmm.writeEntry(table, index, split.table | PTE.V);
    } else {
      this.vmm.writeEntry(table, index, this.real.get((entry & PTE.FRAME_MASK) >>> 12) | PTE.V);
    }
    if (!(old & PTE.V)) return;
    if (this.splitTables.has((old & PTE.FRAME_MASK) >>> 0)) this.splitAt[index]--;
    this.vmm.flushTlbRange(index * 4194304, (index + 1) * 4194304);
  }
  splitFor(leaf) {
    const key = (leaf & SPLIT_KEY_MASK) >>> 0;
    let split = this.splits.get(key);
    if (!split) {
      split = { table: this.vmm.allocTable(1), key, installedAt: /* @__PURE__ */ new Set() };
      this.splits.set(key, split);
      this.splitTables.add(split.table);
    }
    return split;
  }
  /** Entry `index` of a split superpage: its frame, writable only while it is not a table. */
  fillSplit(split, index) {
    const gpa = (split.key & SUPER_FRAME_MASK) + index * PAGE_SIZE >>> 0;
    const frame = gpa >>> 12;
    const writable = (split.key & PTE.W) !== 0 && this.type[frame] === 0 /* NONE */;
    const bits = PTE.V | PTE.A | PTE.D | split.key & (PTE.X | PTE.U | PTE.G) | (writable ? PTE.W : 0);
    this.vmm.writeEntry(split.table, index, (this.vmm.backing(gpa) | bits) >>> 0);
    this.stats.fills++;
  }
  /** A frame became a table: no split superpage (nor the paging-off map) may still write it. */
  protectInSplits(frame) {
    const vmm = this.vmm;
    const gpa = frame * PAGE_SIZE;
    for (const split of this.splits.values()) {
      if ((split.key & SUPER_FRAME_MASK) >>> 0 !== (gpa & SUPER_FRAME_MASK) >>> 0) continue;
      const index = frame & 1023;
      const entry = vmm.readEntry(split.table, index);
      if (!(entry & PTE.W)) continue;
      vmm.writeEntry(split.table, index, entry & ~PTE.W);
      for (const at of split.installedAt) vmm.flushTlbPage((at << 22 | index << 12) >>> 0);
    }
    if (this.pagingOffRoot >= 0) {
      const table = this.pagingOffTables[frame >>> 10];
      if (table !== 0) {
        const entry = vmm.readEntry(table, frame & 1023);
        if (entry & PTE.W) {
          vmm.writeEntry(table, frame & 1023, entry & ~PTE.W);
          vmm.flushTlbPage(gpa);
        }
      }
    }
  }
  /**
   * A frame stopped being a table: the superpages that split it may write it again (the kernel
   * frees it, and kalloc zeroes it, through its direct map). The stale read-only TLB entries go.
   */
  unprotectInSplits(frame) {
    const vmm = this.vmm;
    const gpa = frame * PAGE_SIZE;
    const index = frame & 1023;
    for (const split of this.splits.values()) {
      if (!(split.key & PTE.W) || (split.key & SUPER_FRAME_MASK) >>> 0 !== (gpa & SUPER_FRAME_MASK) >>> 0) continue;
      const entry = vmm.readEntry(split.table, index);
      if (!(entry & PTE.V) || entry & PTE.W) continue;
      vmm.writeEntry(split.table, index, entry | PTE.W);
      for (const at of split.installedAt) vmm.flushTlbPage((at << 22 | index << 12) >>> 0);
    }
  }
  /** The identity map the guest runs on with paging off (as the domain builder's first tables). */
  fillPagingOff(frame) {
    const vmm = this.vmm;
    const root = this.pagingOffRootTable();
    const pdIndex = frame >>> 10;
    let table = this.pagingOffTables[pdIndex];
    if (table === 0) {
      table = vmm.allocTable(1);
      this.pagingOffTables[pdIndex] = table;
      vmm.writeEntry(root, pdIndex, table | PTE.V);
    }
    const writable = this.type[frame] === 0 /* NONE */ ? PTE.W : 0;
    vmm.writeEntry(table, frame & 1023, (vmm.backing(frame * PAGE_SIZE) | PTE.V | PTE.X | PTE.U | PTE.A | PTE.D | writable) >>> 0);
    this.stats.fills++;
  }
  pagingOffRootTable() {
    if (this.pagingOffRoot < 0) this.pagingOffRoot = this.vmm.allocTable(0);
    return this.pagingOffRoot;
  }
  /** The real root the guest's state selects. */
  currentRoot() {
    const vmm = this.vmm;
    if (!(vmm.readGuestCr(CR.STATUS) & STATUS.PG)) return { root: this.pagingOffRootTable(), pagingOff: true };
    const frame = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0 >>> 12;
    if (frame === this.ptbrFrame) return { root: this.real.get(frame), pagingOff: false };
    if (this.emptyRoot < 0) this.emptyRoot = vmm.allocTable(0);
    return { root: this.emptyRoot, pagingOff: false };
  }
  switchRoot(keep) {
    const { root, pagingOff } = this.currentRoot();
    this.vmm.switchRoot(root, { keep, pagingOff });
  }
  /** invlpg: a superpage is held in the TLB as the 4 KiB pieces of its split table. */
  flushPage(va) {
    const pdIndex = va >>> 22;
    if (this.splitAt[pdIndex] > 0) this.vmm.flushTlbRange(pdIndex * 4194304, (pdIndex + 1) * 4194304);
    else this.vmm.flushTlbPage(va);
  }
  word(gpa) {
    return this.vmm.readGuestWord(gpa) ?? 0;
  }
  // ------------------------------------------------------------------ inspection
  /**
   * The PV invariants, checked over every frame (tests, `Vmm.audit`): a typed frame has no
   * writable 4 KiB mapping and no writable real entry in a split superpage; the writable counts
   * match the validated tables; every typed frame's real table says what its guest entries say.
   */
  audit() {
    const problems = [];
    const counted = new Int32Array(this.frames);
    for (let frame = 0; frame < this.frames; frame++) {
      if (this.type[frame] !== 1 /* TABLE */) continue;
      for (let i = 0; i < ENTRIES; i++) {
        const entry = this.word(frame * PAGE_SIZE + i * 4);
        if (entry & PTE.V && entry & PTE.W && this.vmm.isGuestRam((entry & PTE.FRAME_MASK) >>> 0)) counted[(entry & PTE.FRAME_MASK) >>> 12]++;
      }
    }
    for (let frame = 0; frame < this.frames; frame++) {
      if (counted[frame] !== this.writable[frame]) problems.push(`guest frame ${hex6(frame * PAGE_SIZE)}: ${this.writable[frame]} writable mappings counted, ${counted[frame]} in its tables`);
      if (this.type[frame] === 0 /* NONE */) continue;
      if (this.writable[frame] > 0) problems.push(`guest frame ${hex6(frame * PAGE_SIZE)} is a page table with ${this.writable[frame]} writable mappings`);
      const table = this.real.get(frame);
      for (let i = 0; i < ENTRIES; i++) {
        const entry = this.word(frame * PAGE_SIZE + i * 4);
        const real = this.vmm.readEntry(table, i);
        const target = (this.type[frame] === 2 /* DIRECTORY */ && entry & PTE.L ? entry & SUPER_FRAME_MASK : entry & PTE.FRAME_MASK) >>> 0;
        const emulated = (entry & PTE.V) !== 0 && this.vmm.isMmio(target);
        if (!!(entry & PTE.V) !== !!(real & PTE.V) && !emulated) {
          problems.push(`guest frame ${hex6(frame * PAGE_SIZE)} entry ${i}: guest ${hex6(entry)}, real ${hex6(real)}`);
        }
      }
      for (const split of this.splits.values()) {
        if ((split.key & SUPER_FRAME_MASK) >>> 0 !== (frame * PAGE_SIZE & SUPER_FRAME_MASK) >>> 0) continue;
        if (this.vmm.readEntry(split.table, frame & 1023) & PTE.W) problems.push(`guest frame ${hex6(frame * PAGE_SIZE)} is a page table, writable through a superpage`);
      }
    }
    return problems;
  }
};
var hex6 = (n2) => "0x" + (n2 >>> 0).toString(16).padStart(8, "0");

// emulator/memory-hash.ts
var PRIME1 = 2654435761 | 0;
var PRIME2 = 2246822519 | 0;
var PRIME3 = 3266489917 | 0;
var round = (lane, word) => {
  const x = lane + Math.imul(word, PRIME2) | 0;
  return Math.imul(x << 13 | x >>> 19, PRIME1);
};
var avalanche = (h) => {
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  return (h ^ h >>> 16) >>> 0;
};
var MemoryHasher = class {
  a = 608135816;
  b = 2242054355 | 0;
  c = 320440878;
  d = 57701188;
  words = 0;
  /** Add bytes: a whole number of 16-byte groups, starting at a multiple of 4 in their buffer. */
  update(bytes) {
    if (bytes.length % 16 !== 0 || bytes.byteOffset % 4 !== 0) throw new RangeError("MemoryHasher takes aligned 16-byte groups");
    const w2 = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    let { a, b, c, d } = this;
    for (let i = 0; i < w2.length; i += 4) {
      a = round(a, w2[i]);
      b = round(b, w2[i + 1]);
      c = round(c, w2[i + 2]);
      d = round(d, w2[i + 3]);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.words += w2.length;
  }
  /** 32 hex digits; each depends on every lane. */
  digest() {
    const { a, b, c, d, words } = this;
    const rot = (x, n2) => x << n2 | x >>> 32 - n2;
    const h1 = avalanche(a + rot(b, 7) + rot(c, 12) + rot(d, 18) + words | 0);
    const h2 = avalanche(b ^ Math.imul(h1, PRIME2));
    const h3 = avalanche(c ^ Math.imul(h2, PRIME3));
    const h4 = avalanche(d ^ Math.imul(h3, PRIME1));
    return [h1, h2, h3, h4].map((x) => x.toString(16).padStart(8, "0")).join("");
  }
};

// hypervisor/vm.ts
var SWAPPED = -1;
var BALLOONED = -2;
var EXIT_LOG_SIZE = 256;
var Vm = class {
  constructor(id, name, mode, memoryBytes, host, mmu, profile) {
    this.id = id;
    this.name = name;
    this.mode = mode;
    this.host = host;
    if (memoryBytes % PAGE_SIZE !== 0 || memoryBytes <= 0 || memoryBytes > MMIO_BASE) {
      throw new RangeError(`VM ${name}: memory must be a multiple of 4 KiB below 0xF0000000`);
    }
    this.sizeBytes = memoryBytes;
    this.p2m = new Int32Array(memoryBytes / PAGE_SIZE);
    this.cpu = new Cpu(host.mem, mmu, this.devices, this.stats, profile);
    this.cpu.devicesAccessible = false;
  }
  id;
  name;
  mode;
  host;
  stats = new Stats();
  vmm = new VmmStats();
  devices = new Devices();
  cpu;
  /** Host-physical address of each guest frame; 0 = not backed yet (host frame 0 is never used). */
  p2m;
  sizeBytes;
  /** Guest frames are backed this many at a time, aligned (more than 1 for EPT large pages). */
  allocGranuleFrames = 1;
  /** The most recent exits, oldest first (at most EXIT_LOG_SIZE). */
  exitLog = [];
  /** Why the VM stopped, once it has. */
  stopped;
  /** The name of its pager ('shadow', 'ept', or a user's pager file). */
  pagerName = "";
  /** Its pager's failure (the message of the PagerError that stopped it), if it failed. */
  failure;
  recordExit(record) {
    if (this.exitLog.length >= EXIT_LOG_SIZE) this.exitLog.shift();
    this.exitLog.push(record);
  }
  isGuestRam(guestPhys) {
    return guestPhys >= 0 && guestPhys < this.sizeBytes;
  }
  isMmio(guestPhys) {
    return guestPhys >= MMIO_BASE && guestPhys < MMIO_BASE + MMIO_SIZE;
  }
  /** Host-physical address of a guest-physical one, backing its frame on first use; -1 outside RAM. */
  backing(guestPhys) {
    guestPhys >>>= 0;
    if (!this.isGuestRam(guestPhys)) return -1;
    const frame = guestPhys >>> 12;
    let host = this.p2m[frame];
    if (this.touchedAt !== void 0) this.touchedAt[frame] = this.host.serial;
    if (host <= 0) {
      if (host === BALLOONED) this.balloonTouch(this, frame);
      if (this.p2m[frame] === 0) this.backGranule(frame);
      else if (this.p2m[frame] < 0) this.pageIn(this, frame);
      host = this.p2m[frame];
    }
    return host + (guestPhys & 4095);
  }
  /** Host swapping (swap.ts), when on: the contents of this VM's swapped-out guest frames, by frame. */
  swapStore = /* @__PURE__ */ new Map();
  /** Host swapping: read a swapped-out guest frame back; and the exit serial (host.serial) each frame was last used by the VMM in. */
  pageIn;
  touchedAt;
  /** Ballooning (balloon.ts), when on: the guest frames given to the VMM, in order; and what a guest touch of one does. */
  ballooned = [];
  balloonTouch;
  /** Host swapping: told of every guest frame backed. */
  onBacked;
  backGranule(frame) {
    const g = this.allocGranuleFrames;
    const first = frame - frame % g;
    const count = Math.min(g, this.p2m.length - first);
    const base = g === 1 ? this.host.allocFrame(this.id) : this.host.allocRun(g, g, this.id);
    for (let i = 0; i < count; i++) this.p2m[first + i] = base + i * PAGE_SIZE;
    this.vmm.guestFrames += count;
    if (this.onBacked !== void 0) for (let i = 0; i < count; i++) this.onBacked(this, first + i);
    if (this.dirtyLog !== void 0) for (let i = 0; i < count; i++) this.dirtyLog.noteWrite(first + i);
  }
  /**
   * Dirty logging (dirty-log.ts), while on: told of every guest frame the VMM writes on the
   * guest's behalf or backs (a new frame is dirty: the destination has no copy of it). And, for
   * write-protection logging, by host frame: 1 where every leaf a pager writes must be read-only
   * with the VMM's bit (pager-tables.ts), so the frame's first store exits and is logged.
   */
  dirtyLog;
  logTrap;
  /** Page-modification logging (pml.ts): the VM's log, loaded into the MMU at VM entry; undefined when off. */
  pmlLog;
  /**
   * Host-physical address of a guest-physical one that is about to be written by the VMM (or a
   * pager) on the guest's behalf: a frame shared read-only (sharing.ts) first gets its private copy.
   */
  writableBacking(guestPhys) {
    const h = this.backing(guestPhys);
    if (h >= 0 && this.cowBreak !== void 0 && this.host.owner[h >>> 12] === SHARED_OWNER) {
      this.cowBreak(this, guestPhys >>> 12);
      this.dirtyLog?.noteWrite(guestPhys >>> 12);
      return this.p2m[guestPhys >>> 12] + (guestPhys & 4095);
    }
    if (h >= 0) this.dirtyLog?.noteWrite(guestPhys >>> 12);
    return h;
  }
  /** Set by the VMM when page sharing is on: give guest frame `gfn` a private copy of its shared frame. */
  cowBreak;
  /** Host address of a guest frame if it is already backed, without backing it. */
  backed(guestPhys) {
    if (!this.isGuestRam(guestPhys)) return -1;
    const host = this.p2m[guestPhys >>> 12];
    if (host < 0) return this.backing(guestPhys);
    return host === 0 ? -1 : host + (guestPhys & 4095);
  }
  /** Host address of a guest frame in host memory now: -1 when not backed yet, swapped out or ballooned (nothing is read back). */
  resident(guestPhys) {
    if (!this.isGuestRam(guestPhys)) return -1;
    const host = this.p2m[guestPhys >>> 12];
    return host <= 0 ? -1 : host + (guestPhys & 4095);
  }
  /** A guest word read without backing its frame (an unbacked frame reads 0); undefined outside guest RAM. */
  peekWord(guestPhys) {
    if (!this.isGuestRam(guestPhys)) return void 0;
    const frame = this.p2m[guestPhys >>> 12];
    if (frame === BALLOONED) return 0;
    if (frame < 0) return new Int32Array(this.swapStore.get(guestPhys >>> 12).buffer)[(guestPhys & 4095) >>> 2];
    return frame === 0 ? 0 : this.host.mem.i32[frame + (guestPhys & 4095) >>> 2];
  }
  /** The VMM's software read of a guest word (page tables); undefined outside guest RAM. */
  readWord(guestPhys) {
    const h = this.backing(guestPhys);
    return h < 0 ? void 0 : this.host.mem.i32[h >>> 2];
  }
  writeWord(guestPhys, value) {
    const h = this.writableBacking(guestPhys);
    if (h < 0) throw new Error(`VMM bug: write outside guest memory at 0x${guestPhys.toString(16)}`);
    this.host.mem.i32[h >>> 2] = value;
    this.host.mem.dirty[h >>> 12] = 1;
  }
  /** A guest store of 1, 2 or 4 bytes, emulated by the VMM. */
  writeSized(guestPhys, value, size) {
    const h = this.writableBacking(guestPhys);
    if (h < 0) throw new Error(`VMM bug: write outside guest memory at 0x${guestPhys.toString(16)}`);
    const mem = this.host.mem;
    if (size === 1) mem.u8[h] = value;
    else if (size === 2) mem.u16[h >>> 1] = value;
    else mem.i32[h >>> 2] = value;
    mem.dirty[h >>> 12] = 1;
  }
  readSized(guestPhys, size, signed) {
    const h = this.backing(guestPhys);
    const mem = this.host.mem;
    if (size === 1) return signed ? mem.i8[h] : mem.u8[h];
    if (size === 2) return signed ? mem.i16[h >>> 1] : mem.u16[h >>> 1];
    return mem.i32[h >>> 2];
  }
  /** GuestPhysicalWriter: the boot loader writes the kernel and modules through this. */
  load(addr, bytes) {
    for (let off = 0; off < bytes.length; ) {
      const gpa = addr + off;
      const chunk = Math.min(bytes.length - off, PAGE_SIZE - (gpa & 4095));
      const h = this.writableBacking(gpa);
      if (h < 0) throw new RangeError(`load outside guest memory at 0x${gpa.toString(16)}`);
      this.host.mem.u8.set(bytes.subarray(off, off + chunk), h);
      this.host.mem.markDirty(h, chunk);
      off += chunk;
    }
  }
  /** A fingerprint of guest-physical memory (unbacked frames read as zeros): equal across modes. */
  memoryHash() {
    return hashFrames(this.p2m.length, (frame) => {
      const h = this.p2m[frame];
      if (h < 0) return this.swapStore.get(frame);
      return h === 0 ? void 0 : this.host.mem.u8.subarray(h, h + PAGE_SIZE);
    });
  }
};
var ZERO_PAGE = new Uint8Array(PAGE_SIZE);
function hashFrames(count, frame) {
  const hash = new MemoryHasher();
  for (let i = 0; i < count; i++) hash.update(frame(i) ?? ZERO_PAGE);
  return hash.digest();
}

// hypervisor/balloon.ts
var DEFAULT_BALLOON = { targetFrames: void 0 };
var BalloonStats = class {
  /** Balloon hypercalls by kind. */
  targetCalls = 0;
  inflates = 0;
  deflates = 0;
  /** Inflates refused (a frame outside RAM, misaligned, not backed, or already given). */
  refused = 0;
  /** Guest frames in the balloon now, and at the peak. */
  ballooned = 0;
  peakBallooned = 0;
  /** Guest touches of a frame it had given away (each backed fresh, zeroed). */
  touches = 0;
  /** Host frames freed by inflating. */
  hostFramesFreed = 0;
  /** The balloon's target now (frames). */
  target = 0;
  /** Frames given to the VMM (inflates accepted) and given back (deflates that returned a frame), in all. */
  framesInflated = 0;
  framesDeflated = 0;
  /** Of the frames given back, those the guest asked for while the balloon held no more than its target (its allocator ran dry: deflate on OOM). */
  pressureDeflates = 0;
  /** Cycles of ballooning: its hypercalls' exits and entries and VMM work (revocations, TLB flushes). */
  cycles = 0;
};
var Balloon = class {
  constructor(host, mmu, profile, options, hostsOf) {
    this.host = host;
    this.mmu = mmu;
    this.profile = profile;
    this.options = options;
    this.hostsOf = hostsOf;
    this.action = new Uint8Array(host.frames);
  }
  host;
  mmu;
  profile;
  options;
  hostsOf;
  action;
  /** Set one VM's target (frames). */
  setTarget(vm, frames) {
    if (!Number.isSafeInteger(frames) || frames < 0 || frames >= vm.p2m.length) {
      throw new RangeError(`VM ${vm.name}: a balloon target of ${frames} frames is not below its ${vm.p2m.length} frames of memory (--balloon-target)`);
    }
    vm.vmm.balloon.target = frames;
  }
  /** A balloon hypercall: the exit's name, or undefined when `code` is not one. Writes a0/a1. */
  hypercall(vm, code) {
    const regs = vm.cpu.regs;
    const st = vm.vmm.balloon;
    if (code !== HC.BALLOON_TARGET && code !== HC.BALLOON_INFLATE && code !== HC.BALLOON_DEFLATE) return void 0;
    const vmmBefore = vm.stats.cyclesVmm;
    st.cycles += this.profile.vmExitCycles + this.profile.vmEntryCycles + this.profile.vmmHandlerCycles;
    try {
      return this.dispatch(vm, code, regs, st);
    } finally {
      st.cycles += vm.stats.cyclesVmm - vmmBefore;
    }
  }
  dispatch(vm, code, regs, st) {
    switch (code) {
      case HC.BALLOON_TARGET:
        st.targetCalls++;
        regs[3] = 0;
        regs[4] = st.target - st.ballooned;
        return "hc-balloon-target";
      case HC.BALLOON_INFLATE:
        st.inflates++;
        regs[3] = this.inflate(vm, regs[3] >>> 0);
        if (regs[3] !== 0) st.refused++;
        else st.framesInflated++;
        return "hc-balloon-inflate";
      case HC.BALLOON_DEFLATE: {
        st.deflates++;
        const underTarget = st.ballooned <= st.target;
        regs[3] = this.deflate(vm);
        if (regs[3] !== 0) {
          st.framesDeflated++;
          if (underTarget) st.pressureDeflates++;
        }
        return "hc-balloon-deflate";
      }
      default:
        return void 0;
    }
  }
  inflate(vm, gpa) {
    if ((gpa & PAGE_SIZE - 1) !== 0) return HC_ERR.EINVAL;
    if (!vm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const gfn = gpa >>> 12;
    const hostAddr = vm.p2m[gfn];
    if (hostAddr === BALLOONED) return HC_ERR.EBUSY;
    if (hostAddr > 0) {
      const frame = hostAddr >>> 12;
      if (this.host.owner[frame] === vm.id) {
        this.action[frame] = ZAP;
        for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
        this.action[frame] = 0;
        this.mmu.flushAll();
        vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
        this.host.freeFrame(hostAddr);
        vm.vmm.guestFrames--;
        vm.vmm.balloon.hostFramesFreed++;
      } else return HC_ERR.EBUSY;
    } else if (hostAddr < 0) {
      vm.swapStore.delete(gfn);
      if (vm.vmm.swap) vm.vmm.swap.swappedNow--;
    }
    vm.p2m[gfn] = BALLOONED;
    vm.ballooned.push(gfn);
    const st = vm.vmm.balloon;
    st.ballooned++;
    if (st.ballooned > st.peakBallooned) st.peakBallooned = st.ballooned;
    return 0;
  }
  deflate(vm) {
    while (vm.ballooned.length > 0) {
      const gfn = vm.ballooned.pop();
      if (vm.p2m[gfn] !== BALLOONED) continue;
      vm.p2m[gfn] = 0;
      vm.vmm.balloon.ballooned--;
      return gfn * PAGE_SIZE;
    }
    return 0;
  }
  /** Vm.backing met a ballooned frame: the guest touched a frame it gave away. */
  touch(vm, gfn) {
    const st = vm.vmm.balloon;
    st.touches++;
    st.ballooned--;
    vm.p2m[gfn] = 0;
  }
};

// hypervisor/swap.ts
var DEFAULT_SWAP = { policy: void 0, seed: 1, reserve: 32 };
var SWAP_IN_CYCLES = 2e5;
var SWAP_OUT_CYCLES = 1e5;
var SWAP_BATCH = 16;
var RECENT_EXITS = 8;
var SwapStats = class {
  pagesOut = 0;
  pagesIn = 0;
  /** Page-ins the guest caused by a store (double paging's signature, see the head of this file). */
  pageInsOnStore = 0;
  /** Guest frames swapped out now. */
  swappedNow = 0;
  outCycles = 0;
  inCycles = 0;
};
var HostSwap = class {
  constructor(host, mmu, profile, options, hostsOf, vms) {
    this.host = host;
    this.mmu = mmu;
    this.profile = profile;
    this.options = options;
    this.hostsOf = hostsOf;
    this.vms = vms;
    this.rng = (options.seed ^ 625341585) >>> 0 || 1;
    this.action = new Uint8Array(host.frames);
    host.reclaim = () => this.reclaim(SWAP_BATCH);
  }
  host;
  mmu;
  profile;
  options;
  hostsOf;
  vms;
  /** Guest frames in backing order: VM index and gfn. */
  queueVm = [];
  queueGfn = [];
  head = 0;
  rng;
  action;
  /** Vm.backGranule / page-in: guest frame `gfn` of `vm` is backed now. */
  noteBacked(vm, gfn) {
    this.queueVm.push(vm.id - 1);
    this.queueGfn.push(gfn);
  }
  /** Before a slice: keep `reserve` frames free. */
  balance() {
    this.host.serial++;
    const free = this.host.freeFrames();
    if (free < this.options.reserve) this.reclaim(this.options.reserve - free);
  }
  /** Evict up to `count` guest frames; whether any went. */
  reclaim(count) {
    const victims = [];
    let tries = this.queueLength();
    if (tries === 0) return false;
    while (victims.length < count && tries-- > 0) {
      const pick = this.options.policy === "random" ? this.head + this.next() % this.queueLength() : this.head;
      const vm = this.vms[this.queueVm[pick]];
      const gfn = this.queueGfn[pick];
      this.removeAt(pick);
      const hostAddr = vm.p2m[gfn];
      if (hostAddr <= 0 || this.host.owner[hostAddr >>> 12] !== vm.id || vm.allocGranuleFrames !== 1 || this.action[hostAddr >>> 12] !== 0) continue;
      if (vm.touchedAt[gfn] + RECENT_EXITS > this.host.serial) {
        this.noteBacked(vm, gfn);
        continue;
      }
      victims.push([vm, gfn, hostAddr >>> 12]);
      this.action[hostAddr >>> 12] = ZAP;
    }
    if (victims.length === 0) return false;
    const touched = new Set(victims.map(([vm]) => vm));
    for (const vm of touched) {
      for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
    }
    this.mmu.flushAll();
    const u8 = this.host.mem.u8;
    for (const [vm, gfn, frame] of victims) {
      this.action[frame] = 0;
      vm.swapStore.set(gfn, u8.slice(frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE));
      vm.p2m[gfn] = SWAPPED;
      vm.vmm.guestFrames--;
      this.host.freeFrame(frame * PAGE_SIZE);
      const st = vm.vmm.swap;
      st.pagesOut++;
      st.swappedNow++;
      st.outCycles += SWAP_OUT_CYCLES;
      vm.stats.cyclesVmm += SWAP_OUT_CYCLES;
    }
    this.compact();
    return true;
  }
  /** Vm.backing met a swapped-out frame: read it back (the caller's access then proceeds). */
  pageIn(vm, gfn) {
    const saved = vm.swapStore.get(gfn);
    const addr = this.host.allocFrame(vm.id);
    this.host.mem.u8.set(saved, addr);
    this.host.mem.dirty[addr >>> 12] = 1;
    vm.swapStore.delete(gfn);
    vm.p2m[gfn] = addr;
    vm.vmm.guestFrames++;
    this.noteBacked(vm, gfn);
    const st = vm.vmm.swap;
    st.pagesIn++;
    st.swappedNow--;
    st.inCycles += SWAP_IN_CYCLES;
    vm.stats.cyclesVmm += SWAP_IN_CYCLES;
  }
  queueLength() {
    return this.queueVm.length - this.head;
  }
  removeAt(i) {
    this.queueVm[i] = this.queueVm[this.head];
    this.queueGfn[i] = this.queueGfn[this.head];
    this.head++;
  }
  compact() {
    if (this.head < 4096 || this.head * 2 < this.queueVm.length) return;
    this.queueVm = this.queueVm.slice(this.head);
    this.queueGfn = this.queueGfn.slice(this.head);
    this.head = 0;
  }
  next() {
    return this.rng = xorshift32(this.rng);
  }
};

// hypervisor/reclaim.ts
var DEFAULT_RECLAIM = { policy: void 0 };
var HIGH_WATER_PERCENT = 6;
function reclaimBalloons(policy) {
  return policy === "balloon" || policy === "balloon-swap";
}
function reclaimSwaps(policy) {
  return policy === "swap" || policy === "balloon-swap";
}
var ReclaimStats = class {
  /** Turns at which the targets were recomputed, and whether the host has left its high state. */
  turns = 0;
  pressured = false;
  /** The balloon budget B of the formula at the last turn (frames). */
  budgetFrames = 0;
};
var Reclaim = class {
  constructor(host, vms, policy, balloon, reserve) {
    this.host = host;
    this.vms = vms;
    this.policy = policy;
    this.balloon = balloon;
    this.reserve = reserve;
    this.highWater = Math.ceil(host.frames * HIGH_WATER_PERCENT / 100);
  }
  host;
  vms;
  policy;
  balloon;
  reserve;
  stats = new ReclaimStats();
  highWater;
  /** Before a VM's turn: bring every VM's balloon target up to date (no-op without ballooning). */
  beforeTurn() {
    const balloon = this.balloon;
    if (balloon === void 0) return;
    const st = this.stats;
    st.turns++;
    if (this.host.freeFrames() < this.highWater || this.policy === "balloon") st.pressured = true;
    let guestFrames = 0;
    let memoryFrames = 0;
    for (const vm of this.vms) {
      guestFrames += vm.vmm.guestFrames;
      memoryFrames += vm.p2m.length;
    }
    const shared = this.host.sharers.size;
    const vmmFrames = this.host.inUse - guestFrames - shared;
    const budget = Math.max(0, this.host.frames - 1 - vmmFrames - shared - this.reserve);
    st.budgetFrames = budget;
    const overcommitted = memoryFrames > budget;
    for (const vm of this.vms) {
      const m = vm.p2m.length;
      const target = st.pressured && overcommitted ? m - Math.floor(budget * m / memoryFrames) : 0;
      balloon.setTarget(vm, Math.min(target, m - 1));
    }
  }
};

// hypervisor/memory-series.ts
var SERIES_EVERY = 2e4;
var SERIES_MAX = 1024;
var MemorySeries = class {
  constructor(host, vms) {
    this.host = host;
    this.vms = vms;
  }
  host;
  vms;
  samples = [];
  every = SERIES_EVERY;
  /** The all-VM instruction count of the next sample. */
  nextTotal = 0;
  /** Guest instructions retired by all VMs together. */
  total() {
    let n2 = 0;
    for (const vm of this.vms) n2 += vm.stats.instructions;
    return n2;
  }
  /** The VM's own instruction count at which the next sample is due (runSlice stops there). */
  nextAt(vm) {
    return vm.stats.instructions + Math.max(0, this.nextTotal - this.total());
  }
  /** Take a sample if one is due. */
  maybeSample() {
    const total = this.total();
    if (total < this.nextTotal) return;
    this.sample(total);
    this.nextTotal = total + this.every;
  }
  /** Take a sample now (also at the end of a run). */
  sample(total = this.total()) {
    let ballooned = 0;
    let swapped = 0;
    for (const vm of this.vms) {
      ballooned += vm.vmm.balloon?.ballooned ?? 0;
      swapped += vm.vmm.swap?.swappedNow ?? 0;
    }
    const last = this.samples[this.samples.length - 1];
    if (last !== void 0 && last.instructions === total) this.samples.pop();
    this.samples.push({ instructions: total, hostFrames: this.host.inUse, sharedFrames: this.host.sharers.size, perVm: this.vms.map((vm) => vm.vmm.guestFrames), ballooned, swapped });
    if (this.samples.length >= SERIES_MAX) {
      let k = 0;
      for (let i = 0; i < this.samples.length; i += 2) this.samples[k++] = this.samples[i];
      this.samples.length = k;
      this.every *= 2;
    }
  }
};

// hypervisor/sharing.ts
var DEFAULT_SHARING = { pages: 0, every: 1e5 };
var SCAN_HASH_CYCLES = 1024;
var SCAN_COMPARE_CYCLES = 1024;
var COPY_PAGE_CYCLES = 1024;
var SharingStats = class {
  /** Guest frames scanned (hashed), merged into a shared frame, and copy-on-write breaks. */
  scanned = 0;
  merged = 0;
  cowBreaks = 0;
  /** Of the breaks, those of a store by the guest (an exit) rather than a write by the VMM. */
  cowExits = 0;
  /** Guest frames backed by a shared frame now. */
  sharedNow = 0;
  /**
   * Host frames sharing saves this VM now: of a shared frame that r guest frames use, each of
   * them is credited (r - 1) / r, so the VMs' figures add up to the host frames saved in all.
   * Brought up to date at every scan and at the end of Vmm.run (PageSharing.attribute).
   */
  savedFrames = 0;
  /** Cycles charged for scanning (hash, compare, revocation) and for copy-on-write copies. */
  scanCycles = 0;
  cowCycles = 0;
};
var SERIES_LIMIT = 1024;
var PageSharing = class {
  constructor(host, mmu, profile, options, hostsOf, vms) {
    this.host = host;
    this.mmu = mmu;
    this.profile = profile;
    this.options = options;
    this.hostsOf = hostsOf;
    this.vms = vms;
    this.action = new Uint8Array(host.frames);
  }
  host;
  mmu;
  profile;
  options;
  hostsOf;
  vms;
  /** Shared frames by content hash (KSM's stable tree). */
  stable = /* @__PURE__ */ new Map();
  /** Private frames seen once, by content hash (KSM's unstable tree). */
  unstable = /* @__PURE__ */ new Map();
  cursor = /* @__PURE__ */ new Map();
  nextScan = /* @__PURE__ */ new Map();
  /** revoke's action per host frame, cleared after each use. */
  action;
  touched = [];
  toFree = [];
  series = [];
  sampleEvery = 1;
  sampleCount = 0;
  get enabled() {
    return this.options.pages > 0;
  }
  /** The guest instruction count at which the VM's next scan is due (Vmm.runSlice stops the vCPU there). */
  nextAt(vm) {
    return this.nextScan.get(vm) ?? this.options.every;
  }
  /** The VM reached nextAt: scan its frames, and sample host memory. */
  scanDue(vm) {
    this.nextScan.set(vm, vm.stats.instructions + this.options.every);
    this.scan(vm, this.options.pages);
    this.attribute();
    this.sample();
  }
  /** Scan `pages` guest frames of `vm` from its cursor (wrapping), merging what matches. */
  scan(vm, pages) {
    const stats = vm.vmm.sharing;
    const before = vm.stats.cyclesVmm;
    const frames = vm.p2m.length;
    let at = this.cursor.get(vm) ?? 0;
    const eligible = vm.allocGranuleFrames === 1;
    for (let n2 = 0, count = Math.min(pages, frames); n2 < count && eligible; n2++, at = (at + 1) % frames) {
      const hostAddr = vm.p2m[at];
      if (hostAddr <= 0) continue;
      const frame = hostAddr >>> 12;
      if (this.host.owner[frame] !== vm.id) continue;
      stats.scanned++;
      vm.stats.cyclesVmm += SCAN_HASH_CYCLES;
      const hash = this.hashFrame(frame);
      const merged = this.mergeIntoStable(vm, at, frame, hash) || this.mergeWithCandidate(vm, at, frame, hash);
      if (!merged) this.unstable.set(hash, { vm, gfn: at, frame });
    }
    this.cursor.set(vm, at);
    this.applyRevocations(vm);
    stats.scanCycles += vm.stats.cyclesVmm - before;
  }
  mergeIntoStable(vm, gfn, frame, hash) {
    const list = this.stable.get(hash);
    if (!list) return false;
    for (const shared of list) {
      vm.stats.cyclesVmm += SCAN_COMPARE_CYCLES;
      if (!this.sameContents(shared, frame)) continue;
      this.remap(vm, gfn, frame, shared);
      return true;
    }
    return false;
  }
  mergeWithCandidate(vm, gfn, frame, hash) {
    const c = this.unstable.get(hash);
    if (!c || c.frame === frame) return false;
    if (this.host.owner[c.frame] !== c.vm.id || c.vm.p2m[c.gfn] !== c.frame * PAGE_SIZE) {
      this.unstable.delete(hash);
      return false;
    }
    vm.stats.cyclesVmm += SCAN_COMPARE_CYCLES;
    if (!this.sameContents(c.frame, frame)) return false;
    this.unstable.delete(hash);
    this.host.owner[c.frame] = SHARED_OWNER;
    this.host.sharers.set(c.frame, /* @__PURE__ */ new Map([[c.vm.id, 1]]));
    c.vm.vmm.guestFrames--;
    c.vm.vmm.sharing.merged++;
    c.vm.vmm.sharing.sharedNow++;
    this.mark(c.frame, WRITE_PROTECT);
    let list = this.stable.get(hash);
    if (!list) this.stable.set(hash, list = []);
    list.push(c.frame);
    this.remap(vm, gfn, frame, c.frame);
    return true;
  }
  /** Back guest frame `gfn` of `vm` (now on its private `frame`) by `shared`; `frame` goes once its mappings are gone. */
  remap(vm, gfn, frame, shared) {
    vm.p2m[gfn] = shared * PAGE_SIZE;
    const sharers = this.host.sharers.get(shared);
    sharers.set(vm.id, (sharers.get(vm.id) ?? 0) + 1);
    vm.vmm.guestFrames--;
    vm.vmm.sharing.merged++;
    vm.vmm.sharing.sharedNow++;
    this.mark(frame, ZAP);
    this.toFree.push(frame);
  }
  mark(frame, action) {
    if (this.action[frame] === 0) this.touched.push(frame);
    if (action > this.action[frame]) this.action[frame] = action;
  }
  /** Take away the mappings marked, in every VM's tables (a frame may be mapped only by its VMs), flush, free what was merged away. */
  applyRevocations(payer) {
    if (this.touched.length === 0) return;
    for (const vm of this.vms) {
      for (const pagerHost of this.hostsOf(vm)) {
        const { visited } = pagerHost.revoke(this.action);
        payer.stats.cyclesVmm += visited * this.profile.vmmPteReadCycles;
      }
    }
    this.mmu.flushAll();
    payer.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
    for (const f of this.touched) this.action[f] = 0;
    this.touched.length = 0;
    for (const f of this.toFree) this.host.freeFrame(f * PAGE_SIZE);
    this.toFree.length = 0;
  }
  /**
   * Give guest frame `gfn` of `vm` a private copy of the shared frame backing it (a write is
   * coming), dropping the VM's mappings of the shared frame first. `exit`: a guest store's exit.
   */
  breakCow(vm, gfn, exit) {
    const shared = vm.p2m[gfn] >>> 12;
    if (this.host.owner[shared] !== SHARED_OWNER) return;
    const stats = vm.vmm.sharing;
    const before = vm.stats.cyclesVmm;
    const copy = this.host.allocFrame(vm.id);
    const u8 = this.host.mem.u8;
    u8.copyWithin(copy, shared * PAGE_SIZE, (shared + 1) * PAGE_SIZE);
    this.host.mem.dirty[copy >>> 12] = 1;
    vm.p2m[gfn] = copy;
    vm.vmm.guestFrames++;
    vm.onBacked?.(vm, gfn);
    stats.sharedNow--;
    stats.cowBreaks++;
    if (exit) stats.cowExits++;
    vm.stats.cyclesVmm += COPY_PAGE_CYCLES;
    const sharers = this.host.sharers.get(shared);
    const mine = sharers.get(vm.id) - 1;
    if (mine === 0) sharers.delete(vm.id);
    else sharers.set(vm.id, mine);
    for (const pagerHost of this.hostsOf(vm)) {
      const { visited } = pagerHost.dropMappings(gfn, shared, mine === 0, this.action);
      vm.stats.cyclesVmm += visited * this.profile.vmmPteReadCycles;
    }
    this.mmu.flushAll();
    vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
    if (sharers.size === 0) this.releaseShared(shared);
    stats.cowCycles += vm.stats.cyclesVmm - before;
  }
  /**
   * A store (or an A/D update) met a leaf the VMM made read-only (`leaf`, PagerHost.vmmProtected):
   * break the sharing of the guest frame written, and make sure no entry of this VM to the leaf's
   * frame is left, so the retried access refaults to the pager, which maps the frame `backing` gives.
   */
  cowFault(vm, leaf, guestPhys) {
    const leafFrame = (leaf & 4294963200) >>> 12;
    if (guestPhys >= 0 && vm.isGuestRam(guestPhys)) this.breakCow(vm, guestPhys >>> 12, true);
    if (this.host.owner[leafFrame] !== SHARED_OWNER || (this.host.sharers.get(leafFrame)?.get(vm.id) ?? 0) === 0) {
      this.action[leafFrame] = ZAP;
      for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
      this.action[leafFrame] = 0;
      this.mmu.flushAll();
    }
  }
  releaseShared(shared) {
    const hash = this.hashFrame(shared);
    const list = this.stable.get(hash);
    if (list) {
      const i = list.indexOf(shared);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.stable.delete(hash);
    }
    this.host.freeFrame(shared * PAGE_SIZE);
  }
  /** Bring every VM's savedFrames up to date. */
  attribute() {
    const saved = new Float64Array(this.vms.length + 1);
    for (const sharers of this.host.sharers.values()) {
      let r = 0;
      for (const n2 of sharers.values()) r += n2;
      for (const [vmId, n2] of sharers) saved[vmId] += n2 * (r - 1) / r;
    }
    for (const vm of this.vms) if (vm.vmm.sharing) vm.vmm.sharing.savedFrames = saved[vm.id];
  }
  /** Shared frames in all, now. */
  sharedFrames() {
    return this.host.sharers.size;
  }
  /** Record one MemorySample (every `sampleEvery`-th call, thinned past SERIES_LIMIT). */
  sample() {
    if (this.sampleCount++ % this.sampleEvery !== 0) return;
    let instructions = 0;
    for (const vm of this.vms) instructions += vm.stats.instructions;
    this.series.push({ instructions, hostFrames: this.host.inUse, sharedFrames: this.sharedFrames(), perVm: this.vms.map((vm) => vm.vmm.guestFrames) });
    if (this.series.length >= SERIES_LIMIT) {
      let k = 0;
      for (let i = 0; i < this.series.length; i += 2) this.series[k++] = this.series[i];
      this.series.length = k;
      this.sampleEvery *= 2;
    }
  }
  /** FNV-1a over the frame's 1,024 words. */
  hashFrame(frame) {
    const words = this.host.mem.i32;
    let h = 2166136261;
    for (let i = frame * 1024, end = i + 1024; i < end; i++) h = Math.imul(h ^ words[i], 16777619);
    return h >>> 0;
  }
  sameContents(a, b) {
    const words = this.host.mem.i32;
    const da = a * 1024;
    const db = b * 1024;
    for (let i = 0; i < 1024; i++) if (words[da + i] !== words[db + i]) return false;
    return true;
  }
};
function guestPhysOf(vm, va) {
  va >>>= 0;
  if (!(vm.cpu.readCr(CR.STATUS) & STATUS.PG)) return va;
  const root = (vm.cpu.readCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
  const pde = vm.peekWord(root + (va >>> 22) * 4 >>> 0);
  if (pde === void 0 || !(pde & PTE.V)) return -1;
  if (pde & PTE.L) return (pde & 4290772992 | va & 4194303) >>> 0;
  const pte = vm.peekWord(((pde & PTE.FRAME_MASK) >>> 0) + (va >>> 12 & 1023) * 4 >>> 0);
  if (pte === void 0 || !(pte & PTE.V)) return -1;
  return (pte & PTE.FRAME_MASK | va & 4095) >>> 0;
}

// emulator/pml.ts
var DEFAULT_PML_SIZE = 512;
var PmlLog = class {
  constructor(size = DEFAULT_PML_SIZE) {
    this.size = size;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a PML log holds at least 1 entry (got ${size})`);
    this.entries = new Int32Array(size);
  }
  size;
  /** Guest-physical page addresses (low 12 bits zero), in the order their D bits were set. */
  entries;
  /** Entries in use (Intel's PML index counts down from 511; this counts up: the same log). */
  count = 0;
};

// hypervisor/dirty-log.ts
var DirtyLogStats = class {
  method = "wp";
  /** Guest frames logged dirty (each at most once between two harvests). */
  pagesLogged = 0;
  /** Write-protection exits (the first store to a protected frame) and PML-log-full exits. */
  wpExits = 0;
  pmlFullExits = 0;
  /** Harvests (each returns and re-arms the frames logged since the one before). */
  harvests = 0;
  /** Cycles charged to logging: its exits, the VMM's work in them, arming, harvests and their TLB flushes. */
  cycles = 0;
};
function pmlDrainCycles(profile) {
  return profile.vmmPteReadCycles;
}
var DirtyLog = class {
  constructor(vm, method, host, mmu, profile, hostsOf, sharing, pmlSize = DEFAULT_PML_SIZE) {
    this.vm = vm;
    this.method = method;
    this.host = host;
    this.mmu = mmu;
    this.profile = profile;
    this.hostsOf = hostsOf;
    this.sharing = sharing;
    this.stats.method = method;
    this.dirty = new Uint8Array(vm.p2m.length);
    this.action = new Uint8Array(host.frames);
    if (method === "wp") this.gfnOf = new Int32Array(host.frames).fill(-1);
    else this.pml = new PmlLog(pmlSize);
  }
  vm;
  method;
  host;
  mmu;
  profile;
  hostsOf;
  sharing;
  stats = new DirtyLogStats();
  /** 1 for each guest frame logged since the last harvest... */
  dirty;
  /** ...and the same frames in the order they were logged. */
  order = [];
  /** `wp`: the guest frame each host frame of the VM backs (kept for the frames armed). */
  gfnOf;
  /** revoke's action per host frame, zero outside a harvest. */
  action;
  pml;
  active = false;
  get on() {
    return this.active;
  }
  /** Turn logging on: every frame backed now is armed (write-protected, or its EPT D bit cleared). */
  start() {
    if (this.active) return;
    this.active = true;
    const vm = this.vm;
    vm.dirtyLog = this;
    const before = vm.stats.cyclesVmm;
    if (this.method === "wp") {
      vm.logTrap = new Uint8Array(this.host.frames);
      const frames = [];
      for (let gfn = 0; gfn < vm.p2m.length; gfn++) if (vm.p2m[gfn] > 0) frames.push(gfn);
      this.protect(frames);
    } else {
      vm.pmlLog = this.pml;
      this.mmu.pml = this.pml;
      for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.cleanAll() * this.profile.vmmPteWriteCycles;
      this.flush();
    }
    this.stats.cycles += vm.stats.cyclesVmm - before;
  }
  /** Turn logging off (after a migration): pagers' leaves are writable again from the next mapping on, the log is unloaded. */
  stop() {
    if (!this.active) return;
    this.active = false;
    const vm = this.vm;
    vm.dirtyLog = void 0;
    vm.logTrap = void 0;
    vm.pmlLog = void 0;
    if (this.mmu.pml === this.pml) this.mmu.pml = null;
    for (const gfn of this.order) this.dirty[gfn] = 0;
    this.order.length = 0;
  }
  /** Log guest frame `gfn` (a VMM write, a new frame, a store exit, a PML entry). */
  noteWrite(gfn) {
    if (!this.active || gfn < 0 || gfn >= this.dirty.length) return;
    if (this.dirty[gfn] === 0) {
      this.dirty[gfn] = 1;
      this.order.push(gfn);
      this.stats.pagesLogged++;
    }
    const vm = this.vm;
    const hostAddr = vm.p2m[gfn];
    if (vm.logTrap !== void 0 && hostAddr > 0) {
      vm.logTrap[hostAddr >>> 12] = 0;
      this.gfnOf[hostAddr >>> 12] = gfn;
    }
  }
  /**
   * The frames logged since the last harvest, in ascending order, and re-armed: `pml` drains the
   * log first and clears their EPT D bits, `wp` write-protects them again; then the TLB is flushed.
   * `rearm` false: the last harvest before logging stops (migration's stop-and-copy), nothing re-armed.
   */
  harvest(rearm = true) {
    const vm = this.vm;
    const before = vm.stats.cyclesVmm;
    if (this.pml !== void 0) this.drain();
    const frames = this.order.slice().sort((a, b) => a - b);
    for (const gfn of frames) this.dirty[gfn] = 0;
    this.order.length = 0;
    if (this.active && rearm) {
      if (this.method === "wp") this.protect(frames);
      else {
        const cleanCycles = 2 * this.profile.vmmPteReadCycles + this.profile.vmmPteWriteCycles;
        for (const gfn of frames) {
          for (const pagerHost of this.hostsOf(vm)) {
            vm.stats.cyclesVmm += cleanCycles;
            pagerHost.cleanLeafFor(gfn * PAGE_SIZE);
          }
        }
        this.flush();
      }
    }
    this.stats.harvests++;
    this.stats.cycles += vm.stats.cyclesVmm - before;
    return frames;
  }
  /** Write-protect the leaves to these guest frames' host frames (and every later leaf to them), then flush. */
  protect(frames) {
    const vm = this.vm;
    const trap = vm.logTrap;
    const touched = [];
    for (const gfn of frames) {
      const hostAddr = vm.p2m[gfn];
      if (hostAddr <= 0) continue;
      const frame = hostAddr >>> 12;
      if (this.host.owner[frame] !== vm.id) continue;
      trap[frame] = 1;
      this.gfnOf[frame] = gfn;
      this.action[frame] = WRITE_PROTECT;
      touched.push(frame);
    }
    if (touched.length > 0) {
      for (const pagerHost of this.hostsOf(vm)) {
        const { visited, changed } = pagerHost.revoke(this.action);
        vm.stats.cyclesVmm += visited * this.profile.vmmPteReadCycles + changed * this.profile.vmmPteWriteCycles;
      }
      for (const f of touched) this.action[f] = 0;
    }
    this.flush();
  }
  flush() {
    this.mmu.flushAll();
    this.vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
  }
  /** Move the PML log's entries into the dirty set; the log is empty after. */
  drain() {
    const pml = this.pml;
    for (let i = 0; i < pml.count; i++) this.noteWrite(pml.entries[i] >>> 12);
    this.vm.stats.cyclesVmm += pml.count * pmlDrainCycles(this.profile);
    pml.count = 0;
  }
  /** The cost of the exit just taken (Vmm.handleExit charged it), counted as logging's. */
  exitCycles() {
    return this.profile.vmExitCycles + this.profile.vmEntryCycles + this.profile.vmmHandlerCycles;
  }
  /** A `pml-full` exit: drain the log; the access is retried and now finds room. */
  pmlFull() {
    const before = this.vm.stats.cyclesVmm;
    this.drain();
    this.stats.pmlFullExits++;
    this.stats.cycles += this.exitCycles() + this.vm.stats.cyclesVmm - before;
    return "pml-full";
  }
  /**
   * Is this exit a store (or a walk's A/D write) meeting a leaf dirty logging protected? For `wp`
   * logging, on a leaf with the VMM's bit whose frame is the VM's own (a shared frame's
   * protection is the sharing's; a store to it breaks the sharing, and is logged, in Vmm.handleExit).
   */
  owns(leaf) {
    if (this.method !== "wp") return false;
    const frame = (leaf & 4294963200) >>> 12;
    return this.host.owner[frame] === this.vm.id;
  }
  /**
   * The first store to a write-protected frame (`owns` said yes): log the guest frame, give W back
   * to the leaf met, resume. The store is retried and succeeds.
   */
  protectionFault(pagerHost, e, leaf) {
    const vm = this.vm;
    const before = vm.stats.cyclesVmm;
    const frame = (leaf & 4294963200) >>> 12;
    const nested = e.reason === EXIT.EPT_VIOLATION;
    let gfn = nested ? e.guestPhys >>> 0 >>> 12 : this.gfnOf[frame];
    if (gfn < 0 || vm.p2m[gfn] !== frame * PAGE_SIZE) {
      const gpa = guestPhysOf(vm, e.address);
      vm.stats.cyclesVmm += 2 * this.profile.vmmPteReadCycles;
      gfn = gpa >= 0 && vm.isGuestRam(gpa) && vm.p2m[gpa >>> 12] === frame * PAGE_SIZE ? gpa >>> 12 : vm.p2m.indexOf(frame * PAGE_SIZE);
    }
    if (gfn >= 0) this.noteWrite(gfn);
    else vm.logTrap[frame] = 0;
    pagerHost.unprotectLeafFor(nested ? e.guestPhys >>> 0 : e.address >>> 0);
    vm.stats.cyclesVmm += this.profile.vmmPteWriteCycles;
    this.stats.wpExits++;
    this.stats.cycles += this.exitCycles() + vm.stats.cyclesVmm - before;
    return "dirty-log";
  }
  /** A store to a frame the VM shares (sharing.ts) while it is logged: the copy-on-write break, then the log. */
  sharedStore(e, leaf) {
    const vm = this.vm;
    const gpa = e.reason === EXIT.EPT_VIOLATION ? e.guestPhys >>> 0 : guestPhysOf(vm, e.address);
    this.sharing.cowFault(vm, leaf, gpa);
    if (gpa >= 0 && vm.isGuestRam(gpa)) this.noteWrite(gpa >>> 12);
  }
};

// hypervisor/migration.ts
var DEFAULT_MIGRATION = { at: void 0, bandwidth: 250, maxRounds: 30, stopPages: 50 };
var DEFAULT_DIRTY_LOG = { method: void 0, pmlSize: DEFAULT_PML_SIZE, every: 1e5 };
var MIGRATION_SWITCH_CYCLES = 1e5;
var MIN_STEP = 256;
var MigrationStats = class {
  /** Whether it started, finished (the VM runs on the destination), and converged (the dirty set fell to the threshold). */
  started = false;
  completed = false;
  converged = false;
  /** Rounds made (round 0 included; the stop-and-copy is not one) and the pages sent in each, then in the stop-and-copy. */
  rounds = 0;
  pagesPerRound = [];
  stopCopyPages = 0;
  pagesSent = 0;
  /** Guest instructions retired when it started and when the VM resumed on the destination. */
  startInstructions = 0;
  endInstructions = 0;
  /** Cycles from the start to the resume on the destination, the downtime among them, and logging's. */
  totalCycles = 0;
  downtimeCycles = 0;
  loggingCycles = 0;
  /** Logging's cycles over the rest of the VM's cycles while it ran logged: the guest's slowdown. */
  slowdown = 0;
};
var LiveMigration = class {
  constructor(host, mmu, profile, options, logging, hostsOf, sharing) {
    this.host = host;
    this.mmu = mmu;
    this.profile = profile;
    this.options = options;
    this.logging = logging;
    this.hostsOf = hostsOf;
    this.sharing = sharing;
    this.action = new Uint8Array(host.frames);
  }
  host;
  mmu;
  profile;
  options;
  logging;
  hostsOf;
  sharing;
  states = /* @__PURE__ */ new Map();
  action;
  /** Whether VMs migrate (else dirty logging runs alone). */
  get migrating() {
    return this.options.at !== void 0;
  }
  /** Cycles to send one page over the link. */
  get cyclesPerPage() {
    return Math.ceil(1e6 / this.options.bandwidth);
  }
  /** Take a VM in (Vmm.addVm): its method is `logging.method`, or pml for EPT and wp otherwise. */
  add(vm) {
    const method = this.logging.method ?? (vm.mode === "ept" ? "pml" : "wp");
    const log = new DirtyLog(vm, method, this.host, this.mmu, this.profile, this.hostsOf, this.sharing, this.logging.pmlSize);
    vm.vmm.dirtyLog = log.stats;
    if (this.migrating) vm.vmm.migration = new MigrationStats();
    this.states.set(vm, { log, phase: "waiting", dest: void 0, roundEndCycles: 0, startCycles: 0, nextAt: this.options.at ?? 0 });
  }
  logOf(vm) {
    return this.states.get(vm)?.log;
  }
  /** The guest instruction count at which the VM's next checkpoint is due (Vmm.runSlice stops there). */
  nextAt(vm) {
    return this.states.get(vm)?.nextAt ?? Infinity;
  }
  checkpoint(vm) {
    const s = this.states.get(vm);
    const instructions = vm.stats.instructions;
    if (!this.migrating) {
      if (s.log.on) s.log.harvest();
      else s.log.start();
      s.nextAt = instructions + this.logging.every;
      return;
    }
    const stats = vm.vmm.migration;
    if (s.phase === "waiting") {
      stats.started = true;
      stats.startInstructions = instructions;
      s.startCycles = vm.stats.cycles;
      s.dest = new Int32Array(vm.p2m.length);
      s.log.start();
      const all = [];
      for (let gfn = 0; gfn < vm.p2m.length; gfn++) if (vm.p2m[gfn] > 0) all.push(gfn);
      this.beginRound(vm, s, all);
    } else if (s.phase === "round" && vm.stats.cycles >= s.roundEndCycles) {
      const last = stats.rounds >= this.options.maxRounds;
      const dirty = s.log.harvest(!last);
      if (dirty.length <= this.options.stopPages || last) this.stopAndCopy(vm, s, dirty);
      else this.beginRound(vm, s, dirty);
    }
    if (s.phase === "round") s.nextAt = instructions + Math.max(MIN_STEP, Math.floor((s.roundEndCycles - vm.stats.cycles) / 4));
    else if (s.phase === "done") s.nextAt = Infinity;
  }
  beginRound(vm, s, frames) {
    const stats = vm.vmm.migration;
    this.send(vm, s, frames);
    stats.rounds++;
    stats.pagesPerRound.push(frames.length);
    s.phase = "round";
    s.roundEndCycles = vm.stats.cycles + frames.length * this.cyclesPerPage;
  }
  /** Copy guest frames to the destination (allocating its frames as needed). The host's migration thread does it: the guest is not charged. */
  send(vm, s, frames) {
    const dest = s.dest;
    const mem = this.host.mem;
    for (const gfn of frames) {
      const src = vm.p2m[gfn];
      if (src <= 0) continue;
      if (dest[gfn] === 0) dest[gfn] = this.allocDestination(vm);
      const to = dest[gfn];
      mem.u8.copyWithin(to, src, src + PAGE_SIZE);
      mem.dirty[to >>> 12] = 1;
      vm.vmm.migration.pagesSent++;
    }
  }
  /** A frame of the destination; a host too small for the copy is the user's to fix, said so. */
  allocDestination(vm) {
    try {
      return this.host.allocFrame(VMM_OWNER);
    } catch (e) {
      if (e instanceof OutOfHostMemory) throw new OutOfHostMemory(`live migration of VM ${vm.name}: the host has no frame left for the destination's copy of its memory (${this.host.frames} frames; the copy is made on the same host): raise --host-memory`);
      throw e;
    }
  }
  stopAndCopy(vm, s, frames) {
    const stats = vm.vmm.migration;
    this.send(vm, s, frames);
    stats.stopCopyPages = frames.length;
    stats.converged = frames.length <= this.options.stopPages;
    stats.loggingCycles = s.log.stats.cycles;
    s.log.stop();
    const downtime = frames.length * this.cyclesPerPage + MIGRATION_SWITCH_CYCLES;
    const ran = vm.stats.cycles - s.startCycles;
    vm.stats.cyclesVmm += downtime;
    this.switchOver(vm, s);
    stats.downtimeCycles = downtime;
    stats.totalCycles = vm.stats.cycles - s.startCycles;
    stats.slowdown = ran > stats.loggingCycles ? stats.loggingCycles / (ran - stats.loggingCycles) : 0;
    stats.endInstructions = vm.stats.instructions;
    stats.completed = true;
    s.phase = "done";
  }
  /** The VM continues on the destination frames: old mappings revoked, p2m replaced, old frames zeroed and freed. */
  switchOver(vm, s) {
    const dest = s.dest;
    const old = [];
    for (let gfn = 0; gfn < vm.p2m.length; gfn++) {
      const src = vm.p2m[gfn];
      if (src <= 0) continue;
      if (dest[gfn] === 0) throw new Error(`VMM bug: migration of VM ${vm.name} never sent guest frame ${gfn}`);
      this.action[src >>> 12] = ZAP;
      old.push(src);
    }
    for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
    this.mmu.flushAll();
    vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
    const mem = this.host.mem;
    for (let gfn = 0; gfn < vm.p2m.length; gfn++) {
      const src = vm.p2m[gfn];
      if (src <= 0) continue;
      this.action[src >>> 12] = 0;
      this.host.owner[dest[gfn] >>> 12] = vm.id;
      vm.p2m[gfn] = dest[gfn];
    }
    for (const src of old) {
      mem.u8.fill(0, src, src + PAGE_SIZE);
      mem.dirty[src >>> 12] = 1;
      this.host.freeFrame(src);
    }
    s.dest = void 0;
  }
  /** The run ended: a migration still in its rounds is abandoned (the VM stays on the source; the destination's frames go). */
  finish() {
    for (const [vm, s] of this.states) {
      if (s.phase !== "round") continue;
      vm.vmm.migration.loggingCycles = s.log.stats.cycles;
      s.log.stop();
      const dest = s.dest;
      for (let gfn = 0; gfn < dest.length; gfn++) if (dest[gfn] > 0) this.host.freeFrame(dest[gfn]);
      s.dest = void 0;
      s.phase = "done";
      s.nextAt = Infinity;
    }
  }
};

// hypervisor/vmm.ts
var DEFAULT_HOST_MEMORY = 256 * 1024 * 1024;
var DEFAULT_QUANTUM = 1e5;
var Vmm = class {
  host;
  mmu;
  profile;
  vms = [];
  pagerHosts = /* @__PURE__ */ new Map();
  /** Dynamic-mode VMs' switchers (dynamic.ts): their current PagerHost is the one in use. */
  dynamics = /* @__PURE__ */ new Map();
  /** Agile-mode VMs' policy timers (agile.ts). */
  agileTimers = /* @__PURE__ */ new Map();
  options;
  pagerFailure;
  /** The VM whose state the MMU holds now. */
  loaded;
  /** Content-based page sharing, when on (sharing.ts). */
  sharing;
  /** Host swapping, when on (swap.ts). */
  swap;
  /** Ballooning, when on (balloon.ts). */
  balloon;
  /** The reclaim policy, when one is set (reclaim.ts). */
  reclaim;
  /** Host memory over time, when sharing, swapping or ballooning is on (memory-series.ts). */
  series;
  /** Dirty logging and live migration, when either is on (migration.ts). */
  migration;
  constructor(options = {}) {
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.host = new HostMemory(options.hostMemoryBytes ?? DEFAULT_HOST_MEMORY);
    this.mmu = new Mmu(this.host.mem, new Stats(), this.profile, options.mmu ?? DEFAULT_MMU);
    this.options = {
      vpid: options.vpid ?? false,
      quantum: options.quantum ?? DEFAULT_QUANTUM,
      shadow: options.shadow ?? DEFAULT_SHADOW,
      ept: options.ept ?? DEFAULT_EPT,
      dynamic: options.dynamic ?? DEFAULT_DYNAMIC,
      agile: options.agile ?? DEFAULT_AGILE,
      sharing: options.sharing ?? DEFAULT_SHARING,
      swap: options.swap ?? DEFAULT_SWAP,
      balloon: options.balloon ?? DEFAULT_BALLOON,
      reclaim: options.reclaim ?? DEFAULT_RECLAIM,
      dirtyLog: options.dirtyLog ?? DEFAULT_DIRTY_LOG,
      migration: options.migration ?? DEFAULT_MIGRATION
    };
    this.pagerFailure = options.pagerFailure;
    if (this.options.sharing.pages > 0) {
      this.sharing = new PageSharing(this.host, this.mmu, this.profile, this.options.sharing, (vm) => this.tablesOf(vm), this.vms);
      this.mmu.adWritesCheckEpt = true;
    }
    const policy = this.options.reclaim.policy;
    if (reclaimBalloons(policy) && this.options.balloon.targetFrames !== void 0) {
      throw new RangeError(`a fixed balloon target (--balloon-target) and a reclaim policy that sets the targets (--reclaim ${policy}) exclude each other: use one or the other`);
    }
    if (this.options.swap.policy !== void 0 || reclaimSwaps(policy)) {
      const swap = { ...this.options.swap, policy: this.options.swap.policy ?? "fifo" };
      this.swap = new HostSwap(this.host, this.mmu, this.profile, swap, (vm) => this.tablesOf(vm), this.vms);
    }
    if (this.options.balloon.targetFrames !== void 0 || reclaimBalloons(policy)) {
      const balloon = { targetFrames: this.options.balloon.targetFrames ?? 0 };
      this.balloon = new Balloon(this.host, this.mmu, this.profile, balloon, (vm) => this.tablesOf(vm));
    }
    if (policy !== void 0) this.reclaim = new Reclaim(this.host, this.vms, policy, this.balloon, this.options.swap.reserve);
    if (this.sharing || this.swap || this.balloon) this.series = new MemorySeries(this.host, this.vms);
    if (this.options.migration.at !== void 0 || this.options.dirtyLog.method !== void 0) {
      if (this.options.migration.at !== void 0 && (this.swap || this.balloon)) throw new RangeError("live migration copies every backed guest frame: it is not offered with host swapping or ballooning (a swapped-out or ballooned frame has no host frame to send); use one or the other");
      if (this.options.migration.at !== void 0 && this.sharing) throw new RangeError("live migration is not offered with page sharing yet (a shared frame would need its sharers moved together); use one or the other");
      this.migration = new LiveMigration(this.host, this.mmu, this.profile, this.options.migration, this.options.dirtyLog, (vm) => this.tablesOf(vm), this.sharing);
      this.mmu.adWritesCheckEpt = true;
    }
  }
  /** Create a VM, load its kernel (and boot modules) into its guest-physical memory, reset its vCPU. */
  addVm(spec) {
    if (this.vms.length >= 255) throw new RangeError("at most 255 VMs");
    const vm = new Vm(this.vms.length + 1, spec.name, spec.mode, spec.memoryBytes, this.host, this.mmu, this.profile);
    if (spec.mode === "pv" && this.sharing) throw new RangeError(`VM ${spec.name}: page sharing is not offered to pv VMs: direct paging writes each real entry with the guest's validated update and has no hidden faults for the VMM to take a mapping back through (Xen shares memory only of HVM guests); use --mode shadow, ept or dynamic`);
    if (spec.mode === "pv" && this.swap) throw new RangeError(`VM ${spec.name}: host swapping is not offered to pv VMs: direct paging has no hidden faults for the VMM to take a mapping back through; use --mode shadow, ept or dynamic`);
    if ((spec.mode === "ept" || spec.mode === "dynamic") && this.swap && this.options.ept.largePages) {
      throw new RangeError(`VM ${spec.name}: host swapping evicts 4 KiB guest frames, and EPT large pages back guest memory in large runs: use one or the other`);
    }
    if (spec.mode === "pv" && this.balloon) throw new RangeError(`VM ${spec.name}: ballooning is not offered to pv VMs: the VMM takes a ballooned frame's mappings back through hidden faults, which direct paging does not have; use --mode shadow, ept, dynamic or agile`);
    if ((spec.mode === "ept" || spec.mode === "dynamic") && this.balloon && this.options.ept.largePages) {
      throw new RangeError(`VM ${spec.name}: ballooning takes back 4 KiB guest frames, and EPT large pages back guest memory in large runs: use one or the other`);
    }
    if (spec.mode === "pv" && spec.pager) throw new RangeError(`VM ${spec.name}: pv mode runs the built-in paravirtual MMU (pv.ts), not a pager of one's own`);
    const module = spec.pager ?? (spec.mode === "shadow" ? SHADOW_PAGER : spec.mode === "pv" ? PV_PAGER : spec.mode === "agile" ? agilePager(this.options.agile) : EPT_PAGER);
    const context = { host: this.host, mmu: this.mmu, profile: this.profile, ...this.pagerFailure ? { failure: this.pagerFailure } : {} };
    const settings = { shadow: this.options.shadow, ept: this.options.ept };
    if (spec.mode === "dynamic") {
      if (spec.pager) throw new RangeError(`VM ${spec.name}: dynamic mode runs the built-in shadow and EPT pagers, not a pager of one's own`);
      const dynamic = new DynamicPaging(vm, context, settings, this.options.dynamic, this.profile);
      this.dynamics.set(vm, dynamic);
      vm.pagerName = "dynamic";
    } else {
      this.pagerHosts.set(vm, new PagerHost(vm, context, module, settings));
      vm.pagerName = module.name;
      if (spec.mode === "pv") vm.vmm.pv = this.pagerHosts.get(vm).pager.stats;
      if (spec.mode === "agile" && module.builtIn) {
        const host = this.pagerHosts.get(vm);
        this.agileTimers.set(vm, new AgileTimer(vm, host, host.pager, this.profile, this.options.ept.levels));
      }
    }
    this.vms.push(vm);
    if (this.sharing) {
      vm.vmm.sharing = new SharingStats();
      const sharing = this.sharing;
      vm.cowBreak = (v, gfn) => sharing.breakCow(v, gfn, false);
    }
    if (this.migration) {
      const what = this.migration.migrating ? "live migration" : "dirty logging";
      if (spec.mode === "pv" || spec.mode === "agile") throw new RangeError(`VM ${spec.name}: ${what} is not offered to ${spec.mode} VMs: it write-protects or cleans the VM's mappings and takes them back through hidden faults, which ${spec.mode === "pv" ? "direct paging does not have" : "agile paging's switched directory entries bypass"}; use --mode shadow, ept or dynamic`);
      if (spec.mode !== "shadow" && this.options.ept.largePages) throw new RangeError(`VM ${spec.name}: ${what} tracks 4 KiB guest frames, and EPT large pages map guest memory in large runs: use one or the other`);
      const method = this.options.dirtyLog.method;
      if (method === "pml" && spec.mode !== "ept") throw new RangeError(`VM ${spec.name}: --dirty-log pml needs EPT (page-modification logging is a feature of the EPT's A/D bits); ${spec.mode} VMs log with wp`);
      this.migration.add(vm);
    }
    if (this.balloon) {
      const balloon = this.balloon;
      vm.vmm.balloon = new BalloonStats();
      balloon.setTarget(vm, balloon.options.targetFrames);
      vm.balloonTouch = (v, gfn) => balloon.touch(v, gfn);
    }
    if (this.swap) {
      const swap = this.swap;
      vm.vmm.swap = new SwapStats();
      vm.touchedAt = new Uint32Array(vm.p2m.length);
      vm.pageIn = (v, gfn) => swap.pageIn(v, gfn);
      vm.onBacked = (v, gfn) => swap.noteBacked(v, gfn);
    }
    const withModules = (spec.modules ?? []).length > 0;
    let layout = { bootInfo: 0, freeStart: 0, modules: [] };
    if (withModules) layout = bootLoad(vm, spec.kernel, spec.modules, spec.boot ?? {});
    else loadSegments(vm, spec.kernel);
    vm.cpu.reset(spec.kernel.entry, vm.sizeBytes);
    if (withModules) vm.cpu.regs[3] = layout.bootInfo;
    return { vm, layout };
  }
  /** A VM's pager: the object its handlers are (ShadowPager, EptPager, or a user's). */
  pagerOf(vm) {
    return this.hostOf(vm).pager;
  }
  /** A dynamic-mode VM's switcher (its design now, policy state, statistics); undefined in the other modes. */
  dynamicOf(vm) {
    return this.dynamics.get(vm);
  }
  hostOf(vm) {
    return this.pagerHosts.get(vm) ?? this.dynamics.get(vm).current;
  }
  /** Every PagerHost holding tables of the VM (a dynamic VM's EPT stays while it runs shadowed). */
  tablesOf(vm) {
    const one2 = this.pagerHosts.get(vm);
    return one2 ? [one2] : this.dynamics.get(vm)?.hosts() ?? [];
  }
  /**
   * Host memory in use over time, sampled every so many guest instructions (memory-series.ts)
   * when page sharing, host swapping or ballooning is on; empty otherwise.
   */
  get memorySeries() {
    return this.series?.samples ?? [];
  }
  /** VM entry: give the MMU this VM's translation and statistics. */
  enter(vm) {
    const vpid = this.options.vpid ? vm.id : 0;
    if (this.loaded !== vm) {
      if (this.loaded !== void 0 && !this.options.vpid) {
        this.mmu.flushAll();
        vm.vmm.vmSwitchFlushes++;
      }
      this.loaded = vm;
    }
    this.mmu.stats = vm.stats;
    this.mmu.pml = vm.pmlLog ?? null;
    this.hostOf(vm).enter(vpid);
  }
  /**
   * Run every VM round-robin until each has stopped or used `maxInstructions`. `onSlice` runs
   * after each round (to stream console output); returning false stops everything.
   */
  run(maxInstructions, onSlice) {
    while (this.runRound(maxInstructions)) {
      if (onSlice && onSlice() === false) this.stopAll();
    }
    this.sharing?.attribute();
    this.series?.sample();
    this.migration?.finish();
    return this.vms.map((vm) => this.result(vm));
  }
  /**
   * One round of the host scheduler: each VM that can run gets one quantum (at most up to
   * `maxInstructions` retired in all). Returns false once every VM has stopped.
   */
  runRound(maxInstructions) {
    const quantum = this.vms.length === 1 ? 1e6 : this.options.quantum;
    let ran = false;
    for (const vm of this.vms) {
      if (vm.stopped !== void 0) continue;
      ran = true;
      this.reclaim?.beforeTurn();
      this.swap?.balance();
      this.runSlice(vm, Math.min(quantum, maxInstructions - vm.stats.instructions));
      if (vm.stopped === void 0 && vm.stats.instructions >= maxInstructions) vm.stopped = "max-instructions";
    }
    return ran && this.vms.some((vm) => vm.stopped === void 0);
  }
  stopAll() {
    for (const vm of this.vms) if (vm.stopped === void 0) vm.stopped = "stopped";
  }
  /**
   * A VM that stopped in wfi because no interrupt could come may run again once its console has
   * been given input from outside (a terminal under `vmmlab run`, the debugger's `input`): its
   * wfi did not retire, and now completes. Returns whether the VM was so stopped.
   */
  resumeFromWfi(vm) {
    if (vm.stopped !== "wfi-deadlock") return false;
    vm.stopped = void 0;
    return true;
  }
  /** Run one VM for up to `budget` guest instructions, handling its exits. */
  runSlice(vm, budget) {
    const endAt = vm.stats.instructions + budget;
    this.enter(vm);
    const dynamic = this.dynamics.get(vm) ?? this.agileTimers.get(vm);
    const sharing = this.sharing;
    const series = this.series;
    const migration = this.migration;
    while (vm.stopped === void 0 && vm.stats.instructions < endAt) {
      if (migration !== void 0 && vm.stats.instructions >= migration.nextAt(vm)) migration.checkpoint(vm);
      if (dynamic !== void 0 && vm.stats.instructions >= dynamic.nextAt) dynamic.checkpoint(this.options.vpid ? vm.id : 0);
      if (sharing !== void 0 && vm.stats.instructions >= sharing.nextAt(vm)) sharing.scanDue(vm);
      series?.maybeSample();
      const stopAt = Math.min(endAt, dynamic?.nextAt ?? Infinity, sharing?.nextAt(vm) ?? Infinity, series?.nextAt(vm) ?? Infinity, migration?.nextAt(vm) ?? Infinity);
      const code = vm.cpu.run(stopAt - vm.stats.instructions);
      if (code === STOP.EXIT) {
        this.handleExit(vm, vm.cpu.exit);
        continue;
      }
      if (code === STOP.BUDGET && (dynamic !== void 0 || sharing !== void 0 || series !== void 0 || migration !== void 0) && vm.stats.instructions < endAt) continue;
      if (code === STOP.TRAP) break;
      if (code === STOP.WFI_DEADLOCK) vm.stopped = "wfi-deadlock";
      else if (code === STOP.TRAP_LOOP) vm.stopped = "trap-loop";
      else if (code === STOP.REQUESTED) vm.stopped = "stopped";
      else if (code === STOP.HALT) vm.stopped = "halted";
      break;
    }
    dynamic?.account();
  }
  requestStop() {
    for (const vm of this.vms) vm.cpu.requestStop();
  }
  handleExit(vm, e) {
    const stats = vm.stats;
    const instructions = stats.instructions;
    stats.cyclesExit += this.profile.vmExitCycles + this.profile.vmEntryCycles;
    stats.cyclesVmm += this.profile.vmmHandlerCycles;
    const cpu = vm.cpu;
    const pagerHost = this.hostOf(vm);
    pagerHost.noteExit(instructions, e);
    let reason;
    let swappedStore = -1;
    if (this.swap !== void 0) {
      this.host.serial++;
      if (e.access === ACCESS.STORE && (e.reason === EXIT.PAGE_FAULT || e.reason === EXIT.EPT_VIOLATION)) {
        const gpa = e.reason === EXIT.EPT_VIOLATION ? e.guestPhys >>> 0 : guestPhysOf(vm, e.address);
        if (gpa >= 0 && vm.isGuestRam(gpa) && vm.p2m[gpa >>> 12] === SWAPPED) swappedStore = gpa >>> 12;
      }
    }
    switch (e.reason) {
      case EXIT.CR_READ: {
        const value = e.crn === CR.PTBR ? pagerHost.ptbrRead(e) : cpu.readCr(e.crn);
        if (e.rd !== 0) cpu.regs[e.rd] = value;
        cpu.retireEmulated(e.word);
        reason = e.crn === CR.PTBR ? "ptbr-read" : "cr-read";
        break;
      }
      case EXIT.CR_WRITE: {
        const old = cpu.readCr(e.crn);
        cpu.writeCr(e.crn, e.value);
        if (e.rd !== 0) cpu.regs[e.rd] = old;
        cpu.retireEmulated(e.word);
        pagerHost.afterCrWrite(e, old);
        reason = e.crn === CR.PTBR ? "ptbr-write" : "cr-write";
        break;
      }
      case EXIT.WFI:
        if (cpu.idleUntilInterrupt()) cpu.retireEmulated(e.word);
        else vm.stopped = "wfi-deadlock";
        reason = "wfi";
        break;
      case EXIT.HCALL:
        reason = this.hostOf(vm).hypercall(e);
        if (reason !== void 0) break;
        if (this.balloon !== void 0) {
          reason = this.balloon.hypercall(vm, e.code);
          if (reason !== void 0) {
            cpu.retireEmulated(e.word);
            break;
          }
        }
        cpu.regs[3] = -1;
        cpu.retireEmulated(e.word);
        reason = "hcall";
        break;
      case EXIT.PML_FULL:
        reason = this.migration.logOf(vm).pmlFull();
        break;
      default:
        if (this.migration !== void 0 && pagerHost.vmmProtected(e)) {
          const leaf = pagerHost.protectedLeaf(e);
          const log = this.migration.logOf(vm);
          if (log.owns(leaf)) reason = log.protectionFault(pagerHost, e, leaf);
          else if (this.sharing !== void 0) {
            log.sharedStore(e, leaf);
            reason = "cow-break";
          }
        }
        if (reason !== void 0) break;
        if (this.sharing !== void 0 && pagerHost.vmmProtected(e)) {
          const leaf = pagerHost.protectedLeaf(e);
          this.sharing.cowFault(vm, leaf, e.reason === EXIT.EPT_VIOLATION ? e.guestPhys >>> 0 : guestPhysOf(vm, e.address));
          reason = "cow-break";
        } else reason = pagerHost.handleExit(e);
    }
    if (swappedStore >= 0 && vm.p2m[swappedStore] > 0) vm.vmm.swap.pageInsOnStore++;
    if (reason === void 0) throw new Error(`VMM bug: unhandled exit ${EXIT_NAMES.get(e.reason) ?? e.reason} in ${vm.mode} mode`);
    vm.vmm.countExit(reason);
    vm.recordExit(new LoggedExit(instructions, e, reason));
  }
  result(vm) {
    return {
      name: vm.name,
      mode: vm.mode,
      reason: vm.stopped ?? "stopped",
      exitCode: vm.devices.exitCode,
      instructions: vm.stats.instructions,
      cycles: vm.stats.cycles
    };
  }
  /** Isolation audit of every VM: problems found (empty when sound). */
  audit() {
    return this.vms.flatMap((vm) => (this.dynamics.get(vm)?.audit() ?? this.hostOf(vm).audit()).map((p) => `${vm.name}: ${p}`));
  }
};
var LoggedExit = class {
  constructor(instructions, e, reason) {
    this.instructions = instructions;
    this.reason = reason;
    Object.assign(this.info, e);
    this.pc = e.pc;
    this.hardware = EXIT_NAMES.get(e.reason) ?? String(e.reason);
  }
  instructions;
  reason;
  info = new ExitInfo();
  pc;
  hardware;
  get detail() {
    return describeExit(this.info);
  }
};
var hex7 = (n2) => "0x" + (n2 >>> 0).toString(16).padStart(8, "0");
function describeExit(e) {
  switch (e.reason) {
    case EXIT.CR_READ:
      return `mfcr ${CR_NAMES.get(e.crn) ?? e.crn}`;
    case EXIT.CR_WRITE:
      return `write ${CR_NAMES.get(e.crn) ?? e.crn} = ${hex7(e.value)}`;
    case EXIT.INVLPG:
      return `invlpg ${hex7(e.address)}`;
    case EXIT.TLBFLUSH:
      return "tlbflush";
    case EXIT.PAGE_FAULT:
      return `${causeName(e.cause)} at ${hex7(e.address)} (${ACCESS_NAMES[e.access]})`;
    case EXIT.EPT_VIOLATION:
      return `guest-physical ${hex7(e.guestPhys)}${e.inTableWalk ? " (a guest page table)" : ""} for ${ACCESS_NAMES[e.access]} of ${hex7(e.address)}`;
    case EXIT.WFI:
      return "wfi";
    case EXIT.HCALL:
      return `hcall ${e.code}`;
    case EXIT.PML_FULL:
      return `page-modification log full at guest-physical ${hex7(e.guestPhys)} for ${ACCESS_NAMES[e.access]} of ${hex7(e.address)}`;
    default:
      return "";
  }
}

// bench/misses.ts
import { fileURLToPath } from "node:url";
var ROOT = fileURLToPath(new URL("..", import.meta.url));
var WORKER = fileURLToPath(new URL("miss-worker.ts", import.meta.url));

// bench/engines.ts
var RUNS = Number(process.env.BENCH_RUNS ?? 5);
var GUESTS = [
  { name: "alu loop", file: "alu.s", defines: { ITERATIONS: 3e6 } },
  { name: "sieve", file: "sieve.s", defines: { LIMIT: 2e5, ROUNDS: 4 } },
  { name: "memcopy", file: "memcopy.s", defines: { BYTES: 256 * 1024, ROUNDS: 30 } }
];
function kernelWorkloads() {
  const root = (p) => fileURLToPath2(new URL(`../${p}`, import.meta.url));
  const assembled = (path2, origin) => {
    const r = assembleFile2(root(path2), origin !== void 0 ? { origin } : {});
    if (!r.image) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    return r.image;
  };
  const kernel = assembled("guest-programs/kernel/kernel.s");
  const mix = [["primes", []], ["memwalk", [256, 4096, 4]], ["ctxswitch", [100]], ["forkstorm", [10]], ["sbrkchurn", [50]]];
  const modules = mix.map(([name, args]) => ({ name, args, image: assembled(`guest-programs/user/${name}.s`, USER_ORIGIN) }));
  const MAX = 5e7;
  const timed = (run) => {
    const t0 = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const nativeKernel = (engine2) => {
    const m = new Machine({ memoryBytes: 16 << 20, engine: engine2 });
    m.boot(kernel, modules);
    let r = { instructions: 0 };
    const seconds = timed(() => r = m.run(MAX));
    return { instructions: r.instructions, seconds, stats: m.stats, cpu: m.cpu };
  };
  const vmKernel = (mode, engine2) => {
    const vmm = new Vmm({ hostMemoryBytes: 40 << 20 });
    const { vm: v } = vmm.addVm({ name: "kernel", mode, memoryBytes: 16 << 20, kernel, modules });
    v.cpu.engine = engine2;
    let instructions = 0;
    const seconds = timed(() => ({ instructions } = vmm.run(MAX)[0]));
    return { instructions, seconds, stats: v.stats, cpu: v.cpu };
  };
  return [
    { guest: "kernel (npm start)", setup: "native", run: nativeKernel },
    { guest: "kernel (npm start)", setup: "shadow", run: (e) => vmKernel("shadow", e) },
    { guest: "kernel (npm start)", setup: "EPT", run: (e) => vmKernel("ept", e) }
  ];
}

// bench/.kprof.mts
var w = kernelWorkloads()[Number(process.argv[2] ?? 0)];
var engine = process.argv[3] ?? "jit";
for (let i = 0; i < 3; i++) w.run(engine);
var t = 0;
var n = 0;
var mips = [];
for (let i = 0; i < 30; i++) {
  const r = w.run(engine);
  t += r.seconds;
  n += r.instructions;
  mips.push(r.instructions / r.seconds / 1e6);
  if (i === 29) {
    const c = r.cpu;
    console.log(c.jitStats);
  }
}
mips.sort((a, b) => a - b);
console.log(w.guest, w.setup, engine, "median MIPS", mips[15].toFixed(1));
