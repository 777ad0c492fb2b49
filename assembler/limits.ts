// Every limit the assembler puts on its input, in one place, with the reason for each number.
//
// The assembler must finish quickly, in bounded memory, with located diagnostics, whatever it is
// given: a source is untrusted input (a student's file, a fuzzer's mutation, a web playground's
// text box). Work proportional to the input's size is fine; what these limits stop is
// amplification, where a few lines ask for gigabytes: macros that invoke each other twice per
// level (2^30 lines from 93), arguments that double at each level, includes of includes, a
// `.space` of 4 GiB, an expression nested deeper than the stack. Each limit is far above what any
// program in guest-programs/ needs (the whole tree is ~3,000 lines, ~40 includes, expressions a
// few levels deep, images well under 1 MiB). This module must not import any stage.

/** `.include` nesting; deeper is almost surely an include cycle through different paths. */
export const MAX_INCLUDE_DEPTH = 32;

/**
 * `.include` directives processed in one assembly. There are no include guards (no `.ifdef`), so
 * a file included twice defines its symbols twice; 1,000 leaves room for a big project while
 * stopping a tree of files that each include the next twice (2^k reads of k files).
 */
export const MAX_INCLUDES = 1000;

/** Characters read through `.include` in total, for the same reason. */
export const MAX_INCLUDED_CHARS = 16 * 1024 * 1024;

/** One source file read from disk (the default reader refuses bigger files and non-files). */
export const MAX_SOURCE_FILE_BYTES = 16 * 1024 * 1024;

/** Macro invocations nested inside one another (recursion is refused outright, at any depth). */
export const MAX_MACRO_DEPTH = 32;

/**
 * Lines produced by all macro expansions together. 100,000 lines is 30 times the whole guest
 * tree; a macro bomb spends it in a few hundred milliseconds, then stops with its error.
 */
export const MAX_EXPANSION_LINES = 100_000;

/**
 * Characters produced by all macro expansions together: stops arguments that double per level,
 * and bodies of very long lines (every character is lexed, and may be a token). 2 MiB is the
 * line budget at 20 characters a line, and lexes in well under a second even as 2 million commas.
 */
export const MAX_EXPANSION_CHARS = 2 * 1024 * 1024;

/**
 * Levels of parentheses, operators and unary signs in one expression. The parser and the
 * evaluator recurse once per level, and a few thousand levels overflow the JS stack (3,000
 * parentheses did); 256 is far beyond any expression a person writes, and far below the stack.
 */
export const MAX_EXPRESSION_DEPTH = 256;

/**
 * Bytes an image may hold in total (all segments). `.space`, `.align` and `.org` can ask for
 * gigabytes with one line; the first statement past this is an error. 16 MiB is 400 times the
 * kernel's image, a quarter of the default machine's memory (emulator/machine.ts), an image file
 * of about 22 MB (base64), and still assembles in a fraction of a second (each layout pass
 * writes every byte).
 */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/** Size a diagnostic quotes of a user's name or text: a 1 MB identifier should not make a 1 MB message. */
export const MAX_QUOTED_CHARS = 40;

/** `name` as a message quotes it: cut to MAX_QUOTED_CHARS with an ellipsis. */
export function quoted(name: string): string {
  return name.length <= MAX_QUOTED_CHARS ? name : `${name.slice(0, MAX_QUOTED_CHARS)}…`;
}
