import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { virshArgumentsProblem } from '../../src/hypervisor/virsh-arguments.js';
import { quoted } from '../../src/util/printable.js';
import { vmNamePattern } from '../../src/temporal/names.js';

void describe('virsh arguments', () => {
  void it('lets through the commands vfmigrate sends', () => {
    for (const args of [
      ['dumpxml', '--domain', 'vm-7', '--inactive'],
      ['dumpxml', '--domain', '6f1c8e1a-2b3c-4d5e-8f90-0123456789ab'],
      ['detach-device-alias', '--domain', 'web.01:a+b', '--alias', 'ua-primary0', '--live', '--config'],
      ['detach-device-alias', '--domain', 'vm-7', '--alias', 'hostdev0', '--config'],
      ['attach-device', '--domain', 'vm-7', '--file', '/tmp/vfmigrate-virsh-Ab3x_9/device.xml', '--live'],
      ['net-dumpxml', '--network', 'sriov-pool'],
      ['migrate-setmaxdowntime', '--domain', 'vm-7', '--downtime', '300'],
      ['list', '--uuid', '--all'],
      ['migrate', '--live', '--p2p', '--domain', 'vm-7', '--desturi', 'qemu+tcp://127.0.0.3/system'],
      ['echo', 'x"; destroy victim ; echo "\\#'],
    ]) {
      assert.equal(virshArgumentsProblem(args), null, args.join(' '));
    }
  });

  void it('refuses every control character and every byte readline would treat as a Meta key', () => {
    for (let code = 0; code < 0x20; code++) {
      assert.match(virshArgumentsProblem(['echo', `a${String.fromCharCode(code)}b`]) ?? '', /control or non-ASCII character/, `0x${code.toString(16)}`);
    }
    for (const c of ['\x7f', '\x80', 'é', '\u2028', '\u{1f600}']) {
      assert.match(virshArgumentsProblem(['echo', `a${c}b`]) ?? '', /control or non-ASCII character/, JSON.stringify(c));
    }
    // The reported attack: DELs that erase the quoted command before virsh parses it.
    assert.match(virshArgumentsProblem(['dumpxml', '--domain', `${'\x7f'.repeat(300)}destroy victim #`]) ?? '', /argument 3 .* control/);
  });

  void it('holds names, aliases, networks and files to what they can be', () => {
    const cases: [string[], RegExp][] = [
      [['dumpxml', '--domain', '--all'], /--domain "--all" is not a VM name/],
      [['dumpxml', '--domain', 'a b'], /is not a VM name/],
      [['dumpxml', '--domain', '42'], /is not a VM name/],
      [['dumpxml', '--domain', 'x;destroy'], /is not a VM name/],
      [['detach-device-alias', '--domain', 'vm', '--alias', 'ua-x;y'], /--alias "ua-x;y" is not a device alias/],
      [['detach-device-alias', '--domain', 'vm', '--alias', '-x'], /is not a device alias/],
      [['net-dumpxml', '--network', '../x'], /is not a libvirt network name/],
      [['attach-device', '--domain', 'vm', '--file', 'rel/path'], /is not an absolute path/],
      [['attach-device', '--domain', 'vm', '--file', '/tmp/a b'], /is not an absolute path/],
      [['--connect', 'x'], /is not a virsh command/],
      [['migrate', '--live', '--domain', 'vm', '--desturi', 'qemu+ext:///system?command=/bin/sh'], /--desturi "qemu\+ext/],
      [['echo', 'x'.repeat(4097)], /4097 characters long/],
    ];
    for (const [args, problem] of cases) assert.match(virshArgumentsProblem(args) ?? '(none)', problem, args.join(' '));
  });

  void it('VM names made of digits alone are refused: virsh would take them for a domain ID', () => {
    assert.equal(vmNamePattern.test('1234'), false);
    assert.equal(vmNamePattern.test('1234a'), true);
    assert.equal(vmNamePattern.test('vm-7'), true);
  });

  void it('shows a hostile string so that it cannot break or forge a log line', () => {
    assert.equal(quoted('a\nb'), '"a\\u000ab"');
    assert.equal(quoted('\x7f\x1b[2K'), '"\\u007f\\u001b[2K"');
    assert.equal(quoted('say "hi"'), '"say \\"hi\\""');
    assert.equal(quoted('x'.repeat(100)), `"${'x'.repeat(80)}…"`);
    assert.doesNotMatch(quoted('a\u2028b'), /\u2028/);
  });
});
