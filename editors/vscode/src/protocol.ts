/**
 * The language server's custom `esker/disassemble` request, as the bytecode
 * view uses it: a document (and optionally a place in it) in, the `esker dis`
 * listing out, with every instruction mapped to its listing line and source.
 */
import { Position, Range, RequestType, TextDocumentIdentifier } from 'vscode-languageclient';

export interface DisassembleParams {
  textDocument: TextDocumentIdentifier;
  /** With neither `position` nor `range` the whole file is listed. */
  position?: Position;
  range?: Range;
  /** 'bytecode' (the default), or 'python': the Python the compiled tier generates. */
  view?: ListingView;
}

export type ListingView = 'bytecode' | 'python';

export interface ListedInstruction {
  pc: number;
  opname: string;
  /** The instruction's listing line without the line-number column. */
  text: string;
  /** 0-based line of the listing that shows this instruction. */
  listingLine: number;
  /** The source the instruction was compiled from; absent for synthesised code. */
  range?: Range | null;
}

export interface ListedFunction {
  name: string;
  /** The function's source (the whole file for the module's top-level code). */
  range: Range;
  /** 0-based listing lines of this function's section, end exclusive. */
  listingStart: number;
  listingEnd: number;
  instructions: ListedInstruction[];
}

/** Code the listing leaves out: a function, or `<module>` for the file's top-level code. */
export interface MissingFunction {
  name: string;
  range: Range;
  /** Why it is not compiled, e.g. "line 3: undefined name `x`". */
  reason: string;
}

/** Every field is always sent (docs/language-server.md); older servers left empty ones out. */
export interface DisassembleResult {
  listing: string;
  functions?: ListedFunction[];
  /** What is not listed and why; functions nested in a missing one are not named again. */
  missing?: MissingFunction[];
  /** Why nothing (or not everything) could be listed, e.g. syntax errors; null when all is listed. */
  message?: string | null;
}

export const DisassembleRequest = new RequestType<DisassembleParams, DisassembleResult | null, void>(
  'esker/disassemble',
);

/** A result with every field present, whatever the server sent. */
export type Listing = Required<DisassembleResult>;

export function complete(result: DisassembleResult): Listing {
  return {
    listing: result.listing ?? '',
    functions: result.functions ?? [],
    missing: result.missing ?? [],
    message: result.message ?? null,
  };
}
