// OpenCV's runtime (opencv-wasm, OpenCV 4.3 built by Emscripten), started with less of the main thread than
// `require('opencv-wasm')` takes (issue 15, item 3: a cold one-page `transcribe`).
//
// The stock loader spends a cold start's OpenCV time in two places:
//  - it compiles the 7 MB wasm synchronously (`new WebAssembly.Module`), so the main thread waits for it.
//    Here the compile is asynchronous and can start early (`prefetchOpenCvWasm`, called by a command before it
//    imports its own modules): V8 compiles on background threads while the main thread goes on;
//  - embind builds every binding's JavaScript with `new Function`, and each source is unique (the binding's name
//    and its wasm table index are written into it), so V8 parses and compiles some thousands of small
//    functions. The patches below take the name and index out of the generated source and pass them as
//    arguments instead, so a source is compiled once per shape (arity, destructors, return) and reused.
//    Every call does what it did: the same checks, the same conversions, the same error messages.
// The patches are exact text replacements of the installed opencv.js; if any does not match exactly once (another
// opencv-wasm version), the stock loader runs instead. GLYPHDESK_OPENCV=stock always runs the stock loader
// (benchmarks compare the two).
import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { compileFunction } from 'node:vm'
import { wasm } from '../core/wasm.ts'
import type { OpenCv } from './opencv.ts'

const require = createRequire(import.meta.url)

/** The installed opencv-wasm's folder. */
function packageDir(): string {
  return dirname(require.resolve('opencv-wasm'))
}

interface Patch {
  what: string
  from: string
  to: string
}

const I16 = ' '.repeat(16)
const I20 = ' '.repeat(20)
const I24 = ' '.repeat(24)
const I32 = ' '.repeat(32)

/** The replacements, each of a text that occurs exactly once in opencv-wasm 4.3.0-10's opencv.js. */
export const OPENCV_PATCHES: readonly Patch[] = [
  {
    what: 'the module object comes from the loader (its wasm hook)',
    from: 'let Module = {};\n',
    to: 'let Module = glyphdeskModule;\n'
  },
  {
    what: 'wasm-table callers: one generated source per arity, the table index an argument',
    from: `${I24}return new Function("dynCall", "rawFunction", body)(dynCall, rawFunction)`,
    to:
      `${I24}var factory = dynCallerFactories[args.length];\n` +
      `${I24}if (!factory) {\n` +
      `${I32}factory = dynCallerFactories[args.length] = new Function("dynCall", "rawFunction", "return function (" + args.join(", ") + ") {\\n    return dynCall(rawFunction" + (args.length ? ", " : "") + args.join(", ") + ");\\n};\\n")\n` +
      `${I24}}\n` +
      `${I24}return factory(dynCall, rawFunction)`
  },
  {
    what: 'the callers’ cache',
    from: `${I16}function embind__requireFunction(signature, rawFunction) {`,
    to: `${I16}var dynCallerFactories = [];\n${I16}function embind__requireFunction(signature, rawFunction) {`
  },
  {
    what: 'invokers: the binding’s name an argument, not part of the source',
    from:
      `${I20}var invokerFnBody = "return function " + makeLegalFunctionName(humanName) + "(" + argsList + ") {\\n" + ` +
      `"if (arguments.length !== " + (argCount - 2) + ") {\\n" + "throwBindingError('function " + humanName + ` +
      `" called with ' + arguments.length + ' arguments, expected " + (argCount - 2) + " args!');\\n" + "}\\n";`,
    to:
      `${I20}var invokerFnBody = "return function (" + argsList + ") {\\n" + ` +
      `"if (arguments.length !== " + (argCount - 2) + ") {\\n" + "throwBindingError('function ' + humanName + ` +
      `' called with ' + arguments.length + ' arguments, expected " + (argCount - 2) + " args!');\\n" + "}\\n";`
  },
  {
    what: 'invokers: the name passed in',
    from:
      `${I20}var args1 = ["throwBindingError", "invoker", "fn", "runDestructors", "retType", "classParam"];\n` +
      `${I20}var args2 = [throwBindingError, cppInvokerFunc, cppTargetFunc, runDestructors, argTypes[0], argTypes[1]];`,
    to:
      `${I20}var args1 = ["humanName", "throwBindingError", "invoker", "fn", "runDestructors", "retType", "classParam"];\n` +
      `${I20}var args2 = [humanName, throwBindingError, cppInvokerFunc, cppTargetFunc, runDestructors, argTypes[0], argTypes[1]];`
  },
  {
    what: 'invokers: no argument type names in comments',
    from: `invokerFnBody += "var arg" + i + "Wired = argType" + i + ".toWireType(" + dtorStack + ", arg" + i + "); // " + argTypes[i + 2].name + "\\n";`,
    to: `invokerFnBody += "var arg" + i + "Wired = argType" + i + ".toWireType(" + dtorStack + ", arg" + i + ");\\n";`
  },
  {
    what: 'invokers: no type names in the destructor calls’ comments',
    from: `invokerFnBody += paramName + "_dtor(" + paramName + "); // " + argTypes[i].name + "\\n";`,
    to: `invokerFnBody += paramName + "_dtor(" + paramName + ");\\n";`
  },
  {
    what: 'invokers: one compiled source per shape',
    from:
      `${I20}args1.push(invokerFnBody);\n` +
      `${I20}var invokerFunction = new_(Function, args1).apply(null, args2);\n` +
      `${I20}return invokerFunction\n`,
    to:
      `${I20}args1.push(invokerFnBody);\n` +
      `${I20}var invokerKey = args1.join("\\n");\n` +
      `${I20}var invokerFactory = invokerFactories.get(invokerKey);\n` +
      `${I20}if (!invokerFactory) {\n` +
      `${I24}invokerFactory = Function.apply(null, args1);\n` +
      `${I24}invokerFactories.set(invokerKey, invokerFactory)\n` +
      `${I20}}\n` +
      `${I20}return invokerFactory.apply(null, args2)\n`
  },
  {
    what: 'the invokers’ cache',
    from: `${I16}function craftInvokerFunction(humanName, argTypes, classType, cppInvokerFunc, cppTargetFunc) {`,
    to: `${I16}var invokerFactories = new Map();\n${I16}function craftInvokerFunction(humanName, argTypes, classType, cppInvokerFunc, cppTargetFunc) {`
  }
]

