"""The left pane: FilterChoice, the tag/source tree model (in-place updates) and its view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reader.query import Query, TagIs, parse_query
from reader.records import ArchiveTotals, SourceInfo, TagCount
from ui.tag_filter import (
    CHOICE_ROLE,
    COUNT_ROLE,
    ERROR_ROLE,
    UNREAD_ROLE,
    FilterChoice,
    TagFilterModel,
    TagFilterView,
)

# Any Qt warning fails a test: the C++ QAbstractItemModelTester reports through qWarning.
pytestmark = pytest.mark.qt_log_level_fail("WARNING")

ALL = FilterChoice("all")
UNREAD = FilterChoice("unread")
BOOKMARKED = FilterChoice("bookmarked")
TAGS_ROW, SOURCES_ROW = 4, 5


def tag(name: str, count: int, unread: int = 0) -> TagCount:
    return TagCount(name=name, count=count, unread=unread)


def source(
    id: int, title: str, count: int, unread: int = 0, error: str | None = None
) -> SourceInfo:
    return SourceInfo(
        id=id,
        kind="feed",
        url=f"https://example.org/{id}/feed.xml",
        title=title,
        article_count=count,
        unread_count=unread,
        last_synced=datetime(2024, 5, 1, 7, 30, tzinfo=UTC),
        last_error=error,
    )


TOTALS = ArchiveTotals(articles=340, unread=12, bookmarked=4)
TAGS = [tag("Politics", 40, 3), tag("climate", 25), tag("East Africa", 12, 2), tag("Books", 8)]
SOURCES = [source(1, "The Guardian", 200, 9), source(2, "BBC News", 140, 3, error="HTTP 503")]


class ModelTester(Protocol):
    """The part of pytest-qt's (untyped) ``qtmodeltester`` fixture these tests use."""

    def check(self, model: QAbstractItemModel, force_py: bool = False) -> None: ...


def check(tester: ModelTester, model: TagFilterModel) -> None:
    """Run Qt's C++ tester now; its failures are Qt warnings, which fail the test."""
    tester.check(model)


def children(model: TagFilterModel, section_row: int) -> list[str]:
    parent = model.index(section_row, 0)
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def filled_model() -> TagFilterModel:
    model = TagFilterModel()
    model.set_contents(TOTALS, TAGS, SOURCES)
    return model


@pytest.fixture
def view(qtbot: QtBot) -> TagFilterView:
    model = filled_model()
    shown = TagFilterView(model)
    qtbot.addWidget(shown)
    shown.resize(260, 500)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def model_of(view: TagFilterView) -> TagFilterModel:
    model = view.model()
    assert isinstance(model, TagFilterModel)
    return model


# --- FilterChoice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "query"),
    [
        (FilterChoice("all"), ""),
        (FilterChoice("unread"), "is:unread"),
        (FilterChoice("bookmarked"), "is:bookmarked"),
        (FilterChoice("tag", "Books"), 'tag:"Books"'),
        (FilterChoice("tag", "East Africa"), 'tag:"East Africa"'),
        (FilterChoice("tag", 'He said "hi"'), 'tag:"He said \\"hi\\""'),
        (FilterChoice("tag", "C:\\temp"), 'tag:"C:\\\\temp"'),
        (FilterChoice("tag", "-not (a) OR b"), 'tag:"-not (a) OR b"'),
        (FilterChoice("source", 7), ""),
    ],
)
def test_query_fragment(choice: FilterChoice, query: str) -> None:
    assert choice.query() == query


@given(st.text(min_size=1))
def test_tag_query_parses_back_to_the_same_tag(name: str) -> None:
    assert parse_query(FilterChoice("tag", name).query()) == Query(root=TagIs(name))


def test_labels_and_equality() -> None:
    assert ALL.label == "All articles"
    assert FilterChoice("tag", "Books").label == "Tag: Books"
    assert FilterChoice("source", 3).label == "Source 3"
    titled = FilterChoice("source", 3, "BBC News")
    assert titled.label == "BBC News"
    assert titled == FilterChoice("source", 3)  # the label is for display only
    assert hash(titled) == hash(FilterChoice("source", 3))
    assert FilterChoice("tag", "Books") != FilterChoice("tag", "books")


@pytest.mark.parametrize(
    ("kind", "value"),
    [("tag", None), ("tag", ""), ("tag", 3), ("source", "3"), ("source", True), ("all", "x")],
)
def test_malformed_choices_are_refused(kind: str, value: object) -> None:
    with pytest.raises(ValueError):
        FilterChoice(kind, value)  # type: ignore[arg-type]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        FilterChoice("everything")  # type: ignore[arg-type]


