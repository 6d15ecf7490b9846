"""Self-signed TLS certificates generated at runtime with `cryptography` (no fixtures on disk)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

EXPIRED_VALIDITY = (dt.timedelta(days=-30), dt.timedelta(days=-1))


@dataclass(frozen=True)
class CertificateFiles:
    """A generated certificate and its key on disk, with the PEM text and validity window."""

    cert_path: Path
    key_path: Path
    cert_pem: bytes
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime

    def server_context(self) -> ssl.SSLContext:
        """Return a server-side SSLContext that presents this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Return a verifying client SSLContext that trusts this certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.cert_path))


def make_self_signed_certificate(
    directory: Path,
    *,
    expired: bool = False,
    valid_for: dt.timedelta = dt.timedelta(days=30),
    common_name: str = "localhost",
    dns_names: Sequence[str] = ("localhost",),
    ip_addresses: Sequence[str] = ("127.0.0.1", "::1"),
) -> CertificateFiles:
    """Write a self-signed server certificate (EC P-256) and key into `directory`.

    `expired=True` makes not_valid_after lie in the past (and ignores `valid_for`).
    The certificate passes OpenSSL's VERIFY_X509_STRICT checks once it is trusted.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if expired:
        not_before, not_after = (now + offset for offset in EXPIRED_VALIDITY)
    else:
        not_before, not_after = now - dt.timedelta(hours=1), now + valid_for
    subject_key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    alt_names: list[x509.GeneralName] = [x509.DNSName(dns) for dns in dns_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(subject_key_id, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(subject_key_id),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return CertificateFiles(
        cert_path=cert_path,
        key_path=key_path,
        cert_pem=cert_pem,
        not_valid_before=not_before,
        not_valid_after=not_after,
    )
