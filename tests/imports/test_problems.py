"""Import problems: located as a spreadsheet user finds them; the first thousand kept, all counted."""

from __future__ import annotations

from talent_training.imports.problems import FileRefused, ImportProblem, Problems


def test_a_long_value_is_cut_to_200_characters() -> None:
    problem = ImportProblem(7, "Training title", "x" * 5000, "must be at most 250 characters")
    assert problem.value is not None
    assert len(problem.value) == 200
    assert problem.value.endswith("…")
    assert ImportProblem(7, "Cost", "x" * 200, "no").value == "x" * 200


def test_a_problem_reads_as_a_sentence() -> None:
    assert str(ImportProblem(12, "Start date", "02/30/2025", "is not a calendar date")) == (
        "row 12, column 'Start date': is not a calendar date"
    )
    assert str(ImportProblem(None, None, None, "not a readable XLSX workbook")) == (
        "file: not a readable XLSX workbook"
    )


def test_the_collector_keeps_the_first_thousand_and_counts_all() -> None:
    problems = Problems()
    assert not problems
    for row in range(2, 1502):
        problems.cell(row, "Cost", "-1", "must be at least 0")
    assert problems
    assert problems.total == 1500
    assert len(problems.kept) == 1000
    assert problems.truncated
    assert [problem.row for problem in problems][:2] == [2, 3]
    assert problems.kept[-1].row == 1001


def test_the_limit_can_be_set_and_problems_added_in_bulk() -> None:
    problems = Problems(limit=2)
    problems.extend(ImportProblem(row, None, None, "duplicate") for row in (2, 3, 4))
    assert problems.total == 3
    assert [problem.row for problem in problems.kept] == [2, 3]


def test_a_refused_file_carries_its_problems() -> None:
    problems = [
        ImportProblem(1, "Strat date", "Strat date", "is not a column"),
        ImportProblem(1, "Foo", "Foo", "x"),
    ]
    error = FileRefused(problems)
    assert error.problems == tuple(problems)
    assert "Strat date" in str(error)
