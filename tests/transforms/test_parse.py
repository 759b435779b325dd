"""Records that broke the parsers (found by tests/test_garbage_input.py): each is now rejected or
read on its own, and the records around it still load."""

from transforms import parse
from transforms.config import CsvOptions

COLUMNS = ["id", "text", "user.name"]
CSV_COLUMNS = ["id", "created_at", "text"]
HEADER = b"id,created_at,text\n"


def jsonl(data: bytes) -> parse.Block:
    return parse.jsonl_block(data, COLUMNS)


def csv_block(data: bytes, options: CsvOptions | None = None) -> parse.Block:
    (block,) = parse.csv_blocks([data], options or CsvOptions(), CSV_COLUMNS, 1 << 20)
    return block


def test_json_nested_thousands_of_levels_deep_is_rejected_alone():
    data = b"[" * 5000 + b"]" * 5000 + b'\n{"id": "2", "text": ' + b"[" * 5000 + b"]" * 5000
    data += b'}\n{"id": "3", "text": "fine"}\n'
    block = jsonl(data)
    assert [(n, reason) for n, reason, _ in block.rejected] == [
        (1, "malformed JSON: nested too deeply"),
        (2, "malformed JSON: nested too deeply"),
    ]
    assert block.frame["id"].to_list() == ["3"]


def test_an_integer_of_thousands_of_digits_is_rejected_alone():
    block = jsonl(b'{"id": "1", "text": 1' + b"0" * 5000 + b'}\n{"id": "2"}\n')
    assert [r[:2] for r in block.rejected] == [(1, "malformed JSON: a number with too many digits")]
    assert block.frame["id"].to_list() == ["2"]


def test_a_lone_surrogate_escape_is_rejected_alone():
    data = b'{"id": "1", "text": "a\\ud800b"}\n{"id": "2", "user": {"name": "\\udfff"}}\n'
    data += b'{"id": "3", "text": "\\ud83d\\ude00 a pair is a character"}\n'
    block = jsonl(data)
    reason = "invalid Unicode: a lone surrogate escape"
    assert [r[:2] for r in block.rejected] == [(1, reason), (2, reason)]
    assert block.frame.select("id", "text").rows() == [("3", "\U0001f600 a pair is a character")]


def test_a_csv_field_larger_than_the_csv_module_limit_is_read_and_so_are_the_rows_after_it():
    huge = b"x" * 200_000
    block = csv_block(HEADER + b"r1,t," + huge + b"\nr2,t,after\n")
    assert block.rejected == []
    assert block.frame["id"].to_list() == ["r1", "r2"]
    assert block.frame["text"].str.len_chars().to_list() == [200_000, 5]


def test_a_carriage_return_in_an_unquoted_csv_field_rejects_that_row_only():
    block = csv_block(HEADER + b"r1,t,bare\rreturn\nr2,t,fine\n")
    ((line, reason, _),) = block.rejected
    assert line == 2 and reason.startswith("CSV not parseable: new-line character")
    assert block.frame["id"].to_list() == ["r2"]


def test_a_quote_left_open_at_the_end_of_a_csv_rejects_the_record_it_swallowed():
    block = csv_block(HEADER + b'r1,t,fine\nr2,t,"open quote\nr3,t,swallowed\n')
    assert block.rejected == [
        (4, "CSV quote not closed before the end of the file", "r2,t,open quote\nr3,t,swallowed\n")
    ]
    assert block.frame["id"].to_list() == ["r1"]


def test_a_closed_quote_across_lines_is_still_one_record():
    block = csv_block(HEADER + b'r1,t,"two\nlines"\nr2,t,fine')
    assert block.rejected == []
    assert block.frame["text"].to_list() == ["two\nlines", "fine"]


def test_a_csv_row_of_empty_fields_is_a_record_not_a_blank_line():
    block = csv_block(HEADER + b",,\n  \n,\nr1,t,fine\n")
    assert block.frame.select("id", "_line").rows() == [("", 2), ("r1", 5)]
    assert [r[:2] for r in block.rejected] == [(4, "CSV row has 2 fields, the header has 3")]


def test_a_csv_header_with_a_stray_carriage_return_names_no_column():
    assert parse.header_columns(b"id;text\rmore\nr1;x\n", "csv", CsvOptions(delimiter=";")) == []
    assert parse.header_columns(b"id;text\n", "csv", CsvOptions(delimiter=";")) == ["id", "text"]
