"""From what an editor hands in (pasted text, a file's bytes, an HTML page) to a body and
whatever the page says about itself (title, author, date, outlet).

Refusals are :class:`django.core.exceptions.ValidationError` with the field they concern, so a
form and the API show them next to the input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

__all__ = ["Extracted", "from_file", "from_html", "from_pdf", "from_text", "max_bytes"]

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
# A 2 MB file can hold thousands of near-empty pages; reading them all is not worth the time.
MAX_PDF_PAGES = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Extracted:
    """A body as it will be stored, and the metadata found with it."""

    body: str
    title: str = ""
    author: str = ""
    outlet: str = ""
    published_on: dt.date | None = None


def max_bytes() -> int:
    return int(getattr(settings, "INGEST_MAX_BYTES", 2_000_000))


def _megabytes() -> str:
    return f"{max_bytes() / 1_000_000:g}"


def _title_from(body: str) -> str:
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    first = first.lstrip("#").strip()
    return first[:200] + ("…" if len(first) > 200 else "")


def from_text(text: str, *, field: str = "text", title: str = "") -> Extracted:
    """Pasted or uploaded plain text (Markdown is kept as written: its marks are plain text)."""
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(body):
        raise ValidationError({field: "This looks like a binary file, not text."})
    if not body.strip():
        raise ValidationError({field: "There is no text to read."})
    # Pasted or posted text has the same cap as a file: a body is stored and scored whole.
    if len(body.encode("utf-8")) > max_bytes():
        raise ValidationError({field: f"The text is longer than the {_megabytes()} MB limit."})
    return Extracted(body=body, title=title.strip() or _title_from(body))


def from_html(html: str, *, field: str = "html", title: str = "") -> Extracted:
    """An HTML page reduced to its article text by trafilatura, keeping its metadata."""
    import trafilatura

    if not html.strip():
        raise ValidationError({field: "There is no page to read."})
    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise ValidationError({field: "No article text was found in this page."})
    published: dt.date | None = None
    raw_date = getattr(document, "date", None) or ""
    try:
        published = dt.date.fromisoformat(str(raw_date)[:10]) if raw_date else None
    except ValueError:
        published = None
    found = from_text(text, field=field, title=title or (getattr(document, "title", "") or ""))
    return Extracted(
        body=found.body,
        title=found.title,
        author=(getattr(document, "author", "") or "")[:200],
        outlet=(getattr(document, "sitename", "") or "")[:200],
        published_on=published,
    )


def decode(data: bytes, *, field: str) -> str:
    """Bytes to text: UTF-8 (with or without a byte-order mark), else refused as binary."""
    if b"\x00" in data:
        raise ValidationError({field: "This looks like a binary file, not text."})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({field: "The file is not UTF-8 text."}) from None


def _pdf_text(data: bytes, field: str) -> tuple[str, str, str]:
    """The text layer of a PDF, page after page, and its title and author metadata."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError({field: "This PDF is locked with a password."})
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ValidationError({field: f"This PDF has more than {MAX_PDF_PAGES} pages."})
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title or "") if meta else ""
        author = str(meta.author or "") if meta else ""
    # A damaged file can fail anywhere in the parser, not only with pypdf's own errors; any
    # of them is the uploader's file being unreadable (a 400), not a fault of ours.
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise ValidationError({field: "This PDF could not be read."}) from None
    return "\n\n".join(page for page in pages if page) + "\n", title, author


def from_pdf(data: bytes, *, field: str = "file", title: str = "") -> Extracted:
    """A PDF's text layer (pypdf); a scan without one is refused, as there is nothing to read."""
    text, found_title, author = _pdf_text(data, field)
    if not text.strip():
        raise ValidationError({field: "This PDF has no text to read (a scanned image?)."})
    extracted = from_text(text, field=field, title=title or found_title)
    return dataclasses.replace(extracted, author=author.strip()[:200])


def from_file(name: str, data: bytes, *, field: str = "file", title: str = "") -> Extracted:
    """An uploaded ``.txt``, ``.md``, ``.html`` or ``.pdf`` file."""
    if len(data) > max_bytes():
        raise ValidationError({field: f"The file is larger than the {_megabytes()} MB limit."})
    suffix = PurePath(name).suffix.lower()
    if suffix in PDF_SUFFIXES:
        return from_pdf(data, field=field, title=title)
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise ValidationError({field: "Upload a .txt, .md, .html or .pdf file."})
    text = decode(data, field=field)
    if suffix in HTML_SUFFIXES:
        return from_html(text, field=field, title=title)
    return from_text(text, field=field, title=title)