# --- the model -----------------------------------------------------------------------------------


def test_model_passes_the_model_tester_through_every_change(
    qapp: QApplication, qtmodeltester: ModelTester
) -> None:
    model = TagFilterModel()
    # pytest-qt's Python tester stays connected and re-checks on every signal from here on;
    # each check() below also runs Qt's C++ tester on the model as it then is.
    qtmodeltester.check(model, force_py=True)
    check(qtmodeltester, model)
    model.set_contents(TOTALS, TAGS, SOURCES)
    check(qtmodeltester, model)
    model.set_contents(
        ArchiveTotals(articles=350, unread=20, bookmarked=5),
        [tag("Politics", 41, 4), tag("Aardvarks", 1, 1), tag("East Africa", 12, 2), tag("Zoo", 3)],
        [source(2, "BBC News", 150, 4), source(3, "Ars Technica", 30, 30)],
    )
    check(qtmodeltester, model)
    model.set_sort("count")
    check(qtmodeltester, model)
    model.set_sort("name")
    check(qtmodeltester, model)
    model.set_contents(ArchiveTotals(0, 0, 0), [], [])
    check(qtmodeltester, model)


def test_layout(qapp: QApplication) -> None:
    model = filled_model()
    top = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert top == ["All articles", "Unread", "Bookmarked", "Saved searches", "Tags", "Sources"]
    assert children(model, TAGS_ROW) == ["Books", "climate", "East Africa", "Politics"]
    assert children(model, SOURCES_ROW) == ["BBC News", "The Guardian"]
    assert model.columnCount() == 1


def test_roles(qapp: QApplication) -> None:
    model = filled_model()
    everything = model.index(0, 0)
    assert everything.data(COUNT_ROLE) == 340
    assert everything.data(UNREAD_ROLE) == 12
    assert everything.data(CHOICE_ROLE) == ALL
    assert everything.data(Qt.ItemDataRole.ToolTipRole) == "340 articles, 12 unread"
    assert model.index(1, 0).data(CHOICE_ROLE) == UNREAD
    assert model.index(2, 0).data(COUNT_ROLE) == 4
    assert model.index(2, 0).data(CHOICE_ROLE) == BOOKMARKED

    africa = model.index_for(FilterChoice("tag", "East Africa"))
    assert africa.data() == "East Africa"
    assert (africa.data(COUNT_ROLE), africa.data(UNREAD_ROLE)) == (12, 2)
    assert africa.data(Qt.ItemDataRole.ToolTipRole) == "12 articles, 2 unread"
    assert africa.data(ERROR_ROLE) is None

    bbc = model.index_for(FilterChoice("source", 2))
    assert bbc.data() == "BBC News"
    assert bbc.data(CHOICE_ROLE).label == "BBC News"
    assert bbc.data(ERROR_ROLE) == "HTTP 503"
    tip = bbc.data(Qt.ItemDataRole.ToolTipRole)
    assert "https://example.org/2/feed.xml" in tip
    assert "HTTP 503" in tip
    assert model.index_for(FilterChoice("source", 1)).data(ERROR_ROLE) is None


def test_section_headers_are_not_selectable_and_choose_nothing(qapp: QApplication) -> None:
    model = filled_model()
    for row in (TAGS_ROW, SOURCES_ROW):
        header = model.index(row, 0)
        assert not model.flags(header) & Qt.ItemFlag.ItemIsSelectable
        assert header.data(CHOICE_ROLE) is None
        assert header.data(COUNT_ROLE) is None
    leaf = model.index(0, 0, model.index(TAGS_ROW, 0))
    assert model.flags(leaf) & Qt.ItemFlag.ItemIsSelectable


def test_index_for(qapp: QApplication) -> None:
    model = filled_model()
    for choice in (
        ALL,
        UNREAD,
        BOOKMARKED,
        FilterChoice("tag", "Books"),
        FilterChoice("source", 1),
    ):
        assert model.index_for(choice).data(CHOICE_ROLE) == choice
    assert not model.index_for(FilterChoice("tag", "Nope")).isValid()
    assert not model.index_for(FilterChoice("source", 99)).isValid()


