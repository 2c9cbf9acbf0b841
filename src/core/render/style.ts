// Text styling passed into renderers, so pure rendering code never asks whether stdout is a TTY.
export interface Style {
  add(s: string): string;
  change(s: string): string;
  remove(s: string): string;
  warn(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const identity = (s: string) => s;
export const plainStyle: Style = { add: identity, change: identity, remove: identity, warn: identity, bold: identity, dim: identity };

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const ansiStyle: Style = {
  add: sgr(32, 39),
  change: sgr(33, 39),
  remove: sgr(31, 39),
  warn: sgr(35, 39),
  bold: sgr(1, 22),
  dim: sgr(2, 22),
};
