"""A receiver can tell a request signed with the shared secret from anything else."""

from __future__ import annotations

import pytest

from adapters.events import InvalidSignature, sign, verify_signature

SECRET = "receiver-test-secret-0123456789abcdef012"
BODY = b'{"data":{},"id":"e1","type":"handoff.created"}'
NOW = 1_800_000_000.0


def test_a_signature_made_with_the_secret_over_timestamp_and_body_verifies() -> None:
    header = sign(SECRET, str(int(NOW)), BODY)
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    verify_signature(SECRET, str(int(NOW)), BODY, header, tolerance=300, now=NOW)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "header_of", "expected"),
    [
        ("another-secret-0123456789abcdef0123456", "1800000000", BODY, "right", "does not match"),
        (SECRET, "1800000000", BODY + b" ", "right", "does not match"),
        (SECRET, "1800000001", BODY, "right", "does not match"),
        (SECRET, "1799999000", BODY, "own", "beyond the tolerance of 300 s"),
        (SECRET, "1800001000", BODY, "own", "beyond the tolerance of 300 s"),
        (SECRET, "soon", BODY, "own", "is not Unix seconds"),
        (SECRET, "1800000000", BODY, "md5", "must start with 'sha256='"),
    ],
    ids=["other-secret", "changed-body", "changed-timestamp", "too-old", "too-far-ahead", "no-number", "md5"],
)
def test_anything_else_is_refused_saying_why(
    secret: str, timestamp: str, body: bytes, header_of: str, expected: str
) -> None:
    signed_ts = "1800000000" if header_of == "right" else timestamp
    header = sign(SECRET, signed_ts, BODY)
    if header_of == "md5":
        header = "md5=" + header.removeprefix("sha256=")
    with pytest.raises(InvalidSignature, match=expected):
        verify_signature(secret, timestamp, body, header, tolerance=300, now=NOW)
