"""S3's query-string authentication (presigned URLs), checked on the local AWS endpoint as S3 checks it.

moto serves a presigned request whatever its signature, expiry or signed headers; S3 refuses it. Here a
request to S3 is judged before moto serves it (the hook is `moto_patches.verify_presigned_requests`):

- an `Authorization` header (every SDK call): left to moto, unchanged;
- Signature Version 4 query parameters: the signature is recomputed with botocore's own presigner
  (`S3SigV4QueryAuth`) over the request as received, and the parameters are checked as S3 checks them
  (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html);
- Signature Version 2 query parameters (`AWSAccessKeyId`, `Signature`, `Expires`): refused, as S3 refuses
  them for every bucket created after June 24, 2020
  (https://docs.aws.amazon.com/AmazonS3/latest/API/Appendix-Sigv2.html);
- no authentication at all: refused (the template's buckets block public access), except a CORS
  preflight (`OPTIONS`) and a browser's form POST, which S3 does not authenticate that way.

Errors are S3's REST error XML with S3's codes and statuses
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit, urlunsplit
from xml.etree import ElementTree  # nosec B405

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_EXPIRES_SECONDS = 604_800  # seven days
AMZ_DATE = "%Y%m%dT%H%M%SZ"
SIGV4_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
SIGV2_PARAMETERS = ("AWSAccessKeyId", "Signature", "Expires")

SecretFor = Callable[[str], str]
"""access key id → the secret access key the local cloud verifies a signature of that key with."""


@dataclass(frozen=True)
class Refusal:
    """S3's answer to a request it does not authenticate: `status`, error `code`, `message`, and the
    extra elements S3 adds to that error (e.g. `ServerTime` for an expired URL)."""

    status: int
    code: str
    message: str
    details: dict[str, str] = field(default_factory=dict)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of S3's REST error response."""
        # ElementTree only builds this document: nothing here parses XML (bandit B405 is about parsing)
        error = ElementTree.Element("Error")
        for name, value in {"Code": self.code, "Message": self.message, **self.details}.items():
            ElementTree.SubElement(error, name).text = value
        ElementTree.SubElement(error, "RequestId").text = uuid.uuid4().hex[:16].upper()
        body = ElementTree.tostring(error, encoding="UTF-8", xml_declaration=True)
        return self.status, {"Content-Type": "application/xml"}, body


def _malformed(message: str) -> Refusal:
    return Refusal(400, "AuthorizationQueryParametersError", message)


SIGV4_REQUIRED = _malformed(
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
)
SIGV2_REFUSED = Refusal(
    400,
    "InvalidRequest",
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
)
ANONYMOUS_REFUSED = Refusal(403, "AccessDenied", "Access Denied")


def refusal(
    method: str, url: str, headers: Mapping[str, str], secret_for: SecretFor, now: datetime | None = None
) -> Refusal | None:
    """Why S3 would refuse this request to it (`url` as received, its query string still encoded), or
    None when S3 would authenticate it (or leaves that to the `Authorization` header). `now` (UTC)
    defaults to the clock."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if "authorization" in lowered or method.upper() == "OPTIONS":
        return None
    query = {
        name: values[0] for name, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()
    }
    if any(name in query for name in SIGV4_PARAMETERS):
        return _sigv4_refusal(method, url, lowered, query, secret_for, now or datetime.now(UTC))
    if any(name in query for name in SIGV2_PARAMETERS):
        return SIGV2_REFUSED
    if method.upper() == "POST" and lowered.get("content-type", "").startswith("multipart/form-data"):
        return None  # a browser-based upload: its policy and signature are form fields
    return ANONYMOUS_REFUSED


def _sigv4_refusal(
    method: str,
    url: str,
    headers: dict[str, str],
    query: dict[str, str],
    secret_for: SecretFor,
    now: datetime,
) -> Refusal | None:
    if any(not query.get(name) for name in SIGV4_PARAMETERS):
        return SIGV4_REQUIRED
    if query["X-Amz-Algorithm"] != ALGORITHM:
        return _malformed(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    scope = query["X-Amz-Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not (len(scope[1]) == 8 and scope[1].isdigit()):
        return _malformed(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    access_key, day, region, service, _ = scope
    if service != "s3":
        return _malformed(
            f'Error parsing the X-Amz-Credential parameter; incorrect service "{service}". '
            'This endpoint belongs to "s3".'
        )
    try:
        signed_at = datetime.strptime(query["X-Amz-Date"], AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        return _malformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if not query["X-Amz-Expires"].lstrip("-").isdigit():
        return _malformed("X-Amz-Expires should be a number")
    expires = int(query["X-Amz-Expires"])
    if expires < 0:
        return _malformed("X-Amz-Expires must be non-negative")
    if expires > MAX_EXPIRES_SECONDS:
        return _malformed(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES_SECONDS}"
        )
    if day != query["X-Amz-Date"][:8]:
        return _malformed("Invalid credential date. Date is not the same as X-Amz-Date.")
    expiry = signed_at + timedelta(seconds=expires)
    if now > expiry:
        return Refusal(
            403,
            "AccessDenied",
            "Request has expired",
            {
                "X-Amz-Expires": str(expires),
                "Expires": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ServerTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
    return _signature_refusal(method, url, headers, query, access_key, region, secret_for(access_key))


def _signature_refusal(
    method: str,
    url: str,
    headers: dict[str, str],
    query: dict[str, str],
    access_key: str,
    region: str,
    secret: str,
) -> Refusal | None:
    """SignatureDoesNotMatch unless botocore's presigner, given the request as received (without its
    signature) and its signed headers, computes the signature the request carries."""
    parts = urlsplit(url)
    unsigned_query = "&".join(
        pair for pair in parts.query.split("&") if pair.partition("=")[0] != "X-Amz-Signature"
    )
    signed = {name: headers[name] for name in query["X-Amz-SignedHeaders"].split(";") if name in headers}
    request = AWSRequest(
        method=method.upper(), url=urlunsplit(parts._replace(query=unsigned_query)), headers=signed
    )
    request.context["timestamp"] = query["X-Amz-Date"]
    signer = S3SigV4QueryAuth(
        Credentials(access_key, secret), "s3", region, expires=int(query["X-Amz-Expires"])
    )
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    if hmac.compare_digest(
        signer.signature(string_to_sign, request).encode(), query["X-Amz-Signature"].encode()
    ):
        return None
    return Refusal(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        {
            "AWSAccessKeyId": access_key,
            "StringToSign": string_to_sign,
            "SignatureProvided": query["X-Amz-Signature"],
            "CanonicalRequest": canonical_request,
        },
    )
