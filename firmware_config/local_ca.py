"""A local certificate authority for the hall's broker, made with the ``openssl`` tool.

A hall has no internet and no public DNS name, so no public CA can sign for it. One
CA per site, kept by the installer, signs the broker's certificate; every device
trusts only that CA (``ca_file``), so a laptop on the Wi-Fi cannot pose as the broker.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import subprocess
import tempfile
from pathlib import Path

CA_CERT, CA_KEY = "ca.crt", "ca.key"
SERVER_CERT, SERVER_KEY = "server.crt", "server.key"
#: ten years: a hall runs for years and nobody will remember to renew
DAYS = 3650


class CertificateError(RuntimeError):
    """openssl failed; the message carries its output."""


def _openssl(*args: str) -> str:
    try:
        done = subprocess.run(
            ["openssl", *args], capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise CertificateError("openssl is not installed (apt-get install openssl)") from None
    if done.returncode != 0:
        raise CertificateError(f"openssl {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def subject_alt_names(host: str) -> list[str]:
    """SAN entries for the broker: its LAN address or name, and the loopback the server uses."""
    names = ["IP:127.0.0.1", "DNS:localhost"]
    try:
        ipaddress.ip_address(host)
        entry = f"IP:{host}"
    except ValueError:
        entry = f"DNS:{host}"
    if entry not in names:
        names.insert(0, entry)
    return names


def _current_sans(cert: Path) -> set[str]:
    text = _openssl("x509", "-in", str(cert), "-noout", "-ext", "subjectAltName")
    entries: set[str] = set()
    for part in text.splitlines()[1:]:
        for item in part.split(","):
            item = item.strip().replace("IP Address:", "IP:")
            if item:
                entries.add(item)
    return entries


def _restrict(path: Path) -> None:
    os.chmod(path, 0o600)


def ensure_certificates(out: Path, site: str, host: str) -> list[str]:
    """Make the CA (once) and a broker certificate valid for ``host``; names of new files.

    Existing files are kept while they still fit, so regenerating a hall does not
    force re-installing the CA on every Pi.
    """
    made: list[str] = []
    ca_crt, ca_key = out / CA_CERT, out / CA_KEY
    if not (ca_crt.exists() and ca_key.exists()):
        with tempfile.TemporaryDirectory() as tmp:
            ext = Path(tmp) / "ca.ext"
            ext.write_text(
                "[req]\ndistinguished_name = dn\nx509_extensions = v3\n[dn]\n[v3]\n"
                "basicConstraints = critical, CA:TRUE, pathlen:0\n"
                "keyUsage = critical, keyCertSign, cRLSign\n"
                "subjectKeyIdentifier = hash\n"
            )
            _openssl(
                "req", "-x509", "-new", "-nodes", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", str(ca_key), "-out", str(ca_crt), "-days", str(DAYS),
                "-subj", f"/O=MotCua Queue/CN=MotCua local CA {site}", "-config", str(ext),
            )  # fmt: skip
        _restrict(ca_key)
        made += [CA_CERT, CA_KEY]
    crt, key = out / SERVER_CERT, out / SERVER_KEY
    wanted = subject_alt_names(host)
    if crt.exists() and key.exists() and not made:
        try:
            _openssl("verify", "-CAfile", str(ca_crt), str(crt))
            if set(wanted) <= _current_sans(crt):
                return made
        except CertificateError:
            pass
    with tempfile.TemporaryDirectory() as tmp:
        csr, ext = Path(tmp) / "server.csr", Path(tmp) / "server.ext"
        ext.write_text(
            "basicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
            "subjectKeyIdentifier = hash\n"
            "authorityKeyIdentifier = keyid\n"
            f"subjectAltName = {', '.join(wanted)}\n"
        )
        _openssl(
            "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(csr), "-subj", f"/O=MotCua Queue/CN={host}",
        )  # fmt: skip
        _restrict(key)
        _openssl(
            "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
            "-set_serial", f"0x{secrets.token_hex(16)}", "-days", str(DAYS), "-sha256",
            "-extfile", str(ext), "-out", str(crt),
        )  # fmt: skip
    os.chmod(crt, 0o644)
    os.chmod(ca_crt, 0o644)
    return [*made, SERVER_CERT, SERVER_KEY]
