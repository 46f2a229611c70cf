/**
 * A strict XML reader for what libvirt writes, in one forward pass: every search starts where the last one
 * ended, so the time is linear in the document's length whatever its shape. It exists because xmldom builds a
 * full DOM at about 0.5 s and 40 MB per MB of XML, most of it garbage collection, and reading a domain needs
 * only elements, attributes and text.
 *
 * It refuses rather than guesses: no DOCTYPE (so no entity can be declared, expanded or fetched), only the five
 * predefined entities and character references, no character XML forbids (control characters among them),
 * quoted attribute values without `<`, no duplicate attributes, matching end tags, one root element.
 * Namespace prefixes are kept as part of the name and not resolved, as before: `<x:interface>` is not an
 * `<interface>`.
 */
import { DomainXmlError } from './domain-xml-error.js';

export interface XmlElement {
  /** The qualified name as written, e.g. `interface` or `libosinfo:os`. */
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Character data directly inside the element (text and CDATA), references decoded; whitespace-only runs are left out. */
  readonly text: string;
  /** The line of its start tag, from 1. */
  readonly line: number;
  /** `xml.slice(start, end)` is the element's own markup, start tag to end tag. */
  readonly start: number;
  readonly end: number;
}

interface OpenElement {
  name: string;
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
  start: number;
  end: number;
}

/** The document's root element; throws DomainXmlError naming the first problem and where it is. */
export function readXml(xml: string): XmlElement {
  return new Reader(xml).read();
}

const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F' +
  '\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NAME = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'uy');
