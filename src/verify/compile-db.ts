/**
 * Include dirs and defines from a compile_commands.json: the one given, or the nearest one found
 * walking up from the source (also in a build/ folder beside it), stopping at the repository root.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CompileFlags {
  includeDirs: string[];
  defines: string[];
}

interface Entry {
  directory: string;
  file: string;
  command?: string;
  arguments?: string[];
}

const parsed = new Map<string, Entry[]>();

export function findCompileCommands(source: string): string | undefined {
  let dir = path.dirname(path.resolve(source));
  for (;;) {
    for (const candidate of [path.join(dir, 'compile_commands.json'), path.join(dir, 'build', 'compile_commands.json')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir || fs.existsSync(path.join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

/** The flags the database gives this file, or undefined when it does not list it. */
export function flagsFor(database: string, source: string): CompileFlags | undefined {
  let entries = parsed.get(database);
  if (!entries) {
    entries = JSON.parse(fs.readFileSync(database, 'utf8')) as Entry[];
    parsed.set(database, entries);
  }
  const target = path.resolve(source);
  const entry = entries.find((e) => path.resolve(e.directory, e.file) === target);
  if (!entry) return undefined;
  const args = entry.arguments ?? shellSplit(entry.command ?? '');
  const flags: CompileFlags = { includeDirs: [], defines: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const take = (flag: string): string | undefined => (a === flag ? args[++i] : a.startsWith(flag) ? a.slice(flag.length) : undefined);
    let v: string | undefined;
    if ((v = take('-isystem')) !== undefined || (v = take('-iquote')) !== undefined || (v = take('-I')) !== undefined) {
      flags.includeDirs.push(path.resolve(entry.directory, v));
    } else if ((v = take('-D')) !== undefined) {
      flags.defines.push(v);
    }
  }
  return flags;
}

/** Enough of POSIX shell word splitting for compiler command lines: quotes and backslashes. */
export function shellSplit(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word += command[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
