import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readXml } from '../../src/domain/xml-reader.js';
import { DomainXmlError } from '../../src/domain/domain-xml-error.js';
import { LIVE_DOMAIN_XML_MAX_BYTES, parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { interfaceXml } from '../../src/domain/interface-xml.js';
import { VfmigrateError } from '../../src/errors.js';

function refusal(xml: string): DomainXmlError {
  try {
    readXml(xml);
  } catch (err) {
    assert.ok(err instanceof DomainXmlError, `expected DomainXmlError, got ${String(err)}`);
    return err;
  }
  assert.fail('readXml accepted the document');
}

const minimal = (inside: string): string => `<domain><name>t</name><memory>1024</memory><devices>${inside}</devices></domain>`;

void describe('readXml reads', () => {
  void it('elements, attributes, text and where each element starts', () => {
    const xml = "<?xml version='1.0' encoding='UTF-8'?>\n<domain type='kvm'>\n  <name>web</name>\n  <devices><interface type=\"user\"/></devices>\n</domain>\n";
    const root = readXml(xml);
    assert.equal(root.name, 'domain');
    assert.equal(root.attributes.get('type'), 'kvm');
    assert.deepEqual(root.children.map((c) => [c.name, c.line]), [['name', 3], ['devices', 4]]);
    assert.equal(root.children[0]?.text, 'web');
    const nic = root.children[1]?.children[0];
    assert.equal(nic?.attributes.get('type'), 'user');
    assert.equal(xml.slice(nic?.start, nic?.end), '<interface type="user"/>');
    assert.equal(xml.slice(root.start, root.end), xml.trim().slice(xml.indexOf('<domain')));
  });

  void it('the predefined entities, character references and CDATA', () => {
    const root = readXml("<d a='&lt;&amp;&quot;&apos;&gt;&#65;&#x42;'>x&amp;y&#x1F600;<![CDATA[<&>]]></d>");
    assert.equal(root.attributes.get('a'), `<&"'>AB`);
    assert.equal(root.text, 'x&y\u{1F600}<&>');
  });

  void it('comments, processing instructions and a byte-order mark, which carry nothing', () => {
    const root = readXml('\uFEFF<!-- before --><?pi data?><d><!-- <e/> --><e/></d><!-- after -->\n');
    assert.deepEqual(root.children.map((c) => c.name), ['e']);
  });

  void it('namespaced metadata with its prefixes as part of the names', () => {
    const root = readXml("<d><metadata><x:app xmlns:x='urn:x'><x:interface/></x:app></metadata></d>");
    assert.equal(root.children[0]?.children[0]?.children[0]?.name, 'x:interface');
  });

  void it('nesting far deeper than any call stack, and a document on one line', () => {
    const depth = 200_000;
    const root = readXml(`<d>${'<e>'.repeat(depth)}${'</e>'.repeat(depth)}</d>`);
    let levels = 0;
    for (let el = root.children[0]; el !== undefined; el = el.children[0]) levels += 1;
    assert.equal(levels, depth);
  });
});

void describe('readXml refuses hostile input with one clear line', () => {
  void it('a DOCTYPE, so no entity can be declared: the billion laughs', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<domain><name>&lol3;</name></domain>`;
    const err = refusal(lol);
    assert.match(err.message, /^not well-formed XML at line 2, column 1: a DOCTYPE is not allowed/);
  });

  void it('a DOCTYPE declaring an external entity (no file is read)', () => {
    const err = refusal('<!DOCTYPE domain [<!ENTITY xxe SYSTEM "file:///etc/shadow">]><domain><name>&xxe;</name></domain>');
    assert.match(err.message, /a DOCTYPE is not allowed/);
  });

  void it('an entity nobody declared, in text or in an attribute', () => {
    assert.equal(
      refusal('<domain><name>&xxe;</name></domain>').message,
      'not well-formed XML at line 1, column 15: undefined entity &xxe;: only &lt; &gt; &amp; &quot; &apos; and character references are allowed',
    );
    assert.match(refusal("<domain name='a&b c'/>").message, /undefined entity &b/);
    assert.match(refusal('<domain>&#0;</domain>').message, /character reference &#0; names a character XML does not allow/);
  });

  void it('the control characters XML forbids, anywhere', () => {
    for (const c of ['\x00', '\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1f']) {
      const err = refusal(`<domain>\n<name>a${c}b</name></domain>`);
      assert.equal(err.message, `not well-formed XML at line 2, column 8: character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
    }
    assert.match(refusal('<d>\uD800</d>').message, /U\+D800 is not allowed/);
  });

  void it('but reads DEL, which XML allows: keeping it away from virsh is the virsh layer\'s job', () => {
    assert.equal(readXml('<name>a\x7fb</name>').text, 'a\x7fb');
  });

  void it('markup that is not well-formed', () => {
    const cases: [string, RegExp][] = [
      ["<d a='1' a='2'/>", /attribute a appears twice/],
      ["<d a='<'/>", /'<' is not allowed in the value of a/],
      ['<d a/>', /attribute a has no value/],
      ["<d a='1'b='2'/>", /attributes must be separated by whitespace/],
      ['<d/><e/>', /a second root element <e>/],
      ['<d/>text', /text after the root element/],
      ['text<d/>', /text before the root element/],
      ['<d><!-- a -- b --></d>', /'--' is not allowed inside a comment/],
      ['<d>]]></d>', /']]>' is not allowed in text/],
      ['<d></d >x', /text after the root element/],
      ['<d><?xml version="1.0"?></d>', /XML declaration is allowed only at the very start/],
      ['<?xml version="2"?><d/>', /malformed XML declaration/],
      ['<d><1/></d>', /invalid element name/],
      ['</d>', /end tag <\/d> without a start tag/],
      ['<d><e></d>', /Opening and ending tag mismatch: "e" != "d"/],
      ['<d><!-- open', /the document ends inside a comment/],
      ["<d a='1", /the value of a is never closed/],
      ['<d', /the document ends inside the start tag <d>/],
      ['<d><![CDATA[x</d>', /the document ends inside a CDATA section/],
      ['<![CDATA[x]]><d/>', /CDATA outside the root element/],
      ['<d><!ELEMENT d ANY></d>', /unknown markup '<!'/],
      ['  \n ', /^not well-formed XML: missing root element$/],
    ];
    for (const [xml, message] of cases) assert.match(refusal(xml).message, message, xml);
  });

  void it('is a typed, non-retryable vfmigrate error', () => {
    const err = refusal('<d>');
    assert.ok(err instanceof VfmigrateError);
    assert.equal(err.type, 'InvalidDomainXml');
    assert.equal(err.retryable, false);
  });
});

