"""What ends up in the dataset (or doesn't) for a given CSV, seen through the API."""

import pytest
from django.test import Client

from datasets.models import Dataset, DatasetRow
from tests.datasets.conftest import GOOD_CSV, push, status

pytestmark = pytest.mark.django_db

HEADER = b"month,region,revenue\n"


def run(forecast, body: bytes) -> dict:
    client = Client()
    response = push(client, forecast.import_key, body, forecast.configuration.pk)
    assert response.status_code == 202
    return status(client, forecast.import_key, response.json()["importId"]).json()


def test_it_fails_the_whole_import_on_a_bad_row_and_keeps_the_old_rows(forecast):
    assert run(forecast, GOOD_CSV)["status"] == "succeeded"
    before = forecast.rows()
    body = HEADER + b"2031-01-01,North,1\n" * 15 + b"2031-01-01,North,abc\n"
    result = run(forecast, body)
    assert result["status"] == "failed"
    assert result["errors"] == ["Line 17: 'abc' is not a number in column Revenue."]
    assert result["rowsImported"] == 0
    assert forecast.rows() == before
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 1


def test_it_rolls_back_rows_already_written_in_earlier_batches(forecast):
    run(forecast, GOOD_CSV)
    body = HEADER + b"2031-01-01,North,1\n" * 4500 + b"2031-13-01,North,1\n"
    result = run(forecast, body)
    assert result["errors"] == [
        "Line 4502: '2031-13-01' is not a date (YYYY-MM-DD) in column month."
    ]
    assert result["rowsReceived"] == 4501
    assert DatasetRow.objects.filter(dataset=forecast.dataset).count() == 2
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 1


def test_it_imports_many_rows_across_batches(forecast):
    body = HEADER + b"".join(b"2031-01-01,R%d,%d\n" % (i, i) for i in range(4321))
    result = run(forecast, body)
    assert (result["status"], result["rowsImported"]) == ("succeeded", 4321)
    rows = forecast.rows()
    assert rows[0]["region"] == "R0" and rows[-1] == {
        "month": "2031-01-01",
        "region": "R4320",
        "Revenue": 4320,
    }


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"month,region,revenue,extra\n", "Line 1: unknown column 'extra'."),
        (b"month,region\n", "Line 1: missing column Revenue."),
        (b"month,month,region,revenue\n", "Line 1: column month appears twice."),
    ],
)
def test_it_names_header_problems(forecast, header, message):
    result = run(forecast, header + b"2031-01-01,North,1\n")
    assert result["status"] == "failed"
    assert result["errors"][0].startswith(message[:-1])
    assert "The dataset's columns are: month, region, Revenue." in result["errors"][0]


def test_it_accepts_columns_in_any_order_and_any_case(forecast):
    result = run(forecast, b" REVENUE , Month,region\n7,2031-05-01,East\n")
    assert result["status"] == "succeeded"
    assert forecast.rows() == [{"month": "2031-05-01", "region": "East", "Revenue": 7}]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (b"12", 12),
        (b"-3", -3),
        (b"12.50", 12.5),
        (b"1e3", 1000),
        (b".5", 0.5),
        (b" 42 ", 42),
        (b"", None),
        (b"123456789012345678901234", 1.2345678901234568e23),
    ],
)
def test_it_converts_numbers(forecast, raw, stored):
    result = run(forecast, HEADER + b"2031-01-01,North," + raw + b"\n")
    assert result["status"] == "succeeded", result["errors"]
    # pytest.approx: PostgreSQL's jsonb gives large floats back as integers.
    assert forecast.rows()[0]["Revenue"] == (stored if stored is None else pytest.approx(stored))


@pytest.mark.parametrize("raw", [b"abc", b"1_000", b"nan", b"inf", b"1,5", b"0x10", b"1e999"])
def test_it_refuses_what_is_not_a_number(forecast, raw):
    body = HEADER + b'2031-01-01,North,"' + raw + b'"\n'
    result = run(forecast, body)
    assert result["status"] == "failed"
    assert result["errors"][0].startswith("Line 2: ")
    assert result["errors"][0].endswith("in column Revenue.")


