"""S3 through boto3: the standard credential chain (or ``--profile``), an optional endpoint (MinIO, moto),
server-side encryption, multipart transfers, and retries with backoff.

botocore retries each request (``standard`` mode: exponential backoff with jitter on throttling answers
such as 503 SlowDown, on 5xx and on connection errors; ``adaptive`` adds client-side rate limiting); on
top of that a file whose transfer still fails with a transient error is tried again from the start a few
times, after a growing pause. Files below the multipart threshold go in one request; larger ones in
16 MiB parts through boto3's transfer manager.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from biolake.errors import SyncError

log = logging.getLogger(__name__)

SSE_CHOICES = ("AES256", "aws:kms")
MULTIPART_THRESHOLD = 16 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
FILE_ATTEMPTS = 4
TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "503",
    "500",
}
AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "ExpiredToken"}


@dataclass(frozen=True)
class Destination:
    """``s3://bucket/prefix`` split; ``key(rel)`` is the object key of a path relative to the prefix."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Destination:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise SyncError(f"{url}: not an S3 URL (expected s3://BUCKET/PREFIX)")
        return cls(parsed.netloc, parsed.path.strip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel


@dataclass(frozen=True)
class Connection:
    """Where and how to reach S3 (and Glue/Athena in the same region)."""

    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 8

    def session(self) -> Any:
        import boto3
        import botocore.exceptions

        try:
            return boto3.Session(profile_name=self.profile, region_name=self.region)
        except botocore.exceptions.ProfileNotFound:
            raise SyncError(f"--profile {self.profile}: no such AWS profile") from None

    def client(self, service: str, max_attempts: int | None = None) -> Any:
        from botocore.config import Config

        session = self.session()
        config = Config(
            retries={"mode": self.retry_mode, "max_attempts": max_attempts or self.max_attempts},
            connect_timeout=5,
            read_timeout=60,
            s3={"addressing_style": "path"} if self.endpoint_url else None,
        )
        region = session.region_name or "us-east-1"
        return session.client(service, endpoint_url=self.endpoint_url, region_name=region, config=config)


def explain(exc: BaseException, dest: Destination, endpoint: str | None) -> SyncError:
    """One clear SyncError for what boto3 raised."""
    import botocore.exceptions as bex
    from boto3.exceptions import S3UploadFailedError

    where = endpoint or "AWS S3"
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        return SyncError("no AWS credentials found (environment, ~/.aws/credentials, --profile)")
    if isinstance(exc, bex.EndpointConnectionError | bex.ConnectTimeoutError | bex.ReadTimeoutError):
        return SyncError(f"cannot reach {where}: {exc}")
    if isinstance(exc, bex.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchBucket", "404"):
            return SyncError(f"bucket {dest.bucket} does not exist at {where}")
        if code in AUTH_CODES:
            return SyncError(f"access to bucket {dest.bucket} denied ({code}): check the AWS credentials")
        return SyncError(f"S3 error on bucket {dest.bucket}: {code} {exc}")
    if isinstance(exc, S3UploadFailedError):  # upload_file wraps the ClientError in text
        code = next((c for c in (*AUTH_CODES, "NoSuchBucket") if c in str(exc)), "")
        if code == "NoSuchBucket":
            return SyncError(f"bucket {dest.bucket} does not exist at {where}")
        if code:
            return SyncError(f"access to bucket {dest.bucket} denied ({code}): check the AWS credentials")
        return SyncError(f"S3 upload failed: {exc}")
    if isinstance(exc, bex.BotoCoreError):
        return SyncError(f"S3 error: {exc}")
    return SyncError(str(exc))


def is_transient(exc: BaseException) -> bool:
    """Throttling, server-side and connection errors a later attempt may get past."""
    import botocore.exceptions as bex
    from boto3.exceptions import S3UploadFailedError

    if isinstance(exc, bex.ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) in TRANSIENT_CODES
    if isinstance(exc, S3UploadFailedError):
        return any(code in str(exc) for code in TRANSIENT_CODES)
    return isinstance(exc, bex.ConnectionError | bex.HTTPClientError)


class Bucket:
    """One destination's objects: upload and download with hashes in the metadata, and retries."""

    def __init__(self, conn: Connection, dest: Destination, sse: str | None = None) -> None:
        from boto3.s3.transfer import TransferConfig

        if sse is not None and sse not in SSE_CHOICES:
            raise SyncError(f"--sse {sse}: choose AES256 or aws:kms")
        self.conn, self.dest, self.sse = conn, dest, sse
        self.client = conn.client("s3")
        self.transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNK, max_concurrency=4
        )
        self.pause = 0.5  # seconds before the first file-level retry; doubles each time

    def _call(self, what: Callable[[], Any]) -> Any:
        """Run ``what`` with file-level retries on transient errors; anything else becomes a SyncError."""
        for attempt in range(1, FILE_ATTEMPTS + 1):
            try:
                return what()
            except Exception as exc:  # boto3 raises many unrelated types
                if attempt < FILE_ATTEMPTS and is_transient(exc):
                    log.info(
                        "transient S3 error (%s); retrying in %.1fs", exc, self.pause * 2 ** (attempt - 1)
                    )
                    time.sleep(self.pause * 2 ** (attempt - 1))
                    continue
                raise explain(exc, self.dest, self.conn.endpoint_url) from None
        raise AssertionError("unreachable")

    def check(self) -> None:
        """Fail early, with one clear error, when the bucket cannot be reached or used (one retry only:
        an endpoint that refuses connections should not take half a minute of backoff to say so)."""
        probe = self.conn.client("s3", max_attempts=2)
        try:
            probe.head_bucket(Bucket=self.dest.bucket)
        except Exception as exc:  # boto3 raises many unrelated types
            raise explain(exc, self.dest, self.conn.endpoint_url) from None

    def get(self, rel: str) -> bytes | None:
        """An object's bytes, None when it does not exist."""
        import botocore.exceptions as bex

        def fetch() -> bytes | None:
            try:
                body = self.client.get_object(Bucket=self.dest.bucket, Key=self.dest.key(rel))["Body"]
                return bytes(body.read())
            except bex.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise

        result: bytes | None = self._call(fetch)
        return result

    def remote_sha256(self, rel: str) -> str | None:
        """The content hash an object was uploaded with (its metadata), None when it does not exist."""
        import botocore.exceptions as bex

        def head() -> str | None:
            try:
                meta = self.client.head_object(Bucket=self.dest.bucket, Key=self.dest.key(rel))
            except bex.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                    return None
                raise
            value = meta.get("Metadata", {}).get("sha256")
            return str(value) if value else None

        result: str | None = self._call(head)
        return result

    def _extra(self, sha256: str | None) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if sha256:
            extra["Metadata"] = {"sha256": sha256}
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
        return extra

    def upload(
        self, path: Path, rel: str, sha256: str, progress: Callable[[int], None] | None = None
    ) -> None:
        """Upload a file (multipart above 16 MiB) with its hash as metadata."""
        self._call(
            lambda: self.client.upload_file(
                str(path),
                self.dest.bucket,
                self.dest.key(rel),
                ExtraArgs=self._extra(sha256),
                Config=self.transfer,
                Callback=progress,
            )
        )

    def _put_file(self, path: Path, rel: str, sha256: str) -> None:
        with path.open("rb") as fh:
            self.client.put_object(
                Bucket=self.dest.bucket, Key=self.dest.key(rel), Body=fh, **self._extra(sha256)
            )

    def put(self, rel: str, data: bytes, content_type: str = "application/json") -> None:
        """Write a small object in one request."""
        self._call(
            lambda: self.client.put_object(
                Bucket=self.dest.bucket,
                Key=self.dest.key(rel),
                Body=data,
                ContentType=content_type,
                **self._extra(None),
            )
        )

    def download(
        self, rel: str, path: Path, size: int, progress: Callable[[int], None] | None = None
    ) -> None:
        """Download an object of ``size`` bytes to ``path`` (in ranges above 16 MiB)."""
        if size < MULTIPART_THRESHOLD:
            self._call(partial(self._get_file, rel, path))
            if progress is not None:
                progress(size)
            return
        self._call(
            lambda: self.client.download_file(
                self.dest.bucket, self.dest.key(rel), str(path), Config=self.transfer, Callback=progress
            )
        )

    def _get_file(self, rel: str, path: Path) -> None:
        body = self.client.get_object(Bucket=self.dest.bucket, Key=self.dest.key(rel))["Body"]
        with path.open("wb") as fh:
            for chunk in body.iter_chunks(1 << 20):
                fh.write(chunk)

    def delete(self, rels: list[str]) -> None:
        """Delete objects (only ever called for ``--delete``), 1000 keys per request."""
        for start in range(0, len(rels), 1000):
            batch = [{"Key": self.dest.key(r)} for r in rels[start : start + 1000]]
            self._call(partial(self._delete_batch, batch))

    def _delete_batch(self, batch: list[dict[str, str]]) -> Any:
        return self.client.delete_objects(Bucket=self.dest.bucket, Delete={"Objects": batch, "Quiet": True})
