"""Integrations → Datasets → + Add dataset: the form, its rules, and what gets saved."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from datasets.models import Dataset, DatasetColumn
from datasets.services import dataset_create

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("datasets:dataset_create")


def dataset_post(name: str, columns: list[tuple[str, str]], blank_rows: int = 3) -> dict:
    """What the browser sends: the typed rows, then blank rows with their type left at Text."""
    rows = [*columns, *[("", "text")] * blank_rows]
    data = {
        "name": name,
        "columns-TOTAL_FORMS": str(len(rows)),
        "columns-INITIAL_FORMS": "0",
        "columns-MIN_NUM_FORMS": "0",
        "columns-MAX_NUM_FORMS": "100",
    }
    for index, (column_name, kind) in enumerate(rows):
        data[f"columns-{index}-name"] = column_name
        data[f"columns-{index}-kind"] = kind
    return data


def columns_of(dataset: Dataset) -> list[tuple[str, str]]:
    return list(dataset.columns.order_by("position").values_list("name", "kind"))


def test_it_offers_six_blank_column_rows(world):
    page = world.client_for("alice").get(CREATE_URL).content.decode()
    assert 'name="columns-TOTAL_FORMS" value="6"' in page
    assert 'for="id_columns-5-name">Column 6 name</label>' in page
    assert 'for="id_columns-5-kind">Column 6 type</label>' in page
    assert '<option value="date">Date</option>' in page


def test_it_adds_a_dataset_with_its_columns_in_order(world):
    client = world.client_for("alice")
    columns = [("month", "date"), (" Region ", "text"), ("Revenue", "number")]
    response = client.post(CREATE_URL, dataset_post("Revenue forecast", columns), follow=True)
    assert response.redirect_chain == [(reverse("datasets:list"), 302)]
    dataset = Dataset.objects.get(workspace=world.acme)
    assert dataset.name == "Revenue forecast"
    assert columns_of(dataset) == [("month", "date"), ("Region", "text"), ("Revenue", "number")]
    page = response.content.decode()
    assert "Dataset “Revenue forecast” added." in page
    assert 'Region <span class="muted small">(text)</span>' in page


def test_it_skips_blank_rows_between_columns(world):
    data = dataset_post("Mixed", [("a", "text"), ("", "text"), ("b", "number")])
    world.client_for("alice").post(CREATE_URL, data)
    assert columns_of(Dataset.objects.get()) == [("a", "text"), ("b", "number")]


def assert_nothing_saved() -> None:
    assert not Dataset.objects.exists()
    assert not DatasetColumn.objects.exists()


def test_it_needs_at_least_one_column(world):
    response = world.client_for("alice").post(CREATE_URL, dataset_post("Empty", []))
    assert response.status_code == 200
    assert "Add at least one column." in response.content.decode()
    assert_nothing_saved()


def test_it_needs_a_name(world):
    response = world.client_for("alice").post(CREATE_URL, dataset_post("  ", [("a", "text")]))
    page = response.content.decode()
    assert '<div class="field has-error" id="field-name">' in page
    assert "Give the dataset a name." in page
    assert_nothing_saved()


def test_it_refuses_column_names_that_differ_only_in_case(world):
    data = dataset_post("Sales", [("Region", "text"), ("amount", "number"), ("REGION ", "text")])
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert "Column 3 “REGION”: another column is already named “Region”" in page
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("column_name", "message"),
    [
        ("net, gross", "cannot contain commas"),
        ('the "best"', "cannot contain commas, double quotes"),
        ("two\nlines", "line breaks"),
        ("tab\there", "tabs"),
        ("x" * 101, "Keep column names to 100 characters (this one has 101)."),
    ],
)
def test_it_says_which_column_name_cannot_be_a_csv_header(world, column_name, message):
    data = dataset_post("Sales", [("ok", "text"), (column_name, "number")])
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert '<tr class="has-error">' in page
    assert message in page
    assert_nothing_saved()


def test_it_asks_for_a_name_on_a_row_whose_type_was_changed(world):
    data = dataset_post("Sales", [("ok", "text"), ("", "number")])
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert "Enter a column name, or clear this row&#x27;s type." in page
    assert_nothing_saved()


def test_it_refuses_a_type_it_does_not_know(world):
    page = (
        world.client_for("alice")
        .post(CREATE_URL, dataset_post("Sales", [("when", "datetime")]))
        .content.decode()
    )
    assert "Select a valid choice. datetime is not one of the available choices." in page
    assert_nothing_saved()


def test_it_refuses_a_second_dataset_with_the_same_name_in_any_case(world, forecast):
    data = dataset_post("REVENUE FORECAST", [("a", "text")])
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert "This workspace already has a dataset named “REVENUE FORECAST”" in page
    assert Dataset.objects.filter(workspace=world.acme).count() == 1


def test_it_allows_the_same_name_in_another_workspace(world, forecast):
    world.client_for("oscar").post(CREATE_URL, dataset_post("Revenue forecast", [("a", "text")]))
    assert Dataset.objects.filter(workspace=world.globex, name="Revenue forecast").exists()


def test_it_offers_more_rows_keeping_what_was_typed_and_saves_nothing(world):
    data = dataset_post("Wide", [(f"c{i}", "number") for i in range(6)], blank_rows=0)
    data["more_rows"] = "1"
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert 'name="columns-TOTAL_FORMS" value="12"' in page
    assert 'value="Wide"' in page
    assert 'name="columns-5-name" value="c5"' in page
    assert 'for="id_columns-11-name">Column 12 name</label>' in page
    assert "errorlist" not in page
    assert_nothing_saved()


def test_it_takes_at_most_a_hundred_columns(world):
    data = dataset_post("Too wide", [(f"c{i}", "text") for i in range(101)], blank_rows=0)
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert "A dataset can have at most 100 columns." in page
    assert_nothing_saved()


def test_the_service_lists_every_column_problem_at_once(world):
    with pytest.raises(ValidationError) as raised:
        dataset_create(
            workspace=world.acme,
            name="",
            columns=[("a,b", "text"), ("", "number"), ("c", "money"), ("C", "text")],
        )
    assert raised.value.message_dict["name"] == ["Give the dataset a name."]
    assert raised.value.message_dict["columns"] == [
        "Column 1 “a,b”: A column name cannot contain commas, double quotes, line breaks or "
        "tabs: it must be usable as-is in a CSV file's first line.",
        "Column 2: Enter a column name.",
        "Column 3 “c”: choose a type (Text, Number, Date).",
        "Column 4 “C”: another column is already named “c”; column names must differ, "
        "ignoring case, as CSV headers are matched that way.",
    ]
    assert_nothing_saved()


def test_it_shows_row_problems_and_duplicate_names_in_one_go(world):
    data = dataset_post("", [("a,b", "text"), ("x", "number"), ("X", "date")])
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert "Give the dataset a name." in page
    assert "cannot contain commas" in page
    assert "Column 3 “X”: another column is already named “x”" in page
    assert_nothing_saved()
