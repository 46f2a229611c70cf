import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tlsRefusal } from '../../src/config/connection-failure.js';

// As the Temporal SDK's core reported them against the mTLS cluster (scripts/temporal-cluster.sh).
const core = (source: string) => `Failed to call GetSystemInfo: code: 'Unknown error', message: "transport error", source: ${source}`;
const noCertificate = core('tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: InvalidData, error: "received fatal alert: CertificateRequired" }))');
const untrusted = core('tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: InvalidData, error: "received fatal alert: UnknownCA" }))');
const closed = `Failed to call GetSystemInfo: code: 'The operation was cancelled', message: "operation was canceled", source: tonic::transport::Error(Transport, hyper::Error(Canceled, "connection closed"))`;
const serverUntrusted = 'tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))';

void describe('a TLS failure connecting to Temporal names the variables that fix it', () => {
  void it('no client certificate, refused by a server that requires one', () => {
    assert.equal(
      tlsRefusal(noCertificate, false),
      'the server requires a client certificate and none was sent; set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to a pair its CA signed',
    );
  });

  void it('no client certificate, and the server closed the connection before its alert was read (TLS 1.3)', () => {
    assert.match(tlsRefusal(closed, false) ?? '', /^the server requires a client certificate and none was sent; .* \(it closed the connection\)$/);
    assert.doesNotMatch(tlsRefusal(closed, true) ?? '', /none was sent/, 'with a certificate sent, a closed connection is not blamed on a missing one');
  });

  void it('a client certificate from a CA the server does not trust', () => {
    assert.equal(
      tlsRefusal(untrusted, true),
      'the server does not accept the client certificate (TLS alert UnknownCA); TEMPORAL_TLS_CLIENT_CERT_PATH must name a certificate signed by a CA the server trusts, with its key in TEMPORAL_TLS_CLIENT_KEY_PATH',
    );
  });

  void it('an untrusted client certificate, the connection closed before the alert was read (TLS 1.3)', () => {
    const brokenPipe = core('tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken pipe" }))');
    assert.equal(
      tlsRefusal(brokenPipe, true),
      'the server closed the connection after the TLS handshake, as it does with a client certificate it does not accept; TEMPORAL_TLS_CLIENT_CERT_PATH must name a certificate signed by a CA the server trusts',
    );
  });

  void it("the server's certificate, not signed by the CA we were given", () => {
    assert.equal(
      tlsRefusal(serverUntrusted, true),
      "the server's certificate is not trusted (UnknownIssuer); set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it and TEMPORAL_TLS_SERVER_NAME to a name it holds",
    );
  });

  void it('a server that is simply not there is not a TLS problem', () => {
    assert.equal(tlsRefusal(core('tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused })))'), true), null);
    assert.equal(tlsRefusal('Failed to connect before the deadline', false), null);
  });
});
