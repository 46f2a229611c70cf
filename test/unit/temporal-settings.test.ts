import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { temporalSettings } from '../../src/config/connection.js';
import { loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import type { TemporalDevConfig } from '../../src/temporal/dev-server-config.js';
import { InputError } from '../../src/errors.js';

void describe('Temporal connection settings from the environment', () => {
  let dev: TemporalDevConfig;
  let cert = '';
  let key = '';
  let ca = '';
  before(async () => {
    dev = await loadTemporalDevConfig();
    const dir = await mkdtemp(path.join(tmpdir(), 'vfm-tls-'));
    cert = path.join(dir, 'client.pem');
    key = path.join(dir, 'client.key');
    ca = path.join(dir, 'ca.pem');
    await Promise.all([writeFile(cert, 'CERT'), writeFile(key, 'KEY'), writeFile(ca, 'CA')]);
  });

  const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
    try {
      temporalSettings(dev, env);
    } catch (err) {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.message.split('\n')[0], 'bad Temporal settings in the environment');
      return err.problems;
    }
    return [];
  };

  void it('the dev server: no TLS, no key', () => {
    const s = temporalSettings(dev, {});
    assert.equal(s.address, `${dev.ip}:${dev.grpcPort}`);
    assert.equal(s.tls, null);
    assert.equal(s.apiKey, null);
  });

  void it('a full client pair: TLS with the pair', () => {
    const s = temporalSettings(dev, { TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key });
    assert.deepEqual(s.tls, { clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  void it('a key without its certificate is refused, naming both variables', () => {
    assert.deepEqual(problemsOf({ TEMPORAL_TLS_CLIENT_KEY_PATH: key }), [
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: the key is set without its certificate; set both or neither',
    ]);
  });

  void it('a certificate without its key is refused, naming both variables, even with TLS asked for', () => {
    assert.deepEqual(problemsOf({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CLIENT_CERT_PATH: cert }), [
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: the certificate is set without its key; set both or neither',
    ]);
  });

  void it('an API key turns TLS on', () => {
    const s = temporalSettings(dev, { TEMPORAL_API_KEY: 'k' });
    assert.equal(s.apiKey, 'k');
    assert.deepEqual(s.tls, {});
  });

  for (const off of ['false', '0']) {
    void it(`an API key with TEMPORAL_TLS=${off} is refused: it would travel in plaintext`, () => {
      assert.deepEqual(problemsOf({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: off }), [
        `TEMPORAL_API_KEY is set with TEMPORAL_TLS=${off}: an API key is never sent without TLS; unset TEMPORAL_TLS or the key`,
      ]);
    });
  }

  void it('TLS files with TEMPORAL_TLS=false are refused rather than ignored', () => {
    assert.deepEqual(problemsOf({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca }), [
      'TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH are set with TEMPORAL_TLS=false, which turns TLS off; unset one or the other',
    ]);
  });

  void it('a CA certificate alone turns TLS on (it used to be ignored: plaintext)', () => {
    assert.deepEqual(temporalSettings(dev, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.example' }).tls, {
      serverNameOverride: 'temporal.example',
      serverRootCACertificate: Buffer.from('CA'),
    });
  });

  void it('every problem at once', () => {
    assert.equal(problemsOf({ TEMPORAL_TLS: '0', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_CLIENT_KEY_PATH: key }).length, 3);
  });
});