/** opencv.js with every patch applied, or null when one of them does not match exactly once. */
export function patchOpenCvSource(source: string): string | null {
  // Found in the original and joined once: slicing a 400 KB string patch by patch costs a copy per patch.
  const at: { from: number; patch: Patch }[] = []
  for (const patch of OPENCV_PATCHES) {
    const from = source.indexOf(patch.from)
    if (from < 0 || source.indexOf(patch.from, from + 1) >= 0) return null
    at.push({ from, patch })
  }
  at.sort((a, b) => a.from - b.from)
  const parts: string[] = []
  let end = 0
  for (const { from, patch } of at) {
    if (from < end) return null
    parts.push(source.slice(end, from), patch.to)
    end = from + patch.from.length
  }
  parts.push(source.slice(end))
  return parts.join('')
}

let wasmPromise: Promise<object> | null = null

function stockAsked(): boolean {
  return process.env['GLYPHDESK_OPENCV'] === 'stock'
}

/** Starts compiling OpenCV's wasm early (see compileOpenCvWasm), unless the stock loader was asked for. */
export function prefetchOpenCvWasm(): void {
  if (!stockAsked()) void compileOpenCvWasm()
}

/**
 * Starts compiling OpenCV's wasm in the background (once per process) and returns the compiled module. A command
 * that will need OpenCV calls it first thing, so the compile overlaps its own start.
 */
export function compileOpenCvWasm(): Promise<object> {
  if (!wasmPromise) {
    wasmPromise = readFile(join(packageDir(), 'opencv.wasm')).then((bytes) => wasm.compile(bytes))
    // A command that ends before it loads OpenCV must not leave an unhandled rejection behind.
    wasmPromise.catch(() => {})
  }
  return wasmPromise
}

/** The stock runtime: `require('opencv-wasm')`. */
function stockOpenCv(): Promise<{ cv: OpenCv }> {
  const loaded: unknown = require('opencv-wasm')
  return runtimeReady(typeof loaded === 'object' && loaded !== null && 'cv' in loaded ? loaded.cv : undefined)
}

/** The Emscripten module object as opencv.js builds it (its helpers are set while the script runs). */
function isOpenCv(v: unknown): v is OpenCv {
  return typeof v === 'object' && v !== null && 'matFromArray' in v && typeof v.matFromArray === 'function'
}

/**
 * The runtime once it is up, boxed: the Emscripten module object is itself a thenable (its then() waits for the
 * runtime), so it must never be a promise's value.
 */
function runtimeReady(cv: unknown): Promise<{ cv: OpenCv }> {
  if (!isOpenCv(cv)) return Promise.reject(new Error('opencv-wasm did not load as an OpenCV module'))
  if (cv.Mat) return Promise.resolve({ cv })
  return new Promise((resolve) => {
    cv.onRuntimeInitialized = () => resolve({ cv })
  })
}

/**
 * OpenCV's runtime: the patched loader with the wasm compiled off the main thread, or the stock one (when asked,
 * or when the installed opencv.js is not the one the patches were written for).
 */
export async function loadOpenCvRuntime(options: { stock?: boolean } = {}): Promise<{ cv: OpenCv }> {
  if (options.stock || stockAsked()) return stockOpenCv()
  const dir = packageDir()
  const file = join(dir, 'opencv.js')
  const source = patchOpenCvSource(readFileSync(file, 'utf8'))
  if (source === null) return stockOpenCv()
  const compiled = await compileOpenCvWasm()
  const module: { exports: unknown } = { exports: {} }
  const glyphdeskModule = {
    instantiateWasm(
      imports: object,
      receiveInstance: (instance: object, module: object) => void
    ): Record<string, unknown> {
      const instance = new wasm.Instance(compiled, imports)
      receiveInstance(instance, compiled)
      return instance.exports
    }
  }
  const run = compileFunction(source, ['module', 'exports', 'require', '__filename', '__dirname', 'glyphdeskModule'], {
    filename: file
  })
  run.call(module.exports, module, module.exports, createRequire(file), file, dir, glyphdeskModule)
  return runtimeReady(module.exports)
}
