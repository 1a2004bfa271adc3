"""Knowledge-base search (Chinese and English), usable during a call: Enter searches, pick to read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.notice import KbArticle
from agent_tui.i18n import Translator
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.services import DeskBackend

CATEGORY_LABELS: dict[str, str] = {
    "faq": "FAQ",
    "policy": "Policy",
    "notice": "Notice",
    "tariff": "Tariff",
    "procedure": "Procedure",
}
"""Knowledge-base categories (data codes) in words; an unknown one is shown as it came."""


def category_label(t: Translator, category: str) -> str:
    """An article's category in the UI language."""
    label = CATEGORY_LABELS.get(category.strip().lower())
    return t.t(label) if label is not None else clean(category, 20)


class KbScreen(DeskPanelScreen[None]):
    """Search box, result list, article."""

    DEFAULT_CSS = """
    #kb-results { height: auto; max-height: 8; }
    #kb-article { height: auto; max-height: 12; }
    """

    def __init__(self, backend: DeskBackend) -> None:
        super().__init__()
        self.backend = backend
        self.articles: list[KbArticle] = []

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Knowledge base"), classes="panel-title")
            yield Input(placeholder=t("Search (Enter)"), id="kb-query", max_length=100)
            yield OptionList(id="kb-results")
            with VerticalScroll(id="kb-article"):
                yield Static("", id="kb-body", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Search."""
        query = event.value.strip()
        if not query:
            return

        async def search() -> None:
            self.articles = await self.backend.kb_search(query, limit=20)
            results = self.query_one("#kb-results", OptionList)
            results.clear_options()
            for index, article in enumerate(self.articles):
                results.add_option(Option(Content.assemble(
                    (clean(article.title, 100), "bold"), f"  [{category_label(self.t, article.category)}]"),
                    id=str(index)))
            if not self.articles:
                self.query_one("#kb-body", Static).update(self.t.t("Nothing found."))
            else:
                results.highlighted = 0
                results.focus()

        desk_app(self).spawn(self, search, "searching the knowledge base", group="kb", exclusive=True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted article."""
        article = self.articles[int(event.option.id or 0)]
        self.query_one("#kb-body", Static).update(Content.assemble(
            (clean(article.title, 200), "bold underline"), "\n", clean(article.body, 20_000, one_line=False)))