def test_updates_in_place_with_minimal_signals(qapp: QApplication) -> None:
    model = filled_model()
    log: list[tuple[str, int, int, int]] = []

    def recorder(name: str):  # type: ignore[no-untyped-def]
        def record(parent: QModelIndex, first: int, last: int) -> None:
            log.append((name, parent.row() if parent.isValid() else -1, first, last))

        return record

    model.rowsRemoved.connect(recorder("removed"))
    model.rowsInserted.connect(recorder("inserted"))
    model.dataChanged.connect(
        lambda a, b, _roles: log.append(
            ("changed", a.parent().row() if a.parent().isValid() else -1, a.row(), b.row())
        )
    )
    resets: list[object] = []
    model.modelReset.connect(lambda: resets.append(1))
    layouts: list[object] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))

    # Same data again: nothing at all.
    model.set_contents(TOTALS, TAGS, SOURCES)
    assert log == []

    # Books (row 0) removed, climate re-counted, "Dogs" added between climate and East Africa.
    model.set_contents(
        TOTALS,
        [tag("Politics", 40, 3), tag("climate", 26, 1), tag("East Africa", 12, 2), tag("Dogs", 1)],
        SOURCES,
    )
    assert log == [
        ("removed", TAGS_ROW, 0, 0),
        ("changed", TAGS_ROW, 0, 0),
        ("inserted", TAGS_ROW, 1, 1),
    ]
    assert children(model, TAGS_ROW) == ["climate", "Dogs", "East Africa", "Politics"]
    assert resets == []
    assert layouts == []  # sorted by name: re-counting never moves a row

    log.clear()
    model.set_contents(ArchiveTotals(341, 12, 4), TAGS, [source(1, "The Guardian", 201, 9)])
    assert ("changed", -1, 0, 2) in log
    assert ("removed", SOURCES_ROW, 0, 0) in log
    assert children(model, SOURCES_ROW) == ["The Guardian"]
    assert resets == []


def test_sort_by_count_orders_by_count_descending_then_name(qapp: QApplication) -> None:
    model = TagFilterModel()
    model.set_contents(
        TOTALS,
        [tag("b", 5), tag("A", 5), tag("c", 50), tag("d", 1)],
        [source(1, "Small", 1), source(2, "Big", 100)],
    )
    followed = QPersistentModelIndex(model.index_for(FilterChoice("tag", "d")))
    model.set_sort("count")
    assert model.sort_order == "count"
    assert children(model, TAGS_ROW) == ["c", "A", "b", "d"]
    assert children(model, SOURCES_ROW) == ["Big", "Small"]
    assert followed.data() == "d"  # persistent indexes follow their rows

    # Re-counts now move rows, as a layout change rather than a reset.
    model.set_contents(TOTALS, [tag("b", 5), tag("A", 5), tag("c", 50), tag("d", 99)], [])
    assert children(model, TAGS_ROW) == ["d", "c", "A", "b"]
    assert followed.data() == "d"

    model.set_sort("name")
    assert children(model, TAGS_ROW) == ["A", "b", "c", "d"]
    assert followed.data() == "d"
    with pytest.raises(ValueError):
        model.set_sort("date")  # type: ignore[arg-type]


tag_lists = st.lists(
    st.builds(
        TagCount,
        name=st.sampled_from(["a", "B", "c", "D", "e", "F", "g", "east africa", "East Africa"]),
        count=st.integers(0, 5),
        unread=st.integers(0, 5),
    ),
    max_size=9,
)


@settings(max_examples=150, deadline=None)
@given(
    updates=st.lists(st.tuples(tag_lists, st.sampled_from(["name", "count"])), max_size=6),
    first=tag_lists,
)
def test_any_sequence_of_updates_ends_in_the_sorted_contents(
    qapp: QApplication,
    first: Sequence[TagCount],
    updates: Sequence[tuple[Sequence[TagCount], str]],
) -> None:
    model = TagFilterModel()
    model.set_contents(TOTALS, first, [])
    for tags, order in updates:
        persistent = {
            name: QPersistentModelIndex(model.index_for(FilterChoice("tag", name)))
            for name in children(model, TAGS_ROW)
        }
        model.set_sort(order)  # type: ignore[arg-type]
        model.set_contents(TOTALS, tags, [])
        latest = {t.name: t for t in tags}
        if order == "name":
            expected = sorted(latest, key=lambda n: (n.casefold(), n))
        else:
            expected = sorted(latest, key=lambda n: (-latest[n].count, n.casefold(), n))
        assert children(model, TAGS_ROW) == expected
        for name, index in persistent.items():
            if name in latest:
                assert index.data() == name
                assert index.data(COUNT_ROLE) == latest[name].count
            else:
                assert not index.isValid()


