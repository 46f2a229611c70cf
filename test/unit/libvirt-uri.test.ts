import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { libvirtUriProblem } from '../../src/config/libvirt-uri.js';

const good = [
  'qemu:///system',
  'qemu:///session',
  'qemu+tcp://127.0.0.2/system',
  'qemu+tls://hv-0142.example/system',
  'qemu://hv-0142.example:16514/system',
  'qemu+ssh://root@hv-0142.example/system',
  'qemu+ssh://root@hv-0142.example:2222/system?keyfile=/root/.ssh/id_migrate&no_tty=1',
  'qemu+ssh://hv1/system?mode=legacy;no_tty=1',
  'qemu+libssh://root@hv1/system?known_hosts=/root/.ssh/known_hosts&sshauth=privkey,agent',
  'qemu+libssh2://root@hv1/system',
  'qemu+tls://[fd00::12]:16514/system?pkipath=/etc/pki/vfmigrate',
  'qemu+unix:///system',
  'qemu+unix:///system?mode=direct',
  'test:///default',
];

/** Each bad URI and a fragment of the one line that must say why. */
const bad: [string, RegExp][] = [
  ['qemu+ext:///system?command=/path/prog', /the ext transport runs the program named in command=/],
  ['qemu+ext:///system', /the ext transport/],
  ['qemu+ssh://hv1/system?command=/tmp/evil', /command= is refused: it runs the named program/],
  ['qemu+ssh://hv1/system?netcat=/tmp/evil', /netcat= is refused/],
  ['qemu+ssh://hv1/system?proxy=netcat', /proxy= is refused/],
  ['qemu+unix:///system?socket=/tmp/fake-libvirt-sock', /socket= is refused: it points the connection at another socket/],
  ['qemu+tcp://hv1/system?name=qemu:///embed', /name= is refused/],
  ['qemu+tls://hv1/system?no_verify=1', /no_verify= is refused/],
  ['qemu+libssh://hv1/system?known_hosts_verify=ignore', /known_hosts_verify= is refused/],
  ['qemu+tls://hv1/system?tls_priority=NONE', /tls_priority= is refused/],
  // libvirt splits parameters on ; as well as &, and unescapes %-escapes in names and values.
  ['qemu+ssh://hv1/system?no_tty=1;command=/tmp/evil', /command= is refused/],
  ['qemu+ssh://hv1/system?comm%61nd=/tmp/evil', /may not hold/],
  ['qemu+ssh://hv1/system?frobnicate=1', /unknown parameter "frobnicate"/],
  ['qemu+ssh://hv1/system?constructor=1', /unknown parameter "constructor"/],
  ['qemu+ssh://hv1/system?', /unknown parameter ""/],
  ['qemu+ssh://hv1/system?keyfile=relative/key', /keyfile= must be an absolute path/],
  ['qemu+ssh://hv1/system?mode=sideways', /mode= must be auto, direct or legacy/],
  ['qemu+ssh://-oProxyCommand=x/system', /is not a host name/],
  ['qemu+ssh://-l@hv1/system', /is not a user name/],
  ['qemu+tcp://hv1:0/system', /port 0 is out of range/],
  ['qemu+tcp://hv1:70000/system', /port 70000 is out of range/],
  ['qemu+unix://hv1/system', /the unix transport is local/],
  ['qemu:///embed?root=/tmp/x', /the path must be \/system or \/session/],
  ['qemu+tcp://hv1/', /the path must be/],
  ['qemu+gopher://hv1/system', /unknown transport "gopher"/],
  ['xen+ssh://hv1/system', /the xen driver is not supported/],
  ['lxc:///system', /the lxc driver is not supported/],
  ['test:///etc/shadow', /test driver is accepted only as test:\/\/\/default/],
  ['test+tcp://127.0.0.1/default', /test driver is accepted only/],
  ['qemu:///system#x', /may not hold/],
  ['qemu:///system\n', /may not hold/],
  ['qemu+ssh://hv1/system?keyfile=/a b', /may not hold/],
  ['qemu:///sys\x7ftem', /may not hold/],
  ["qemu:///system'", /may not hold/],
  ['qemu:///system\u202e', /may not hold/],
  ['qemu:///system\x9b', /may not hold/],
  ['', /is not a libvirt URI/],
  ['qemu:/system', /is not a libvirt URI/],
  ['/var/run/libvirt/libvirt-sock', /is not a libvirt URI/],
];

void describe('libvirt URIs a host worker may open', () => {
  for (const uri of good) {
    void it(`accepts ${uri}`, () => assert.equal(libvirtUriProblem(uri), null));
  }
  for (const [uri, why] of bad) {
    void it(`refuses ${JSON.stringify(uri)}`, () => {
      const problem = libvirtUriProblem(uri);
      assert.ok(problem, 'expected a problem');
      assert.match(problem, why);
      // One line that names the URI, with control characters escaped rather than printed.
      assert.ok(problem.startsWith(/[^\x20-\x7e]/.test(uri) ? '"' : `${JSON.stringify(uri)}: `), problem);
      assert.doesNotMatch(problem, /[\x00-\x1f\x7f-\x9f\u202e]/);
    });
  }

  void it('shortens a very long URI in its message', () => {
    const problem = libvirtUriProblem(`qemu+ssh://hv1/system?keyfile=/${'a'.repeat(10_000)}&command=/x`);
    assert.ok(problem && problem.length < 400, problem ?? '');
    assert.match(problem, /command= is refused/);
  });
});
