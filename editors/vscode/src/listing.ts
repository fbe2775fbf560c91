/**
 * What the bytecode view shows and how its lines map to the source, apart
 * from VS Code: notes on what is missing above the server's listing, the
 * view lines of the instructions compiled from a source line, and the source
 * of a view line.
 */
import { Position, Range } from 'vscode-languageclient';
import { ListedFunction, Listing } from './protocol';

/** A listing as a view shows it: the newest that compiled, and why it may be out of date. */
export interface Shown {
  listing: Listing;
  /** Why the newest version of the file could not be listed, while an older listing is shown. */
  outOfDate?: string;
  /** What the newest version leaves out (it may differ from the listing shown). */
  missing: Listing['missing'];
}

/** The view's text; the server's listing starts at line `offset`. */
export interface ViewText {
  text: string;
  offset: number;
}

/** Takes a new result; while the file does not compile, the last listing that did stays, marked out of date. */
export function accept(previous: Shown | undefined, result: Listing): Shown {
  if (result.functions.length === 0 && previous !== undefined && previous.listing.functions.length > 0) {
    const outOfDate = `out of date: ${result.message ?? 'nothing compiled'}`;
    return { listing: previous.listing, outOfDate, missing: result.missing };
  }
  return { listing: result, missing: result.missing };
}

/** Notes (in parentheses, as the listing grammar expects) on top, a blank line, then the listing. */
export function render(shown: Shown): ViewText {
  const { listing, message } = shown.listing;
  const notes = [shown.outOfDate ?? message, ...shown.missing.map((item) => `not compiled: ${item.name} — ${item.reason}`)]
    .filter((note): note is string => typeof note === 'string' && note.length > 0)
    .map((note) => `(${note})`);
  if (notes.length === 0) {
    return { text: listing, offset: 0 };
  }
  if (listing.length === 0) {
    return { text: `${notes.join('\n')}\n`, offset: notes.length };
  }
  return { text: `${notes.join('\n')}\n\n${listing}`, offset: notes.length + 1 };
}

/** The view lines of the instructions compiled from source line `line`, in listing order. */
export function viewLinesOf(functions: ListedFunction[], line: number, offset: number): number[] {
  return functions
    .flatMap((listed) => listed.instructions)
    .filter((instruction) => instruction.range?.start.line === line)
    .map((instruction) => instruction.listingLine + offset)
    .sort((a, b) => a - b);
}

/** The source of the instruction on view line `line`, or the start of the function whose section holds it. */
export function sourceAt(functions: ListedFunction[], line: number, offset: number): Range | undefined {
  const listingLine = line - offset;
  const range = functions
    .flatMap((listed) => listed.instructions)
    .find((instruction) => instruction.listingLine === listingLine && instruction.range)?.range;
  if (range) {
    return range;
  }
  // Sections of nested functions may lie inside their parent's: the innermost one starts last.
  const enclosing = functions
    .filter((listed) => listed.listingStart <= listingLine && listingLine < listed.listingEnd)
    .sort((a, b) => b.listingStart - a.listingStart)[0];
  return enclosing && { start: enclosing.range.start, end: enclosing.range.start };
}

/** The function whose source holds `position` most closely (nested functions start later). */
export function innermostFunction(functions: ListedFunction[], position: Position): ListedFunction | undefined {
  return functions
    .filter((listed) => before(listed.range.start, position) && before(position, listed.range.end))
    .sort((a, b) => (before(a.range.start, b.range.start) ? 1 : -1))[0];
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}
