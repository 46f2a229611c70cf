/**
 * Why a TLS connection to Temporal failed, in the terms of the variables that fix it, or null when the
 * failure is not about TLS. The Temporal SDK's Rust core reports a TLS alert inside a transport error
 * ("received fatal alert: CertificateRequired"); the address is fine then, and "cannot reach" would send
 * an operator looking in the wrong place.
 */
export function tlsRefusal(message: string, sentClientCertificate: boolean): string | null {
  const alert = /received fatal alert: (\w+)/.exec(message)?.[1];
  if (alert === 'CertificateRequired') return noClientCertificate;
  if (alert && /^(UnknownCA|BadCertificate|CertificateUnknown|CertificateRevoked|CertificateExpired|AccessDenied|UnsupportedCertificate)$/.test(alert)) {
    return `the server does not accept the client certificate (TLS alert ${alert}); TEMPORAL_TLS_CLIENT_CERT_PATH must name a certificate signed by a CA the server trusts, with its key in TEMPORAL_TLS_CLIENT_KEY_PATH`;
  }
  const peer = /InvalidCertificate\((\w+)\)|invalid peer certificate: (\w+)/.exec(message);
  if (peer) {
    return `the server's certificate is not trusted (${peer[1] ?? peer[2]}); set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it and TEMPORAL_TLS_SERVER_NAME to a name it holds`;
  }
  if (alert) return `TLS alert ${alert} from the server; check the TEMPORAL_TLS_* settings against the server's TLS configuration`;
  // TLS 1.3 lets the client finish its handshake before the server checks the client's certificate: a server
  // that refuses it may close the connection before its alert is read, and the client sees only the close.
  if (/connection closed|connection reset|broken pipe/i.test(message)) {
    return sentClientCertificate
      ? `the server closed the connection after the TLS handshake, as it does with a client certificate it does not accept; TEMPORAL_TLS_CLIENT_CERT_PATH must name a certificate signed by a CA the server trusts`
      : `${noClientCertificate} (it closed the connection)`;
  }
  return null;
}

const noClientCertificate =
  'the server requires a client certificate and none was sent; set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to a pair its CA signed';
