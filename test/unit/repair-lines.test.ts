import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidateLines } from '../../src/cli/repair-lines.js';

void describe('vfmigrate status --host: the VMs that need repair', () => {
  void it('one line saying there is none', () => {
    assert.deepEqual(candidateLines('hostB', []), ['hostB: no VM needs repair']);
  });

  void it('a heading with the command to run, then one line per VM with what was found', () => {
    assert.deepEqual(
      candidateLines('hostB', [
        { vm: 'vm-1', findings: ['primary of standby ua-backup0 missing'] },
        { vm: 'vm-2', findings: ['standby ua-backup0 up beside its primary ua-primary0', 'primary of standby ua-backup1 missing'] },
      ]),
      [
        'hostB: 2 VMs need repair (`vfmigrate repair VM`):',
        '  vm-1: primary of standby ua-backup0 missing',
        '  vm-2: standby ua-backup0 up beside its primary ua-primary0; primary of standby ua-backup1 missing',
      ],
    );
    assert.equal(candidateLines('hostB', [{ vm: 'vm-1', findings: ['x'] }])[0], 'hostB: 1 VM needs repair (`vfmigrate repair VM`):');
  });
});
