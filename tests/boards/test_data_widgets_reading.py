"""Data widgets that read well: a KPI's unit, decimals and change since the previous import, and
tables whose numbers, dates and update times read the way people write them."""

from __future__ import annotations

import re

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards.board_services import board_duplicate
from boards.models import Widget
from boards.services import widget_create
from datasets.models import Dataset
from datasets.services import dataset_create, import_configuration_create
from tests.boards.conftest import add_kpi
from tests.boards.test_live import check, current_stamp
from tests.datasets.conftest import make_key, push

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_of_this_test(settings, tmp_path):
    # Pushes store their upload before the (eager) import reads it: a folder of this test's own.
    settings.MEDIA_ROOT = str(tmp_path / "uploads")


def board_html(world, persona: str = "victor") -> str:
    response = world.client_for(persona).get(reverse("boards:detail", args=[world.sales_board.pk]))
    assert response.status_code == 200
    return response.content.decode()


def inner(html: str, testid: str) -> str:
    """The markup inside the first element marked data-testid=`testid`."""
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no {testid} on the page"
    return match.group(1)


def text_of(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


class Pipeline:
    """A dataset of Acme shared with Sales Planning, filled through the real import API."""

    def __init__(self, world, mode: str = "replace") -> None:
        self.world = world
        self.dataset = dataset_create(
            workspace=world.acme,
            name=f"Bookings {mode}",
            columns=[("day", "date"), ("region", "text"), ("revenue", "number")],
            applications=[world.sales],
        )
        self.configuration = import_configuration_create(
            workspace=world.acme, name=f"Push {mode}", dataset=self.dataset, mode=mode
        )
        self.key = make_key(world.acme)

    def push(self, *rows: str) -> None:
        body = ("day,region,revenue\n" + "".join(f"{row}\n" for row in rows)).encode()
        response = push(self.world.client_for("anonymous"), self.key, body, self.configuration.pk)
        assert response.status_code == 202, response.content
        self.dataset.refresh_from_db()

    def stats(self) -> dict:
        return Dataset.objects.get(pk=self.dataset.pk).column_stats


@pytest.fixture
def pipeline(world) -> Pipeline:
    return Pipeline(world)


# --- KPI prefix, suffix and decimals -----------------------------------------------------------


def test_it_shows_a_kpis_prefix_suffix_and_decimals(world, dataset):
    add_kpi(world, dataset, kpi_prefix="$", kpi_suffix=" k", kpi_decimals=1)
    value = inner(board_html(world), "kpi-value")
    assert value == '<span class="kpi-affix">$</span>2,000.5<span class="kpi-affix"> k</span>'


@pytest.mark.parametrize(
    ("aggregate", "decimals", "shown"),
    [
        ("sum", 0, "2,001"),  # 2,000.5: halves round up, as people round
        ("sum", 3, "2,000.500"),
        ("sum", None, "2,000.50"),  # as before: whole numbers whole, others two decimals
        ("average", 4, "1,000.2500"),
        ("latest", 2, "800.00"),
        ("latest", None, "800"),
        ("count", 3, "2"),  # a count is always whole
    ],
)
def test_it_shows_the_decimals_the_widget_asks_for(world, dataset, aggregate, decimals, shown):
    add_kpi(world, dataset, aggregate=aggregate, kpi_decimals=decimals)
    assert inner(board_html(world), "kpi-value") == shown


def test_it_escapes_a_prefix_and_suffix_written_some_other_way(world, dataset):
    # The form refuses < and >; one set in the Django admin or the shell is still only text.
    widget = add_kpi(world, dataset)
    Widget.objects.filter(pk=widget.pk).update(kpi_prefix="<b>", kpi_suffix='"&')
    html = board_html(world)
    assert '<span class="kpi-affix">&lt;b&gt;</span>' in html
    assert '<span class="kpi-affix">&quot;&amp;</span>' in html
    assert "<b>" not in html


def kpi_form(world, dataset, **fields):
    data = {
        "title": "Revenue",
        "dataset": dataset.pk,
        "kpi_column": "revenue",
        "kpi_aggregate": "sum",
        "kpi_prefix": "",
        "kpi_suffix": "",
        "kpi_decimals": "",
        **fields,
    }
    url = reverse("boards:widget_add", args=[world.sales_board.pk, "kpi"])
    return world.client_for("erin").post(url, data)


def test_the_kpi_form_keeps_the_prefix_suffix_and_decimals_as_typed(world, dataset):
    response = kpi_form(world, dataset, kpi_prefix="€ ", kpi_suffix=" k", kpi_decimals="2")
    assert response.status_code == 302
    widget = Widget.objects.get(board=world.sales_board, kind=Widget.Kind.KPI)
    assert (widget.kpi_prefix, widget.kpi_suffix, widget.kpi_decimals) == ("€ ", " k", 2)
    edit = world.client_for("erin").get(
        reverse("boards:widget_edit", args=[world.sales_board.pk, widget.pk])
    )
    page = edit.content.decode()
    assert 'name="kpi_prefix" value="€ "' in page
    assert 'name="kpi_suffix" value=" k"' in page
    assert re.search(r'<option value="2" selected>2</option>', page)


def test_automatic_decimals_are_stored_as_none(world, dataset):
    assert kpi_form(world, dataset).status_code == 302
    widget = Widget.objects.get(board=world.sales_board, kind=Widget.Kind.KPI)
    assert widget.kpi_decimals is None
    assert (widget.kpi_prefix, widget.kpi_suffix) == ("", "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kpi_prefix": "US dollars"}, "Keep it to 8 characters or fewer, such as “$”."),
        ({"kpi_suffix": " thousand"}, "Keep it to 8 characters or fewer, such as “ k”."),
        ({"kpi_decimals": "5"}, "Choose from 0 to 4 decimals, or Automatic."),
        (
            {"kpi_prefix": "<b>$"},
            "The prefix is shown as plain text: use letters, signs or spaces, without &lt; &gt; "
            "or line breaks.",
        ),
        (
            {"kpi_suffix": "\n%"},
            "The suffix is shown as plain text: use letters, signs or spaces, without &lt; &gt; "
            "or line breaks.",
        ),
    ],
)
def test_the_kpi_form_says_what_is_wrong(world, dataset, fields, message):
    response = kpi_form(world, dataset, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Widget.objects.filter(board=world.sales_board).exists()


def test_a_kpi_turned_into_nothing_else_keeps_no_stale_unit(world, dataset):
    widget = widget_create(
        board=world.sales_board,
        kind=Widget.Kind.TABLE,
        dataset=dataset,
        kpi_prefix="$",
        kpi_suffix="%",
        kpi_decimals=2,
    )
    widget.refresh_from_db()
    assert (widget.kpi_prefix, widget.kpi_suffix, widget.kpi_decimals) == ("", "", None)


def test_duplicating_a_board_copies_the_kpis_unit_and_decimals(world, dataset):
    add_kpi(world, dataset, kpi_prefix="$", kpi_suffix=" k", kpi_decimals=3)
    copy = board_duplicate(board=world.sales_board, name="Copy", actor=world.erin)
    widget = copy.widgets.get()
    assert (widget.kpi_prefix, widget.kpi_suffix, widget.kpi_decimals) == ("$", " k", 3)


# --- Change since the previous import ----------------------------------------------------------


def test_a_first_import_shows_no_change_line(world, pipeline):
    add_kpi(world, pipeline.dataset)
    pipeline.push("2030-01-01,North,1000")
    html = board_html(world)
    assert inner(html, "kpi-value") == "1,000"
    assert 'data-testid="kpi-change"' not in html
    assert "previous" not in pipeline.stats()


def test_it_shows_how_far_a_kpi_rose_since_the_last_import(world, pipeline):
    add_kpi(world, pipeline.dataset, kpi_prefix="$")
    pipeline.push("2030-01-01,North,1000")
    pipeline.push("2030-01-01,North,1042")
    html = board_html(world)
    change = inner(html, "kpi-change")
    assert text_of(change) == "▲ Up 4.2% since the last import, from $1,000"
    # The arrow is hidden from screen readers, which read the words; the colour comes with both.
    assert '<span class="kpi-arrow" aria-hidden="true">▲</span>' in change
    assert '<span class="visually-hidden">Up </span>4.2% since the last import' in change
    assert 'class="small kpi-change kpi-change-up"' in html


def test_it_shows_how_far_a_kpi_fell(world, pipeline):
    add_kpi(world, pipeline.dataset, aggregate="average")
    pipeline.push("2030-01-01,North,100", "2030-01-02,South,300")
    pipeline.push("2030-01-01,North,50", "2030-01-02,South,250")
    change = inner(board_html(world), "kpi-change")
    assert text_of(change) == "▼ Down 25.0% since the last import, from 200"
    assert 'aria-hidden="true">▼</span>' in change


def test_it_says_when_nothing_moved(world, pipeline):
    add_kpi(world, pipeline.dataset, aggregate="count")
    pipeline.push("2030-01-01,North,1")
    pipeline.push("2030-01-02,South,2")
    html = board_html(world)
    assert text_of(inner(html, "kpi-change")) == "= No change since the last import"
    assert "kpi-change-same" in html


def test_it_compares_figures_as_shown(world, pipeline):
    add_kpi(world, pipeline.dataset, kpi_decimals=0)
    pipeline.push("2030-01-01,North,100.2")
    pipeline.push("2030-01-01,North,100.4")
    assert text_of(inner(board_html(world), "kpi-change")).startswith("= No change")


@pytest.mark.parametrize(
    ("prefix", "suffix", "before", "after", "words"),
    [
        # From zero no percentage exists: the amount, in the widget's unit.
        ("$", "", "0", "1200", "▲ Up $1,200 since the last import, from $0"),
        # A figure already in percent moves by its own unit: "▲ 10%" of 50% would read as 60%.
        ("", "%", "50", "45", "▼ Down 5% since the last import, from 50%"),
    ],
)
def test_it_gives_the_amount_where_a_percentage_would_mislead(
    world, pipeline, prefix, suffix, before, after, words
):
    add_kpi(world, pipeline.dataset, kpi_prefix=prefix, kpi_suffix=suffix)
    pipeline.push(f"2030-01-01,North,{before}")
    pipeline.push(f"2030-01-01,North,{after}")
    assert text_of(inner(board_html(world), "kpi-change")) == words


def test_a_text_kpi_has_no_change_line(world, pipeline):
    add_kpi(world, pipeline.dataset, column="region", aggregate="latest")
    pipeline.push("2030-01-01,North,1")
    pipeline.push("2030-01-01,South,1")
    html = board_html(world)
    assert inner(html, "kpi-value") == "South"
    assert 'data-testid="kpi-change"' not in html


def test_appends_compare_with_the_figure_before_them(world):
    pipeline = Pipeline(world, mode="append")
    add_kpi(world, pipeline.dataset)
    pipeline.push("2030-01-01,North,100")
    pipeline.push("2030-01-02,South,50")
    pipeline.push("2030-01-03,East,50")
    assert inner(board_html(world), "kpi-value") == "200"
    assert text_of(inner(board_html(world), "kpi-change")).startswith("▲ Up 33.3% since")
    stats = pipeline.stats()
    # The statistics before the last append, without their own "previous": nothing nests, and
    # the merge carries none of it into the current figures.
    assert stats["previous"] == {
        "rows": 2,
        "columns": {
            "day": {"count": 2, "latest": "2030-01-02"},
            "region": {"count": 2, "latest": "South"},
            "revenue": {"count": 2, "latest": 50, "numbers": 2, "sum": "150"},
        },
    }
    assert stats["rows"] == 3 and stats["columns"]["revenue"]["sum"] == "200"


def test_replaces_keep_only_one_earlier_import(pipeline):
    for value in (1, 2, 3):
        pipeline.push(f"2030-01-01,North,{value}")
    previous = pipeline.stats()["previous"]
    assert "previous" not in previous
    assert previous["columns"]["revenue"]["sum"] == "2"


def test_an_open_board_redraws_the_change(world, pipeline):
    add_kpi(world, pipeline.dataset)
    pipeline.push("2030-01-01,North,100")
    since = current_stamp(world)
    pipeline.push("2030-01-01,North,110")
    sent = check(world, since)
    assert '▲</span> <span class="visually-hidden">Up </span>10.0% since the last import' in sent


def test_the_change_line_costs_no_query(world, pipeline, make_dataset):
    add_kpi(world, pipeline.dataset)
    pipeline.push("2030-01-01,North,100")
    client = world.client_for("victor")
    url = reverse("boards:detail", args=[world.sales_board.pk])
    with CaptureQueriesContext(db_connection) as before:
        client.get(url)
    pipeline.push("2030-01-01,North,110")
    with CaptureQueriesContext(db_connection) as after:
        html = client.get(url).content.decode()
    assert 'data-testid="kpi-change"' in html
    assert len(after) == len(before)


# --- Tables ------------------------------------------------------------------------------------


def test_a_table_writes_dates_for_people_with_a_machine_readable_date(world, pipeline):
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=pipeline.dataset)
    pipeline.push("2030-01-01,North,1200.5", "2030-12-31,,")
    html = board_html(world)
    assert '<td class="date"><time datetime="2030-01-01">1 Jan 2030</time></td>' in html
    assert '<td class="date"><time datetime="2030-12-31">31 Dec 2030</time></td>' in html
    assert '<td class="num">1,200.5</td>' in html
    # Numbers sit right-aligned under right-aligned headers; dates and text stay left.
    assert '<th scope="col" class="num">revenue</th>' in html
    assert '<th scope="col">day</th>' in html


def test_a_date_stored_some_other_way_shows_as_it_is(world, make_dataset):
    dataset = make_dataset(
        "Odd", columns=[("day", "date")], rows=[{"day": "soon"}, {"day": "2030-02-03"}]
    )
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)
    html = board_html(world)
    assert "<td>soon</td>" in html
    assert '<time datetime="2030-02-03">3 Feb 2030</time>' in html


def test_the_updated_lines_name_the_time_zone(world, pipeline):
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=pipeline.dataset)
    add_kpi(world, pipeline.dataset)
    pipeline.push("2030-01-01,North,1")
    lines = re.findall(r"Updated <time[^>]*>([^<]*)</time>", board_html(world))
    assert len(lines) == 2
    assert all(re.fullmatch(r"\d\d:\d\d UTC", line) for line in lines), lines


def test_an_empty_table_says_when_rows_arrive(world, pipeline):
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=pipeline.dataset)
    html = board_html(world)
    assert inner(html, "table-empty") == "No rows yet. They appear here when data is imported."