@pytest.mark.parametrize(
    "raw", [b"2031-02-30", b"31/01/2031", b"20310101", b"2031-W01-1", b"yesterday"]
)
def test_it_refuses_what_is_not_an_iso_date(forecast, raw):
    result = run(forecast, HEADER + raw + b",North,1\n")
    assert result["errors"] == [
        f"Line 2: {raw.decode()!r} is not a date (YYYY-MM-DD) in column month."
    ]


def test_it_stores_blanks_as_null(forecast):
    run(forecast, HEADER + b",,\n")
    assert forecast.rows() == [{"month": None, "region": None, "Revenue": None}]


def test_it_reads_quoted_values_and_counts_lines_through_them(forecast):
    body = HEADER + b'2031-01-01,"North, upper\nvalley",1\n2031-02-01,South,x\n'
    result = run(forecast, body)
    assert result["errors"] == ["Line 4: 'x' is not a number in column Revenue."]


def test_it_keeps_text_with_commas_quotes_and_newlines(forecast):
    run(forecast, HEADER + b'2031-01-01,"Say ""hi"", then\nleave",1\n')
    assert forecast.rows()[0]["region"] == 'Say "hi", then\nleave'


def test_it_skips_blank_lines_and_reads_a_byte_order_mark_and_crlf(forecast):
    body = b"\xef\xbb\xbfmonth,region,revenue\r\n\r\n2031-01-01,North,1\r\n\r\n"
    result = run(forecast, body)
    assert (result["status"], result["rowsImported"]) == ("succeeded", 1)


def test_it_reports_a_row_with_the_wrong_number_of_values(forecast):
    result = run(forecast, HEADER + b"2031-01-01,North\n")
    assert result["errors"] == ["Line 2: expected 3 values, found 2."]


def test_it_reports_several_errors_at_once_up_to_ten(forecast):
    body = HEADER + b"2031-01-01,North,x\n" * 25
    result = run(forecast, body)
    assert len(result["errors"]) == 11  # ten, then a note that checking stopped there
    assert result["errors"][1] == "Line 3: 'x' is not a number in column Revenue."
    assert result["errors"][-1] == "Stopped after 10 errors; the rest of the file was not checked."


def test_it_refuses_text_that_is_not_utf8(forecast):
    result = run(forecast, HEADER + b"2031-01-01,North,1\n2031-01-01,M\xfcnchen,1\n")
    assert result["errors"] == ["Line 3: the file is not UTF-8 text."]
    assert forecast.rows() == []


def test_it_keeps_unicode_text(forecast):
    run(forecast, HEADER + "2031-01-01,München — Süd,1\n".encode())
    assert forecast.rows()[0]["region"] == "München — Süd"


def test_it_fails_a_file_with_only_blank_content(forecast):
    result = run(forecast, b"\n")
    assert result["status"] == "failed"
    assert result["errors"][0].startswith("Line 1:")


def test_it_refuses_a_row_with_a_nul_character_and_keeps_the_old_rows(forecast):
    # PostgreSQL's jsonb cannot store U+0000; every backend refuses it the same way.
    run(forecast, GOOD_CSV)
    before = forecast.rows()
    body = HEADER + b"2031-01-01,North,1\n2031-01-01,Nor\x00th,1\n2031-01-01,South,\x002\n"
    result = run(forecast, body)
    assert result["status"] == "failed"
    assert result["errors"] == [
        "Line 3: contains a NUL character.",
        "Line 4: contains a NUL character.",
    ]
    assert result["rowsImported"] == 0
    assert forecast.rows() == before
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 1


def test_it_counts_lines_through_quoted_values_when_reporting_a_nul(forecast):
    body = HEADER + b'2031-01-01,"two\nlines",1\n2031-02-01,"a\nb\x00",1\n'
    result = run(forecast, body)
    assert result["errors"] == ["Line 5: contains a NUL character."]


def test_it_refuses_a_header_with_a_nul_character(forecast):
    result = run(forecast, b"month,region\x00,revenue\n2031-01-01,North,1\n")
    assert result["errors"] == ["Line 1: contains a NUL character."]
    assert forecast.rows() == []
