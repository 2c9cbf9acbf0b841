import { describe, expect, it } from 'vitest';
import { creationMarkerCommand, readCreationMarkers, withoutCreationMarkers } from '../../../src/core/restore/creation-markers.js';

const NONCE = '0123456789abcdef0123456789abcdef';
const HOSTILE = 'we"ird $x$ \\ rôle\npgbackops-created 0123 role 00\n; --';

/** What psql prints for a `\echo a b c`: its words joined by single spaces. */
function echoed(command: string): string {
  return command.replace(/^\\echo /, '');
}

describe('creation markers', () => {
  it('read back every name, whatever it holds, in order, by kind', () => {
    const stdout = [
      ' set_config \n------------\n \n(1 row)\n\n',
      echoed(creationMarkerCommand(NONCE, 'role', 'app_owner')),
      echoed(creationMarkerCommand(NONCE, 'role', HOSTILE)),
      echoed(creationMarkerCommand(NONCE, 'database', 'Shop "Ω" db=1')),
      echoed(creationMarkerCommand(NONCE, 'role', '')),
    ].join('');
    expect(readCreationMarkers(NONCE, stdout)).toEqual({ roles: ['app_owner', HOSTILE, ''], databases: ['Shop "Ω" db=1'] });
  });

  it('ignore lines of another nonce and lines that only look like markers', () => {
    const other = 'fedcba9876543210fedcba9876543210';
    const stdout = [
      echoed(creationMarkerCommand(other, 'database', 'x')),
      `pgbackops-created ${NONCE} database 6`, // odd hex digits
      ` pgbackops-created ${NONCE} database 78`, // not at the start of the line
      `pgbackops-created ${NONCE} table 78`,
    ].join('\n');
    expect(readCreationMarkers(NONCE, stdout)).toEqual({ roles: [], databases: [] });
  });

  it('are taken out of the output kept for the log', () => {
    const output = `NOTICE: something\n${echoed(creationMarkerCommand(NONCE, 'role', 'r'))}ERROR: other\n`;
    expect(withoutCreationMarkers(NONCE, output)).toBe('NOTICE: something\nERROR: other\n');
  });

  it('need a hex nonce of some length: it goes unquoted into psql and into a regular expression', () => {
    expect(() => creationMarkerCommand('short', 'role', 'r')).toThrow();
    expect(() => creationMarkerCommand(`${NONCE} \\! rm`, 'role', 'r')).toThrow();
  });
});
