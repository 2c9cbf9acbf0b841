// A single progress line on a TTY, rewritten in place; nothing at all when output is not a terminal.
export interface ProgressLine {
  update(text: string): void;
  done(text: string): void;
}

export function createProgressLine(stream: NodeJS.WriteStream): ProgressLine {
  let last = 0;
  const write = (text: string, end: string) => stream.write(`\r\u001b[2K${text}${end}`);
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 100) return; // at most ten repaints a second
      last = now;
      write(text, '');
    },
    done(text) {
      last = 0;
      write(text, '\n');
    },
  };
}
