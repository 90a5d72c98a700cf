"""The practice run a worker makes before it forks its jobs."""

from __future__ import annotations

from coc_service.documents.pipeline import extract_document
from coc_service.documents.warm_up import practice_page, warm_up


def test_the_practice_run_reads_its_page_through_the_whole_pipeline() -> None:
    warm_up.cache_clear()
    assert warm_up() is True  # False would mean the warm-up exercised a failing path


def test_the_practice_page_is_a_passport_the_service_reads() -> None:
    result = extract_document(practice_page(), file_name="practice.png")
    assert result.status == "ok"
    assert result.document_type == "passport"
    assert result.fields["document_number"].value == "L898902C3"


def test_the_practice_run_leaves_the_tesseract_engines_loaded_for_the_jobs_it_forks() -> None:
    from coc_service.documents import ocr

    warm_up.cache_clear()
    ocr._engines.clear()
    warm_up()
    assert {"fra", "eng"} <= set(ocr._engines)


def test_a_standby_child_primes_on_the_practice_photo_and_reads_the_next_upload() -> None:
    from coc_service.documents import standby
    from coc_service.documents.warm_up import practice_photo, prime_standby

    # the photo is read as the passport it shows: priming walks the path an upload takes
    photo = extract_document(practice_photo(), file_name="practice.jpg")
    assert photo.fields["document_number"].value == "L898902C3"
    standby.keep_standby(prime_standby)
    try:
        assert standby.wait_primed(30)  # False: it never got ready
        result = extract_document(practice_page(), file_name="practice.png")
        assert standby.standby_pid() is None  # the standby served it
    finally:
        standby.stop_standby()
    assert result.status == "ok"
    assert result.fields["surname"].value == "ERIKSSON"