# --- the view ------------------------------------------------------------------------------------


def test_starts_on_all_articles(view: TagFilterView) -> None:
    assert view.current_choice() == ALL
    assert view.currentIndex().data(CHOICE_ROLE) == ALL


def test_select_emits_and_selects(view: TagFilterView, qtbot: QtBot) -> None:
    books = FilterChoice("tag", "Books")
    with qtbot.waitSignal(view.choice_changed) as blocker:
        view.select(books)
    assert blocker.args == [books]
    assert view.current_choice() == books
    assert [i.data() for i in view.selectedIndexes()] == ["Books"]

    # Restoring a choice that no longer exists lands on All articles.
    with qtbot.waitSignal(view.choice_changed) as blocker:
        view.select(FilterChoice("tag", "Gone"))
    assert blocker.args == [ALL]


def test_select_source_reports_its_title(view: TagFilterView) -> None:
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)
    view.select(FilterChoice("source", 2))
    assert emitted == [FilterChoice("source", 2)]
    assert emitted[0].label == "BBC News"


def test_selection_survives_new_counts(view: TagFilterView) -> None:
    model = model_of(view)
    africa = FilterChoice("tag", "East Africa")
    view.select(africa)
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)

    # Re-counted, and new tags inserted above it so its row number changes.
    model.set_contents(
        ArchiveTotals(400, 30, 6),
        [tag("Aa", 1), tag("Ab", 2), *TAGS[:2], tag("East Africa", 13, 0), TAGS[3]],
        SOURCES,
    )
    assert emitted == []
    assert view.current_choice() == africa
    assert [i.data() for i in view.selectedIndexes()] == ["East Africa"]
    assert view.currentIndex().data(COUNT_ROLE) == 13

    model.set_sort("count")
    assert emitted == []
    assert [i.data() for i in view.selectedIndexes()] == ["East Africa"]


def test_removed_selection_falls_back_to_all_articles_once(view: TagFilterView) -> None:
    model = model_of(view)
    view.select(FilterChoice("tag", "climate"))
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)

    model.set_contents(TOTALS, [t for t in TAGS if t.name != "climate"], SOURCES)

    assert emitted == [ALL]
    assert view.current_choice() == ALL
    assert [i.data() for i in view.selectedIndexes()] == ["All articles"]


def test_removed_source_falls_back_too(view: TagFilterView) -> None:
    model = model_of(view)
    view.select(FilterChoice("source", 2))
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)
    model.set_contents(TOTALS, TAGS, SOURCES[:1])
    assert emitted == [ALL]


def test_keyboard_navigation_skips_section_headers(view: TagFilterView, qtbot: QtBot) -> None:
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)
    view.setFocus()

    for _ in range(3):
        QTest.keyClick(view, Qt.Key.Key_Down)
    assert emitted == [UNREAD, BOOKMARKED, FilterChoice("tag", "Books")]

    QTest.keyClick(view, Qt.Key.Key_Up)
    assert emitted[-1] == BOOKMARKED

    view.select(FilterChoice("tag", "Politics"))  # the last tag
    emitted.clear()
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert emitted == [FilterChoice("source", 2)]  # "BBC News", past the Sources header
    QTest.keyClick(view, Qt.Key.Key_Up)
    assert emitted[-1] == FilterChoice("tag", "Politics")


def test_clicking_a_header_changes_nothing(view: TagFilterView, qtbot: QtBot) -> None:
    view.select(FilterChoice("tag", "Books"))
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)
    header = view.visualRect(model_of(view).index(TAGS_ROW, 0)).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=header)
    assert emitted == []
    assert view.current_choice() == FilterChoice("tag", "Books")
    assert [i.data() for i in view.selectedIndexes()] == ["Books"]


def test_clicking_a_row_chooses_it(view: TagFilterView, qtbot: QtBot) -> None:
    emitted: list[FilterChoice] = []
    view.choice_changed.connect(emitted.append)
    row = view.visualRect(model_of(view).index_for(FilterChoice("source", 1))).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=row)
    assert emitted == [FilterChoice("source", 1)]
    # Ctrl+click on the chosen row must not leave the pane with nothing selected.
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, pos=row
    )
    assert [i.data() for i in view.selectedIndexes()] == ["The Guardian"]