void describe('domain XML size limit', () => {
  const padded = (bytes: number, filler = ' '): string => {
    const xml = minimal('');
    return xml.replace('<devices>', `<devices>${filler.repeat(Math.max(0, bytes - Buffer.byteLength(xml)) / Buffer.byteLength(filler))}`);
  };

  void it('reads live XML up to 4 MiB', () => {
    const xml = padded(LIVE_DOMAIN_XML_MAX_BYTES);
    assert.equal(Buffer.byteLength(xml), LIVE_DOMAIN_XML_MAX_BYTES);
    assert.equal(parseDomainXml(xml).name, 't');
  });

  void it('refuses live XML over 4 MiB before reading it, counting UTF-8 bytes', () => {
    const err = (() => {
      try {
        parseDomainXml(`${padded(LIVE_DOMAIN_XML_MAX_BYTES)} `);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof DomainXmlError);
    assert.equal(err.message, 'domain XML of 4194305 bytes is over the limit of 4194304 (4 MiB); refused unread: no libvirt domain is that large, check where it came from');
    // 'é' is two bytes: half as many characters still fill the limit.
    const accented = padded(LIVE_DOMAIN_XML_MAX_BYTES + 2, 'é');
    assert.ok(accented.length < LIVE_DOMAIN_XML_MAX_BYTES);
    assert.throws(() => parseDomainXml(accented), /bytes is over the limit of 4194304 \(4 MiB\)/);
    assert.throws(() => interfaceXml(accented, 'ua-x'), /bytes is over the limit of 4194304 \(4 MiB\)/);
  });

  void it('takes a larger limit where the caller sets one', () => {
    assert.equal(parseDomainXml(padded(LIVE_DOMAIN_XML_MAX_BYTES + 100), LIVE_DOMAIN_XML_MAX_BYTES * 2).name, 't');
  });
});

void describe('domain shapes no libvirt writes, read without a stack overflow', () => {
  void it('200,000 pcie-root-ports, the one without index numbered after the highest', () => {
    const ports = Array.from({ length: 200_000 }, (_, i) => `<controller type='pci' index='${i + 1}' model='pcie-root-port'/>`).join('');
    const d = parseDomainXml(minimal(`<controller type='pci' model='pcie-root-port'/>${ports}`), 64 * 2 ** 20);
    assert.equal(d.pcieRootPorts.length, 200_001);
    assert.deepEqual(d.pcieRootPorts[0], { index: 200_001, free: true });
  });
});
