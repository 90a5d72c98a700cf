"""Typed rejections of uploaded files; each carries the contract's error code."""

from __future__ import annotations


class DocumentRejected(Exception):
    """A file we refuse to read; `code` is one of the contract's error codes."""

    code = "corrupt"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyFile(DocumentRejected):
    code = "empty"


class TooLarge(DocumentRejected):
    code = "too_large"


class UnsupportedType(DocumentRejected):
    code = "unsupported_type"


class CorruptFile(DocumentRejected):
    code = "corrupt"


class TooManyPixels(DocumentRejected):
    code = "too_many_pixels"


class TooManyPages(DocumentRejected):
    code = "too_many_pages"


class EncryptedDocument(DocumentRejected):
    code = "encrypted"


class StageTimeout(DocumentRejected):
    code = "timeout"


class OcrEngineError(Exception):
    """Tesseract failed or is missing: an internal error, not the customer's fault."""