const SPACE = /[ \t\r\n]*/y;
const UNQUOTED_VALUE = /[^ \t\r\n>]*/y;
const XML_DECLARATION =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1([ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?([ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(yes|no)\5)?[ \t\r\n]*\?>/y;
/** Characters XML 1.0 does not allow anywhere, even as references: C0 controls but TAB/LF/CR, U+FFFE/FFFF, lone surrogates. */
const FORBIDDEN_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** Shared by every element without attributes or children: most of libvirt's are leaves, and a Map is not small. */
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();
const NO_CHILDREN = Object.freeze([]) as unknown as XmlElement[];

class Reader {
  private pos = 0;
  private root: OpenElement | null = null;
  private readonly stack: OpenElement[] = [];
  /** Where the text before the latest markup began: the position xmldom reported, kept for the same messages. */
  private textBeforeMarkup = 0;
  private countedTo = 0;
  private lines = 1;

  constructor(private readonly xml: string) {}

  read(): XmlElement {
    const { xml } = this;
    const bad = FORBIDDEN_CHAR.exec(xml);
    if (bad !== null) {
      const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      this.fail(`character U+${code} is not allowed in XML`, bad.index);
    }
    if (xml.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.declaration();
    while (this.pos < xml.length) {
      const lt = xml.indexOf('<', this.pos);
      const textEnd = lt === -1 ? xml.length : lt;
      if (textEnd > this.pos) this.text(this.pos, textEnd);
      if (lt === -1) break;
      this.textBeforeMarkup = this.pos;
      this.markup(lt);
    }
    const unclosed = this.stack.map((el) => el.name);
    if (unclosed.length > 0) this.fail(`unclosed xml tag(s): ${unclosed.join(', ')}`, this.textBeforeMarkup);
    if (this.root === null) throw new DomainXmlError('not well-formed XML: missing root element');
    return this.root;
  }

  private declaration(): void {
    if (!this.xml.startsWith('<?xml', this.pos) || NAME_CHAR_AFTER_XML.test(this.xml.charAt(this.pos + 5))) return;
    XML_DECLARATION.lastIndex = this.pos;
    if (XML_DECLARATION.exec(this.xml) === null) this.fail('malformed XML declaration', this.pos);
    this.pos = XML_DECLARATION.lastIndex;
  }

  private markup(lt: number): void {
    const { xml } = this;
    const next = xml.charAt(lt + 1);
    if (next === '/') this.endTag(lt);
    else if (xml.startsWith('<!--', lt)) this.comment(lt);
    else if (xml.startsWith('<![CDATA[', lt)) this.cdata(lt);
    else if (xml.startsWith('<!DOCTYPE', lt)) {
      this.fail('a DOCTYPE is not allowed (libvirt never writes one; its entity declarations could expand without bound)', lt);
    } else if (next === '!') this.fail("unknown markup '<!'", lt);
    else if (next === '?') this.processingInstruction(lt);
    else this.startTag(lt);
  }

  private text(from: number, to: number): void {
    SPACE.lastIndex = from;
    SPACE.test(this.xml);
    const blank = SPACE.lastIndex >= to;
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      if (!blank) this.fail(this.root === null ? 'text before the root element' : 'text after the root element', from);
      return;
    }
    if (blank) return;
    const raw = this.xml.slice(from, to);
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd !== -1) this.fail("']]>' is not allowed in text", from + cdataEnd);
    parent.text += this.decode(raw, from);
  }

  private startTag(lt: number): void {
    const { xml } = this;
    const name = this.name(lt + 1, 'invalid element name');
    let p = lt + 1 + name.length;
    let attributes: Map<string, string> | null = null;
    let selfClosing = false;
    for (;;) {
      SPACE.lastIndex = p;
      SPACE.test(xml);
      const spaced = SPACE.lastIndex > p;
      p = SPACE.lastIndex;
      if (xml.charAt(p) === '>') {
        p += 1;
        break;
      }
      if (xml.startsWith('/>', p)) {
        p += 2;
        selfClosing = true;
        break;
      }
      if (p >= xml.length) this.fail(`the document ends inside the start tag <${name}>`, lt);
      if (!spaced) this.fail(`<${name}>: attributes must be separated by whitespace`, p);
      attributes ??= new Map<string, string>();
      p = this.attribute(p, name, attributes);
    }
    const element: OpenElement = { name, attributes: attributes ?? NO_ATTRIBUTES, children: NO_CHILDREN, text: '', line: this.lineOf(lt), start: lt, end: p };
    const parent = this.stack[this.stack.length - 1];
    if (parent !== undefined) {
      if (parent.children === NO_CHILDREN) parent.children = [element];
      else parent.children.push(element);
    }
    else if (this.root === null) this.root = element;
    else this.fail(`a second root element <${name}>: a document has exactly one`, lt);
    if (!selfClosing) this.stack.push(element);
    this.pos = p;
  }

  /** Reads one `name="value"` at `at` into `into`; returns where it ends. */
  private attribute(at: number, element: string, into: Map<string, string>): number {
    const { xml } = this;
    const name = this.name(at, `<${element}>: invalid attribute name`);
    SPACE.lastIndex = at + name.length;
    SPACE.test(xml);
    if (xml.charAt(SPACE.lastIndex) !== '=') this.fail(`<${element}>: attribute ${name} has no value`, at);
    SPACE.lastIndex += 1;
    SPACE.test(xml);
    const open = SPACE.lastIndex;
    const quote = xml.charAt(open);
    if (quote !== '"' && quote !== "'") {
      UNQUOTED_VALUE.lastIndex = open;
      const value = UNQUOTED_VALUE.exec(xml)?.[0] ?? '';
      this.fail(`attribute "${value}" missed quotes: write ${name}='${value}'`, open);
    }
    const close = xml.indexOf(quote, open + 1);
    if (close === -1) this.fail(`<${element}>: the value of ${name} is never closed`, open);
    const raw = xml.slice(open + 1, close);
    const lt = raw.indexOf('<');
    if (lt !== -1) this.fail(`<${element}>: '<' is not allowed in the value of ${name}`, open + 1 + lt);
    if (into.has(name)) this.fail(`<${element}>: attribute ${name} appears twice`, at);
    // XML attribute-value normalisation: literal line ends and tabs read as spaces (references to them do not).
    const normalized = /[\t\n\r]/.test(raw) ? raw.replace(/\r\n|[\t\n\r]/g, ' ') : raw;
    into.set(name, this.decode(normalized, open + 1));
    return close + 1;
  }

  private endTag(lt: number): void {
    const { xml } = this;
    const name = this.name(lt + 2, 'invalid end tag');
    SPACE.lastIndex = lt + 2 + name.length;
    SPACE.test(xml);
    if (xml.charAt(SPACE.lastIndex) !== '>') this.fail(`end tag </${name}> is not closed with '>'`, lt);
    const open = this.stack.pop();
    if (open === undefined) this.fail(`end tag </${name}> without a start tag`, lt);
    if (open.name !== name) this.fail(`Opening and ending tag mismatch: "${open.name}" != "${name}"`, this.textBeforeMarkup);
    this.pos = SPACE.lastIndex + 1;
    open.end = this.pos;
  }

  private comment(lt: number): void {
    const dashes = this.xml.indexOf('--', lt + 4);
    if (dashes === -1) this.fail('the document ends inside a comment', lt);
    if (this.xml.charAt(dashes + 2) !== '>') this.fail("'--' is not allowed inside a comment", dashes);
    this.pos = dashes + 3;
  }

  private cdata(lt: number): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) this.fail('CDATA outside the root element', lt);
    const close = this.xml.indexOf(']]>', lt + 9);
    if (close === -1) this.fail('the document ends inside a CDATA section', lt);
    parent.text += this.xml.slice(lt + 9, close);
    this.pos = close + 3;
  }

  private processingInstruction(lt: number): void {
    const target = this.name(lt + 2, 'invalid processing instruction');
    if (target.toLowerCase() === 'xml') this.fail('an XML declaration is allowed only at the very start of the document', lt);
    const after = lt + 2 + target.length;
    const close = this.xml.indexOf('?>', after);
    if (close === -1) this.fail('the document ends inside a processing instruction', lt);
    if (close !== after && !/[ \t\r\n]/.test(this.xml.charAt(after))) this.fail('invalid processing instruction', lt);
    this.pos = close + 2;
  }

  private name(at: number, problem: string): string {
    NAME.lastIndex = at;
    if (!NAME.test(this.xml)) this.fail(problem, at);
    return this.xml.slice(at, NAME.lastIndex);
  }

  /** `raw` with its references replaced; any other `&` is an error (there is no DTD to declare entities in). */
  private decode(raw: string, offset: number): string {
    let amp = raw.indexOf('&');
    if (amp === -1) return raw;
    let out = '';
    let from = 0;
    while (amp !== -1) {
      REFERENCE.lastIndex = amp;
      const m = REFERENCE.exec(raw);
      if (m === null) {
        const name = /^&[^;\s<&]{0,32};?/.exec(raw.slice(amp, amp + 34))?.[0] ?? '&';
        this.fail(`undefined entity ${name}: only &lt; &gt; &amp; &quot; &apos; and character references are allowed`, offset + amp);
      }
      out += raw.slice(from, amp) + (m[1] !== undefined ? (PREDEFINED[m[1]] ?? '') : this.character(m, offset + amp));
      from = REFERENCE.lastIndex;
      amp = raw.indexOf('&', from);
    }
    return out + raw.slice(from);
  }

  private character(m: RegExpExecArray, at: number): string {
    const code = m[2] !== undefined ? Number(m[2]) : parseInt(m[3] ?? '', 16);
    const allowed =
      code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) this.fail(`character reference ${m[0]} names a character XML does not allow`, at);
    return String.fromCodePoint(code);
  }

  /** The line of `offset`; offsets asked for only grow, so each character is looked at once. */
  private lineOf(offset: number): number {
    for (let i = this.countedTo; i < offset; i++) if (this.xml.charCodeAt(i) === 10) this.lines += 1;
    this.countedTo = offset;
    return this.lines;
  }

  private fail(problem: string, offset: number): never {
    // Counted afresh: this happens once per document, and offset may lie behind the reader.
    let line = 1;
    let lineStart = 0;
    for (let nl = this.xml.indexOf('\n'); nl !== -1 && nl < offset; nl = this.xml.indexOf('\n', nl + 1)) {
      line += 1;
      lineStart = nl + 1;
    }
    const column = offset - lineStart + 1;
    throw new DomainXmlError(`not well-formed XML at line ${line}, column ${column}: ${problem}`, line, column);
  }
}

/** `<?xml-stylesheet` is a processing instruction, not the declaration. */
const NAME_CHAR_AFTER_XML = new RegExp(`[${NAME_CHAR}]`, 'u');