def test_context_menu_on_a_tag(view: TagFilterView, qtbot: QtBot) -> None:
    index = model_of(view).index_for(FilterChoice("tag", "East Africa"))
    menu = view.build_context_menu(index)
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert list(actions) == ["Mark all read", "Rename…", "Merge into…", "Delete tag…",
                             "Sort by name", "Sort by count"]
    assert actions["Sort by name"].isChecked()
    with qtbot.waitSignal(view.mark_read_requested) as blocker:
        actions["Mark all read"].trigger()
    assert blocker.args == [FilterChoice("tag", "East Africa")]

    with qtbot.waitSignal(view.rename_requested) as blocker:
        actions["Rename…"].trigger()
    assert blocker.args == ["East Africa"]
    with qtbot.waitSignal(view.merge_requested) as blocker:
        actions["Merge into…"].trigger()
    assert blocker.args == ["East Africa"]
    with qtbot.waitSignal(view.delete_tag_requested) as blocker:
        actions["Delete tag…"].trigger()
    assert blocker.args == ["East Africa"]


def test_context_menu_sorts(view: TagFilterView, qtbot: QtBot) -> None:
    model = model_of(view)
    emitted: list[str] = []
    view.sort_changed.connect(emitted.append)
    menu = view.build_context_menu(model.index(TAGS_ROW, 0))  # a header: sorting only
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert list(actions) == ["Sort by name", "Sort by count"]

    actions["Sort by count"].trigger()
    assert emitted == ["count"]
    assert model.sort_order == "count"
    assert children(model, TAGS_ROW) == ["Politics", "climate", "East Africa", "Books"]
    assert view.build_context_menu(QModelIndex()).actions()[1].isChecked()

    actions["Sort by name"].trigger()
    assert emitted == ["count", "name"]
    assert children(model, TAGS_ROW)[0] == "Books"


# --- how it looks ------------------------------------------------------------------------------


REALISTIC_TAGS = [
    tag(name, count, unread)
    for name, count, unread in [
        ("East Africa", 112, 14),
        ("Politics", 431, 0),
        ("Climate", 287, 31),
        ("Science", 96, 2),
        ("Technology", 354, 120),
        ("Books", 41, 0),
        ("Film", 28, 28),
        ("Economics", 173, 5),
        ("Europe", 210, 0),
        ("Health", 64, 9),
        ("Sport", 12, 0),
        ("Opinion", 301, 44),
        ("Long reads", 57, 3),
        ("Energy", 81, 0),
        ("Migration", 33, 1),
        ("Middle East", 142, 12),
        ("Latin America", 47, 0),
        ("Asia-Pacific", 66, 4),
        ("Music", 19, 0),
        ("Food", 22, 2),
        ("History", 38, 0),
        ("Space", 29, 6),
        ("AI", 88, 17),
        ("Privacy", 26, 0),
        ("Open source", 49, 11),
        ("Cities", 15, 0),
        ("Transport", 31, 2),
        ("Education", 24, 0),
        ("Obituaries", 9, 0),
        ("A remarkably long tag name that will certainly need eliding", 3, 1),
    ]
]
REALISTIC_SOURCES = [
    source(1, "The Guardian", 1204, 37),
    source(2, "BBC News", 980, 0),
    source(3, "Ars Technica", 412, 58, error="HTTP 503 Service Unavailable"),
    source(4, "Le Monde diplomatique", 77, 4),
    source(5, "Hacker News", 2310, 1250),
]


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202124",
        QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#1b1c1f",
        QPalette.ColorRole.AlternateBase: "#26282c",
        QPalette.ColorRole.Text: "#e8eaed",
        QPalette.ColorRole.Button: "#2d2f33",
        QPalette.ColorRole.ButtonText: "#e8eaed",
        QPalette.ColorRole.Highlight: "#3d6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2d2f33",
        QPalette.ColorRole.ToolTipText: "#e8eaed",
        QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    return palette


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_renders_realistic_data(qtbot: QtBot, theme: str) -> None:
    model = TagFilterModel()
    model.set_contents(ArchiveTotals(4983, 1349, 27), REALISTIC_TAGS, REALISTIC_SOURCES)
    view = TagFilterView(model)
    qtbot.addWidget(view)
    if theme == "dark":
        view.setPalette(dark_palette())
    view.resize(260, 1240)
    view.show()
    qtbot.waitExposed(view)
    view.select(FilterChoice("tag", "Climate"))

    image = view.grab()
    assert not image.isNull()
    image.save(f"/tmp/tag_filter_{theme}.png")
    if theme == "light":
        image.save("/tmp/tag_filter.png")
