"""A batch's attestations in one download: the ZIP (one file per beneficiary, named after its
plate or label) and the merged PDF. Built on demand from the documents a client may download
now (``attestation_batch_documents_for_client``), never stored: a retry that succeeds, or a
refusal, changes what they hold.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.text import slugify

from docgen.bundle import pdfs_merge, zip_stream
from documents.models import AttestationBatch, AttestationRequest, Document
from modulr.downloads import file_extension
from products.models import BeneficiaryKind

from .batch_selectors import attestation_batch_documents_for_client

logger = logging.getLogger(__name__)

# Past this size the merged PDF is written to a temporary file rather than kept in memory.
MERGED_IN_MEMORY_BYTES = 8 * 1024 * 1024


def _member_stem(request: AttestationRequest, document: Document) -> str:
    """« gh-456-jk » for a vehicle (its plate), the label otherwise, slugified."""
    beneficiary = request.beneficiary
    if beneficiary is not None and beneficiary.kind == BeneficiaryKind.VEHICULE:
        label = beneficiary.immatriculation
    else:
        label = request.beneficiary_label
    return slugify(label)[:80] or slugify(document.numero or "") or "attestation"


def attestation_batch_zip_members(batch: AttestationBatch) -> list[tuple[str, Document]]:
    """(file name in the ZIP, document), one per attestation, names unique (« -2 », « -3 »
    after a name already taken: two vehicles may share a label)."""
    members, taken = [], set()
    for request, document in attestation_batch_documents_for_client(batch):
        stem = _member_stem(request, document)
        extension = file_extension(document.main_file.name) or "pdf"
        name, n = f"{stem}.{extension}", 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}.{extension}"
        taken.add(name)
        members.append((name, document))
    return members


def _opener(document: Document):
    def open_file() -> BinaryIO:
        stored = document.main_file
        try:
            return stored.storage.open(stored.name, "rb")
        except FileNotFoundError:
            logger.error("Fichier introuvable, laissé hors du ZIP (document %s)", document.pk)
            raise

    return open_file


def attestation_batch_zip_stream(members: list[tuple[str, Document]]) -> Iterator[bytes]:
    """The ZIP of ``attestation_batch_zip_members``, in chunks, as it is written
    (``docgen.bundle.zip_stream``)."""
    return zip_stream((name, _opener(document)) for name, document in members)


def attestation_batch_has_pdf(batch: AttestationBatch) -> bool:
    """Whether a merged PDF can be offered: the batch's model converts to PDF."""
    return batch.template is not None and batch.template.pdf_conversion


def attestation_batch_merged_pdf(batch: AttestationBatch) -> tuple[BinaryIO, int]:
    """One PDF of every attestation of the batch a client may download now, in the ZIP's
    order (by label): the file, at its start, and its page count. Word-only documents (a
    model without PDF conversion) are not in it; a file gone from the storage is left out."""
    # Handed to the response, which closes it once sent.
    out = tempfile.SpooledTemporaryFile(max_size=MERGED_IN_MEMORY_BYTES)  # noqa: SIM115
    sources = []
    try:
        for _request, document in attestation_batch_documents_for_client(batch):
            if not document.pdf_file:
                continue
            try:
                sources.append(document.pdf_file.storage.open(document.pdf_file.name, "rb"))
            except FileNotFoundError:
                logger.error("Fichier introuvable, laissé hors du PDF (document %s)", document.pk)
        pages = pdfs_merge(sources, out)
    except BaseException:
        out.close()
        raise
    finally:
        for source in sources:
            source.close()
    out.seek(0)
    return out, pages
